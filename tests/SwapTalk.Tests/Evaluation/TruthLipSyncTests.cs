using System.Numerics;
using SwapTalk.Core.Evaluation;
using SwapTalk.Tests.Media;
using SwapTalk.Tests.Support;
using static SwapTalk.Tests.Evaluation.EvaluationData;

namespace SwapTalk.Tests.Evaluation;

/// <summary>
/// <c>eval --truth</c> on known cases with real GRID clips and the real landmarker: a clip against itself, against a
/// re-encoded copy moved by a few pixels, against another speaker's sentence, and against a copy delayed by three
/// frames; and the measures on hand-made mouths.
/// </summary>
public sealed class TruthLipSyncTests
{
    private static Task<EvaluationResult> Against(string key, Func<Task<string>> video, string truth = "bbaf2n") => EvaluateAsync($"truth-{key}", async () => new EvaluationRequest
    {
        Video = await video(),
        Original = SharedData.GridClip("lbax4n"),
        Portrait = await FramePortraitAsync("bbaf2n", 25),
        Audio = SharedData.GridClip(truth),
        Truth = SharedData.GridClip(truth),
    });

    /// <summary>bbaf2n re-encoded with H.264 (CRF 28) and moved 3 px right, 2 px down (padding), cut back to 360x288.</summary>
    private static Task<string> ShiftedCopyAsync() => MakeOnce("bbaf2n-shifted.mp4", path => MediaClips.Ff(
        "-i", SharedData.GridClip("bbaf2n"), "-vf", "pad=iw+3:ih+2:3:2,crop=360:288:0:0", "-c:v", "libx264", "-crf", "28", "-preset", "ultrafast",
        "-pix_fmt", "yuv420p", "-an", path));

    /// <summary>bbaf2n three frames late: its first frame shown three more times at the start, cut back to 75 frames.</summary>
    private static Task<string> DelayedCopyAsync() => MakeOnce("bbaf2n-delayed3.mkv", path => MediaClips.Ff(
        "-i", SharedData.GridClip("bbaf2n"), "-vf", "tpad=start=3:start_mode=clone", "-frames:v", "75", "-c:v", "ffv1", "-an", path));

    [Fact]
    public async Task A_video_against_itself_agrees_perfectly()
    {
        var t = (await Against("itself", () => Task.FromResult(SharedData.GridClip("bbaf2n")))).Truth!;
        t.Truth.Should().Be(SharedData.GridClip("bbaf2n"));
        t.Video.Frames.Should().Be(75);
        t.Video.OpeningAtLag0.Should().BeApproximately(1, 1e-9);
        t.Video.OpeningBestLag.Should().Be(0);
        t.Video.OpeningVelocity.Should().BeApproximately(1, 1e-9);
        t.Video.Width.Should().BeApproximately(1, 1e-9);
        t.Video.Rounding.Should().BeApproximately(1, 1e-9);
        t.Video.LmdDyn.Should().Be(0);
        t.Video.Amplitude.Should().BeApproximately(1, 1e-9);
        // The original (another speaker's sentence) is the floor: far from it.
        t.Original!.OpeningAtLag0.Should().BeLessThan(0.6);
        t.Original.LmdDyn.Should().BeGreaterThan(0.01);
        t.TruthCurves.Opening.Should().HaveCount(75);
        t.OriginalCurves!.Width.Should().HaveCount(75);
        t.VideoCurves.Rounding.Should().Equal(t.TruthCurves.Rounding);
    }

    [Fact]
    public async Task A_reencoded_slightly_shifted_copy_agrees_closely()
    {
        var t = (await Against("shifted", ShiftedCopyAsync)).Truth!;
        t.Video.OpeningAtLag0.Should().BeGreaterThan(0.9);
        t.Video.OpeningBestLag.Should().Be(0);
        t.Video.OpeningVelocity.Should().BeGreaterThan(0.75);
        t.Video.Amplitude.Should().BeInRange(0.85, 1.15);
        t.Video.LmdDyn.Should().BeLessThan(0.6 * t.Original!.LmdDyn!.Value, "a shifted copy is far closer than another sentence");
    }

    [Fact]
    public async Task An_unrelated_clip_agrees_little()
    {
        // lbax4n's speaker saying another sentence, against bbaf2n's speaker.
        var t = (await Against("unrelated", () => Task.FromResult(SharedData.GridClip("lbax4n")))).Truth!;
        t.Video.OpeningAtLag0.Should().BeLessThan(0.5);
        t.Video.OpeningVelocity.Should().BeLessThan(0.3);
        t.Video.LmdDyn.Should().BeGreaterThan(0.012);
        // The original here is that same clip: video and floor are one measurement.
        t.Original!.Should().BeEquivalentTo(t.Video);
    }

