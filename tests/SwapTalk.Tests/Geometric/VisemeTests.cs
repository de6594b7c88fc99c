using System.Numerics;
using SwapTalk.Core.Engines.Geometric;
using SwapTalk.Core.Engines.Geometric.Mouth;
using SwapTalk.Core.Activities;
using SwapTalk.Core.Jobs;
using SwapTalk.Tests.Pipeline;
using SwapTalk.Core.Media;
using SwapTalk.Core.Models;
using SwapTalk.Core.Stages;
using SwapTalk.Tests.Support;
using static SwapTalk.Tests.Pipeline.PipelineData;

namespace SwapTalk.Tests.Geometric;

/// <summary>
/// The viseme front end (the real HeadAudio model on real speech), the mouth drive's rows with visemes, and the mouth
/// poses they give: shapes by viseme, silence closed, frame-exact timing, and self-driven poses from the frame's own mouth.
/// </summary>
public sealed class VisemeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly AudioWindow Window = ModelManifest.Default.LipSyncWindow;
    private static string ModelPath => SharedData.Require("audio/visemes/" + VisemeModel.FileName);

    [Fact]
    public void The_model_holds_prototypes_for_every_viseme()
    {
        var model = VisemeModel.Read(ModelPath);
        model.Prototypes.Should().Be(39, "one prototype per phoneme of the English model (14352 bytes / 368)");
        var distances = model.Distances(new float[16000], 0, 320, 0, 50);
        for (var r = 0; r < 50; r++)
            distances.AsSpan(r * VisemeModel.Visemes, VisemeModel.Visemes).ToArray().Should().AllSatisfy(d => float.IsFinite(d).Should().BeTrue(), "every viseme has a prototype");
    }

    [Fact]
    public void A_file_that_is_not_a_model_is_refused_naming_it()
    {
        var path = Path.Combine(Dir, $"not-a-model-{Guid.NewGuid():N}.bin");
        File.WriteAllBytes(path, new byte[100]);
        var act = () => VisemeModel.Read(path);
        act.Should().Throw<InvalidDataException>().WithMessage($"*{path}*not a whole number*");
    }

    [Fact]
    public void The_model_is_found_beside_the_shared_models_folder_or_named_by_the_environment()
    {
        VisemeModel.Locate(Path.GetDirectoryName(SharedData.Model("yunet_n_dynamic.onnx"))!, _ => null).Should().Be(Path.GetFullPath(ModelPath));
        VisemeModel.Locate(Dir, _ => null).Should().BeNull("a folder without the model: the mouth follows loudness only");
        VisemeModel.Locate(Dir, v => v == VisemeModel.PathVariable ? "/x/model.bin" : null).Should().Be("/x/model.bin");
    }

    /// <summary>The mouth drive's rows for a file: loudness and 15 probabilities each.</summary>
    private static async Task<(float[] Rows, long Count)> DriveAsync(string audio, VisemeModel? model)
    {
        var path = Path.Combine(Dir, $"mouth-{Guid.NewGuid():N}.bin");
        var summary = await new MouthDriveStage(Engine.Tools, Window, model).ExtractAsync(audio, path, new StageClock("job-test"), Ct);
        await using var stream = File.OpenRead(path);
        var info = await AudioFeatureFile.ReadHeaderAsync(stream, path, Ct);
        info.Count.Should().Be(summary.FeatureCount);
        var (rows, _) = await AudioFeatureFile.ReadRowsAsync(stream, info, 0, info.Count, path, Ct);
        return (rows, info.Count);
    }

    [Fact]
    public async Task Streamed_viseme_rows_equal_one_pass_over_the_whole_track()
    {
        // JFK: 11 s, 550 rows, more than one 512-row chunk.
        var model = VisemeModel.Read(ModelPath);
        var (rows, count) = await DriveAsync(SharedData.Speech, model);
        var (loudness, loudCount) = await DriveAsync(SharedData.Speech, null);
        count.Should().Be(loudCount).And.BeGreaterThan(512);
        rows.Length.Should().Be((int)count * MouthDriveStage.VisemeDim);

        var speech = await Engine.ReadSpeechAsync(SharedData.Speech, Ct);
        var emphasised = new float[speech.Length];
        var previous = 0f;
        VisemeModel.Emphasise(speech, emphasised, ref previous);
        var whole = model.Distances(emphasised, 0, 320, 0, (int)count);
        VisemeModel.ToProbabilities(whole);
        for (var r = 0; r < count; r++)
        {
            rows[r * MouthDriveStage.VisemeDim].Should().Be(loudness[r * MouthDriveStage.Dim], "the loudness column is the loudness-only drive's");
            var p = rows.AsSpan(r * MouthDriveStage.VisemeDim + 1, VisemeModel.Visemes).ToArray();
            p.Sum().Should().BeApproximately(1, 1e-4f);
            for (var v = 0; v < VisemeModel.Visemes; v++) p[v].Should().BeApproximately(whole[r * VisemeModel.Visemes + v], 1e-5f, $"row {r}, viseme {v}");
        }
    }

    /// <summary>Rows at 50 Hz: loudness 1 with all probability on <paramref name="viseme"/> over [start, end) seconds, silence elsewhere.</summary>
    private static SegmentAudio Rows(double seconds, double start, double end, Viseme viseme)
    {
        var count = (int)Math.Round(seconds * Window.FeatureRate);
        var dim = MouthDriveStage.VisemeDim;
        var rows = new float[count * dim];
        for (var i = 0; i < count; i++)
        {
            var t = (i + 0.5) / Window.FeatureRate;
            var loud = t >= start && t < end;
            rows[i * dim] = loud ? 1 : 0;
            rows[i * dim + 1 + (int)(loud ? viseme : Viseme.Sil)] = 1;
        }
        return new SegmentAudio(rows, 0, count, dim);
    }

    [Theory]
    [InlineData(25, 1)]
    [InlineData(30, 1)]
    [InlineData(30000, 1001)]
    public void Poses_open_in_speech_and_close_in_silence_to_the_frame(int numerator, int denominator)
    {
        var rate = new Rational(numerator, denominator);
        var audio = Rows(4.0, 1.0, 2.0, Viseme.Aa);
        var style = MouthStyle.Generic;
        for (var frame = 0; frame < (int)(4.0 * rate.Value) - 1; frame++)
        {
            var mid = (rate.FrameSeconds(frame) + rate.FrameSeconds(frame + 1)) / 2;
            var pose = MouthPoses.Of(audio, Window, rate, frame, style);
            // The opening comes from the loudness rows around the frame's midpoint (+-40 ms), the shape 20 ms ahead.
            if (mid - 0.07 >= 1.0 && mid + 0.07 < 2.0)
                pose.Opening.Should().BeApproximately(MouthShaper.MaxOpening * MouthStyle.GenericShapes[(int)Viseme.Aa].Open, 1e-5f, $"frame {frame} lies in the loud second");
            else if (mid + 0.07 < 1.0 || mid - 0.07 >= 2.0)
                pose.Opening.Should().Be(0, $"frame {frame} lies in silence");
        }
    }

    [Fact]
    public void Closures_and_rounding_show_in_the_pose()
    {
        var rate = new Rational(25, 1);
        MouthPose At(Viseme v) => MouthPoses.Of(Rows(3.0, 1.0, 2.0, v), Window, rate, 37, MouthStyle.Generic);
        var open = At(Viseme.Aa);
        At(Viseme.PP).Opening.Should().BeLessThan(0.4f * open.Opening, "lips pressed together for m/b/p");
        At(Viseme.FF).Opening.Should().BeLessThan(0.5f * open.Opening, "the lower lip at the upper teeth for f/v");
        At(Viseme.U).Spread.Should().BeLessThan(open.Spread - 0.1f, "rounded lips are narrower");
        At(Viseme.I).Spread.Should().BeGreaterThan(open.Spread + 0.05f, "spread lips are wider");
        // Loudness-only rows (no viseme model): the loudness opening, no shape.
        var loudOnly = MouthPoses.Of(new SegmentAudio([.. Enumerable.Range(0, 150).Select(i => i is >= 50 and < 100 ? 1f : 0f)], 0, 150, 1), Window, rate, 37, MouthStyle.Generic);
        loudOnly.Should().Be(new MouthPose(MouthShaper.MaxOpening, 0));
    }

    [Fact]
    public void The_shaper_widens_and_narrows_the_mouth_by_the_spread()
    {
        var face = FaceSamples.Frontal();
        var width = Vector2.Distance(face[48], face[54]);
        foreach (var spread in new[] { -0.15f, 0.1f })
        {
            var shaped = MouthShaper.Shape(face, new MouthPose(0.1f, spread));
            Vector2.Distance(shaped[48], shaped[54]).Should().BeApproximately(width * (1 + spread), 0.02f * width);
            FaceGeometry.RelativeMouthOpening(shaped).Should().BeApproximately(0.1f, 0.01f);
        }
    }

    [Fact]
    public void Self_driven_poses_follow_the_frames_own_mouth()
    {
        var smoothed = FaceSamples.Frontal();
        var raw = MouthShaper.Open(smoothed, 0.12f); // the landmarker saw a wider opening than the smoothed track keeps
        var pose = MouthPoses.Own(raw, smoothed, MouthStyle.Generic);
        pose.OwnInterior.Should().BeTrue();
        pose.Opening.Should().BeApproximately(0.12f * MouthStyle.RenderGain, 0.01f);
        var closed = MouthPoses.Own(MouthShaper.Open(smoothed, 0), smoothed, MouthStyle.Generic);
        closed.Opening.Should().BeLessThan(0.01f, "a closure in the frame stays closed");
    }

    /// <summary>The face models and the viseme model in its visemes/ subfolder: a folder where geometric dubs use visemes.</summary>
    private static readonly Lazy<Task<string>> VisemeModels = new(async () =>
    {
        var dir = Path.Combine(Dir, "face-and-viseme-models");
        Directory.CreateDirectory(Path.Combine(dir, "visemes"));
        foreach (var file in new[] { "yunet_n_dynamic.onnx", "peppa_slim_160_68pt.onnx" })
            File.Copy(SharedData.Model(file), Path.Combine(dir, file), overwrite: true);
        File.Copy(ModelPath, Path.Combine(dir, "visemes", VisemeModel.FileName), overwrite: true);
        return await Task.FromResult(dir);
    });

    /// <summary>The gap clip cross-driven by lbax4n's speech (its first 2 s) with visemes, in 17-frame segments or one.</summary>
    private static Task<DubRun> SpeechDub(int segmentFrames) => Shared($"geometric-visemes-{segmentFrames}", async () =>
    {
        var speech = Path.Combine(Dir, "lbax4n-2s.wav");
        if (!File.Exists(speech)) await Ffmpeg("-i", SharedData.GridClip("lbax4n"), "-t", "2", "-vn", "-ac", "1", "-ar", "16000", speech);
        var options = new JobOptions { SegmentFrames = segmentFrames, Quality = new OutputQuality { Lossless = true }, Engine = DubEngine.Geometric };
        return Request(await GapClipAsync(), speech, await VisemeModels.Value, options, await GeometricData.OtherSpeakerPortraitAsync());
    });

    [Fact]
    public async Task A_dub_with_the_viseme_model_says_so_and_its_segments_join_bit_for_bit()
    {
        var cut = await SpeechDub(17);
        var whole = await SpeechDub(100);
        cut.Report.Notes.Should().Contain(n => n.StartsWith("mouth: visemes (HeadAudio)", StringComparison.Ordinal));
        cut.Report.SegmentsRendered.Should().Be(3);
        var a = await FramesAsync(cut.Output);
        var b = await FramesAsync(whole.Output);
        a.Should().HaveCount(GapFrames);
        for (var i = 0; i < a.Length; i++)
            a[i].AsSpan().SequenceEqual(b[i]).Should().BeTrue($"output frame {i} must not depend on where segments are cut");
    }
}
