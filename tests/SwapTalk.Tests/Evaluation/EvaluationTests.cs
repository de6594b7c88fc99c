using System.Text.Json;
using OpenCvSharp;
using SwapTalk.Cli.Commands;
using SwapTalk.Core.Evaluation;
using SwapTalk.Core.Jobs;
using SwapTalk.Tests.Support;
using static SwapTalk.Tests.Evaluation.EvaluationData;

namespace SwapTalk.Tests.Evaluation;

/// <summary>
/// <see cref="VideoEvaluator"/> on known cases with the real models and GRID clips: identical videos, the
/// speaker's own frame and another speaker's as the portrait, the clip's own audio, unrelated speech and the own
/// audio moved by three frames either way, and inputs without a face.
/// </summary>
public sealed class EvaluationTests
{
    /// <summary>bbaf2n against itself, its own frame 25 as the portrait, the three speakers as the gallery: self-driven.</summary>
    private static Task<EvaluationResult> Identical() => EvaluateAsync("identical", async () => new EvaluationRequest
    {
        Video = SharedData.GridClip("bbaf2n"),
        Original = SharedData.GridClip("bbaf2n"),
        Portrait = await FramePortraitAsync("bbaf2n", 25),
        Gallery = await GalleryAsync(),
    });

    /// <summary>bbaf2n with lbax4n's speaker as the portrait, the same gallery.</summary>
    private static Task<EvaluationResult> OtherSpeaker() => EvaluateAsync("other-speaker", async () => new EvaluationRequest
    {
        Video = SharedData.GridClip("bbaf2n"),
        Portrait = await FramePortraitAsync("lbax4n", 0),
        Gallery = await GalleryAsync(),
    });

    private static Task<EvaluationResult> WithAudio(string key, Func<Task<string>> audio) => EvaluateAsync(key, async () => new EvaluationRequest
    {
        Video = SharedData.GridClip("bbaf2n"),
        Portrait = await FramePortraitAsync("bbaf2n", 25),
        Audio = await audio(),
    });

    [Fact]
    public async Task Identical_videos_have_SSIM_1_and_infinite_PSNR_inside_and_outside_the_face()
    {
        var r = await Identical();
        r.Mode.Should().Be("self-driven");
        var q = r.ImageQuality!;
        q.FramesCompared.Should().Be(75);
        q.SsimFace.Should().BeApproximately(1, 1e-9);
        q.SsimOutside.Should().BeApproximately(1, 1e-9);
        q.PsnrFace.Should().Be(double.PositiveInfinity);
        q.PsnrOutside.Should().Be(double.PositiveInfinity);
        r.PerFrame.PsnrFace!.Should().AllSatisfy(p => p.Should().Be(double.PositiveInfinity));
        r.Sharpness.Output.Should().Be(r.Sharpness.Original).And.BeGreaterThan(0);
        r.LipSync!.Lmd.Should().Be(0);
        r.Identity.ToOriginal.Should().BeApproximately(1, 1e-5);
    }

    [Fact]
    public async Task Infinite_PSNR_is_written_as_the_JSON_string_Infinity()
    {
        var json = JsonSerializer.SerializeToElement(await Identical(), EvalCommand.Json);
        json.GetProperty("imageQuality").GetProperty("psnrFace").GetString().Should().Be("Infinity");
        json.GetProperty("imageQuality").GetProperty("ssimFace").GetDouble().Should().BeApproximately(1, 1e-9);
        // The round trip gives the number back.
        JsonSerializer.Deserialize<ImageQualityResult>(json.GetProperty("imageQuality").GetRawText(), EvalCommand.Json)!.PsnrFace
            .Should().Be(double.PositiveInfinity);
    }

    [Fact]
    public async Task The_speakers_own_frame_as_portrait_scores_high_identity_and_is_retrieved_from_the_gallery()
    {
        var r = await Identical();
        r.FramesWithFace.Should().Be(75);
        r.Identity.Consistency.Should().BeGreaterThan(0.6);
        r.Identity.Min.Should().BeGreaterThan(0.5);
        r.Identity.GallerySize.Should().Be(3, "the portrait is one of the gallery's three files and counts once");
        r.Identity.IdRetrieve.Should().Be(1);
        // The original is the video itself, so every frame is closer to the original than to any portrait.
        r.Identity.CloserToPortrait.Should().Be(0);
    }