    [Fact]
    public async Task A_copy_delayed_by_three_frames_peaks_at_lag_plus_3()
    {
        var t = (await Against("delayed", DelayedCopyAsync)).Truth!;
        t.Video.OpeningBestLag.Should().Be(3, "the video's mouth moves three frames after the real speaker's");
        t.Video.OpeningAtBestLag.Should().BeGreaterThan(0.95);
        t.Video.OpeningAtLag0.Should().BeLessThan(t.Video.OpeningAtBestLag!.Value - 0.1);
    }

    [Fact]
    public void Mouth_measures_ignore_the_faces_size_position_and_roll()
    {
        var mouth = Face(opening: 6, width: 40);
        var moved = mouth.Select(p => Vector2.Transform(p * 2.5f, Matrix3x2.CreateRotation(0.3f)) + new Vector2(40, -7)).ToArray();
        var a = MouthFrame.Of(mouth);
        var b = MouthFrame.Of(moved);
        b.Opening.Should().BeApproximately(a.Opening, 1e-5);
        b.Width.Should().BeApproximately(a.Width, 1e-5);
        b.Rounding.Should().BeApproximately(a.Rounding, 1e-4);
        for (var i = 0; i < 20; i++) Vector2.Distance(a.Shape[i], b.Shape[i]).Should().BeLessThan(1e-5f);
        a.Opening.Should().BeApproximately(6 / 100.0, 1e-6);
        a.Width.Should().BeApproximately(40 / 100.0, 1e-6);
    }

    [Fact]
    public void Amplitude_is_the_ratio_of_opening_spreads_and_lmddyn_ignores_a_constant_mouth_offset()
    {
        var truth = Enumerable.Range(0, 40).Select(t => (MouthFrame?)MouthFrame.Of(Face(4 + 4 * MathF.Sin(t * 0.7f), 40))).ToArray();
        var wide = Enumerable.Range(0, 40).Select(t => (MouthFrame?)MouthFrame.Of(Face(8 + 8 * MathF.Sin(t * 0.7f), 46))).ToArray();
        var same = Enumerable.Range(0, 40).Select(t => (MouthFrame?)MouthFrame.Of(Face(4 + 4 * MathF.Sin(t * 0.7f), 46))).ToArray();
        var r = TruthLipSync.Compare(wide, truth);
        r.Amplitude.Should().BeApproximately(2, 1e-3);
        r.OpeningAtLag0.Should().BeApproximately(1, 1e-6);
        // Another person's wider mouth moving the same way: its own mean removed, nothing is left.
        TruthLipSync.Compare(same, truth).LmdDyn.Should().BeLessThan(1e-6);
        r.LmdDyn.Should().BeGreaterThan(0.01);
    }

    /// <summary>A level face with the eyes 100 px apart and a mouth of the given inner gap and width (px).</summary>
    private static Vector2[] Face(float opening, float width)
    {
        var l = new Vector2[68];
        l[36] = new(0, 0);
        l[45] = new(100, 0);
        var c = new Vector2(50, 90);
        var h = width / 2;
        // Outer lips 48-59 round the corners, inner 60-67; the inner gap opens the lower lip only.
        l[48] = c + new Vector2(-h, 0);
        l[54] = c + new Vector2(h, 0);
        l[49] = c + new Vector2(-h / 2, -6); l[50] = c + new Vector2(-h / 4, -8); l[51] = c + new Vector2(0, -7); l[52] = c + new Vector2(h / 4, -8); l[53] = c + new Vector2(h / 2, -6);
        l[55] = c + new Vector2(h / 2, 6 + opening); l[56] = c + new Vector2(h / 4, 8 + opening); l[57] = c + new Vector2(0, 9 + opening); l[58] = c + new Vector2(-h / 4, 8 + opening); l[59] = c + new Vector2(-h / 2, 6 + opening);
        l[60] = c + new Vector2(-h + 3, 0); l[64] = c + new Vector2(h - 3, 0);
        l[61] = c + new Vector2(-h / 3, -1); l[62] = c + new Vector2(0, -1); l[63] = c + new Vector2(h / 3, -1);
        l[65] = c + new Vector2(h / 3, -1 + opening); l[66] = c + new Vector2(0, -1 + opening); l[67] = c + new Vector2(-h / 3, -1 + opening);
        return l;
    }
}
