using SwapTalk.Core.Engines.Geometric;
using SwapTalk.Core.Media;
using SwapTalk.Core.Models;
using SwapTalk.Core.Stages;

namespace SwapTalk.Tests.Geometric;

/// <summary>
/// Frame-exact timing of the mouth: an output frame's opening comes from the loudness rows around its own midpoint,
/// whatever the frame rate and wherever a segment starts (the rows a segment reads are the plan's).
/// </summary>
public sealed class MouthTimingTests
{
    private static readonly AudioWindow Window = ModelManifest.Default.LipSyncWindow;

    /// <summary>Loudness rows at 50 Hz: 1 over [start, end) seconds, 0 elsewhere, for a track of <paramref name="seconds"/>.</summary>
    private static SegmentAudio Rows(double seconds, double start, double end, long first = 0)
    {
        var count = (long)Math.Round(seconds * Window.FeatureRate);
        var rows = new float[count - first];
        for (var i = first; i < count; i++)
        {
            var t = (i + 0.5) / Window.FeatureRate;
            rows[i - first] = t >= start && t < end ? 1f : 0f;
        }
        return new SegmentAudio(rows, first, count, 1);
    }

    [Theory]
    [InlineData(25, 1)]
    [InlineData(30, 1)]
    [InlineData(30000, 1001)]
    public void Loud_frames_open_fully_quiet_frames_stay_closed_to_the_frame(int numerator, int denominator)
    {
        var rate = new Rational(numerator, denominator);
        var audio = Rows(4.0, 1.0, 2.0);
        for (var frame = 0; frame < (int)(4.0 * rate.Value) - 1; frame++)
        {
            var start = rate.FrameSeconds(frame);
            var end = rate.FrameSeconds(frame + 1);
            var opening = MouthDriveStage.Opening(audio, Window, rate, frame);
            // 1-2-3-2-1 over +-2 rows (+-40 ms) around the frame's midpoint.
            var mid = (start + end) / 2;
            if (mid - 0.05 >= 1.0 && mid + 0.05 < 2.0) opening.Should().BeApproximately(MouthShaper.MaxOpening, 1e-6f, $"frame {frame} at {start:0.000} s lies in the loud second");
            else if (mid + 0.05 < 1.0 || mid - 0.05 >= 2.0) opening.Should().Be(0, $"frame {frame} at {start:0.000} s lies in silence");
        }
    }

    [Fact]
    public void A_segment_reading_only_its_rows_gets_the_same_openings_as_the_whole_track()
    {
        var rate = new Rational(25, 1);
        var whole = Rows(4.0, 1.0, 2.0);
        var part = Rows(4.0, 1.0, 2.0, first: 40); // a segment starting at 0.8 s reads from row 40 (its window's start)
        for (var frame = 25; frame < 90; frame++)
            MouthDriveStage.Opening(part, Window, rate, frame).Should().Be(MouthDriveStage.Opening(whole, Window, rate, frame));
    }

    [Fact]
    public void The_shaper_opens_the_inner_lips_by_the_asked_share_of_the_eye_distance()
    {
        var face = FaceSamples.Frontal();
        foreach (var wanted in new[] { 0f, 0.1f, 0.25f })
        {
            var opened = MouthShaper.Open(face, wanted);
            FaceGeometry.RelativeMouthOpening(opened).Should().BeApproximately(wanted, 0.01f);
            opened[30].Should().Be(face[30], "the nose does not move with the mouth");
        }
    }
}