    [Fact]
    public async Task Another_speaker_as_portrait_scores_low_identity_and_is_never_retrieved()
    {
        var r = await OtherSpeaker();
        r.Identity.Consistency.Should().BeLessThan(0.2);
        r.Identity.Max.Should().BeLessThan(0.3);
        r.Identity.IdRetrieve.Should().Be(0, "every frame's nearest gallery identity is bbaf2n's own speaker");
        r.Mode.Should().Be("unspecified", "neither an original nor a driving audio was given");
        r.ImageQuality.Should().BeNull();
        r.NotComputed.Select(n => n.Metric).Should().Contain(["SSIM/PSNR", "LMD", "closer to portrait than original"]);
    }

    [Fact]
    public async Task The_clips_own_audio_correlates_with_its_mouth_at_lag_0()
    {
        var s = (await Identical()).LipSync!;
        s.FramesUsed.Should().BeGreaterThanOrEqualTo(70);
        s.CorrelationAtLag0.Should().BeGreaterThan(0.25);
        s.Detrended.AtLag0.Should().BeGreaterThan(0.4);
        s.BestLag.Should().BeInRange(-1, 1);
    }

    [Fact]
    public async Task Unrelated_speech_has_low_detrended_correlation()
    {
        var own = (await Identical()).LipSync!;
        var other = (await WithAudio("jfk", () => Task.FromResult(SharedData.Speech))).LipSync!;
        other.Detrended.AtLag0.Should().BeLessThan(0.1);
        other.Detrended.AtLag0.Should().BeLessThan(own.Detrended.AtLag0!.Value - 0.3);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(-3)]
    public async Task The_own_audio_moved_by_k_frames_gives_best_lag_k(int k)
    {
        var s = (await WithAudio($"shift{k}", () => ShiftedAudioAsync("bbaf2n", k))).LipSync!;
        s.BestLag.Should().Be(k, "positive lag = the audio comes late");
        s.Detrended.AtBestLag.Should().BeGreaterThan(0.4);
    }

    [Fact]
    public async Task Frames_past_the_originals_end_are_compared_with_the_frame_ping_pong_showed()
    {
        var r = await EvaluateAsync("ping-pong", async () => new EvaluationRequest
        {
            Video = await PingPongClipAsync(),
            Original = SharedData.GridClip("bbaf2n"),
            Portrait = SharedData.Face,
            Audio = SharedData.Speech,
            LongerOutput = Core.Jobs.FrameRule.PingPong,
        });
        r.Frames.Should().Be(148);
        r.PerFrame.IdentityToOriginal!.Should().HaveCount(148).And.AllSatisfy(c => c.Should().BeGreaterThan(0.999));
        r.ImageQuality!.FramesCompared.Should().Be(75);
        r.NotComputed.Single(n => n.Metric == "original frames").Why.Should().Contain("ping-pong");
    }

    [Fact]
    public async Task Table_I_metrics_without_models_are_named_with_the_reason()
    {
        var r = await OtherSpeaker();
        r.NotComputed.Select(n => n.Metric).Should().Contain(["FID", "LSE-C", "LSE-D"]);
        r.NotComputed.Single(n => n.Metric == "FID").Why.Should().Contain("Inception");
        r.NotComputed.Single(n => n.Metric == "LSE-C").Why.Should().Contain("SyncNet");
    }

    [Fact]
    public async Task The_image_is_a_png_with_the_curves_and_frames()
    {
        var r = await Identical();
        File.Exists(r.Image).Should().BeTrue();
        using var image = Cv2.ImRead(r.Image!);
        image.Width.Should().Be(1280);
        image.Height.Should().BeGreaterThan(800, "header, two plots, two rows of frames");
    }

    [Fact]
    public async Task A_clip_without_a_face_is_bad_input_naming_the_video()
    {
        var clip = await FacelessClipAsync();
        var act = () => Evaluator.EvaluateAsync(new EvaluationRequest { Video = clip, Portrait = SharedData.Face });
        var e = (await act.Should().ThrowAsync<BadInputException>()).Which;
        e.Errors.Single().Input.Should().Be("video");
        e.Message.Should().Contain(clip).And.Contain("no face found in any of its 25 frames");
    }

    [Fact]
    public async Task A_portrait_without_a_face_is_bad_input_naming_the_portrait()
    {
        var portrait = await FacelessPortraitAsync();
        var act = () => Evaluator.EvaluateAsync(new EvaluationRequest { Video = SharedData.GridClip(), Portrait = portrait });
        var e = (await act.Should().ThrowAsync<BadInputException>()).Which;
        e.Errors.Single().Input.Should().Be("portrait");
        e.Message.Should().Contain(portrait).And.Contain("no face");
    }
}
