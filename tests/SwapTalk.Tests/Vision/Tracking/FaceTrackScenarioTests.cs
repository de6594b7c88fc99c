using System.Numerics;
using SwapTalk.Core.Imaging;
using SwapTalk.Core.Vision.Alignment;
using SwapTalk.Core.Vision.Detection;
using SwapTalk.Core.Vision.Tracking;
using SwapTalk.Tests.Support;

namespace SwapTalk.Tests.Vision.Tracking;

/// <summary>Frames built from real GRID frames and the real portrait: black frames, faded faces, two faces, a moving face.</summary>
public class FaceTrackScenarioTests
{
    private static ITestOutputHelper? Log => TestContext.Current.TestOutputHelper;

    [Fact]
    public async Task Black_frames_spliced_in_have_no_face_and_are_not_interpolated_across()
    {
        var grid = await FaceTrackData.Frames("bbaf2n");
        using var black = new PixelBuffer(grid[0].Width, grid[0].Height, grid[0].Order);
        var frames = grid.Take(60).ToArray();
        frames[20] = black;                    // one black frame
        frames[40] = frames[41] = black;       // two
        var tracker = FaceTrackData.Tracker;
        var track = FaceTrackData.Track(tracker, frames);
        var plain = await FaceTrackData.WholeClip("bbaf2n");

        foreach (var t in new long[] { 20, 40, 41 })
        {
            track[t].Source.Should().Be(TrackPointSource.None, $"frame {t} is black");
            track[t].HasFace.Should().BeFalse();
            track[t].Candidates.Should().BeEmpty("nothing face-like is in a black frame, so the gap is not filled");
            plain[t].Source.Should().Be(TrackPointSource.Detected);
        }
        foreach (var t in new long[] { 19, 21, 39, 42 }) track[t].Source.Should().Be(TrackPointSource.Detected, $"frame {t}");
        track.Items.Count(f => f.HasFace).Should().Be(57);
        // Frames beyond the tracker's reach of a black frame are exactly what the clip alone gives.
        var reach = tracker.ContextFrames;
        for (long t = 0; t < 60; t++)
        {
            if (Math.Abs(t - 20) <= reach || t >= 40 - reach) continue;
            FaceTrackData.Fingerprint(track[t]).Should().Be(FaceTrackData.Fingerprint(plain[t]), $"frame {t}");
        }
    }

    [Fact]
    public async Task A_faded_face_seen_only_below_the_face_score_is_interpolated_from_its_neighbours()
    {
        var grid = await FaceTrackData.Frames("lbax4n");
        var options = FaceTrackOptions.Default;
        // Fade frame 30 towards grey until the detector sees it only as evidence (score 0.3 to 0.6), at both detection sizes.
        var detectors = new[] { options.DetectionSide, options.FallbackDetectionSide }
            .Select(side => new YuNetDetector(FaceTrackData.DetectorSession, new YuNetOptions { ScoreThreshold = options.EvidenceScore, MaxSide = side }))
            .ToArray();
        PixelBuffer? faded = null;
        var chosen = 0.0;
        for (var contrast = 0.200; contrast > 0.05 && faded is null; contrast -= 0.002)
        {
            var candidate = Fade(grid[30], contrast);
            var scores = detectors.SelectMany(d => d.Detect(candidate)).Select(d => d.Score).ToList();
            if (scores.Count > 0 && scores.Max() < options.MinScore) { faded = candidate; chosen = contrast; }
            else candidate.Dispose();
        }
        faded.Should().NotBeNull("some contrast leaves the face below the face score but above the evidence score");
        using var _ = faded;
        Log?.WriteLine($"frame 30 at {chosen:0.000} of its contrast: detections {string.Join(", ", detectors.SelectMany(d => d.Detect(faded!)).Select(d => d.Score.ToString("0.000")))}");

        var frames = grid.ToArray();
        frames[30] = faded!;
        var track = FaceTrackData.Track(FaceTrackData.Tracker, frames);
        track[30].Source.Should().Be(TrackPointSource.Interpolated);
        track[30].HasFace.Should().BeTrue();
        track[30].Detection.Should().BeNull();
        track[30].RawLandmarks.Should().BeNull();
        track[30].Candidates.Should().NotBeEmpty().And.OnlyContain(c => c.Score < options.MinScore);
        // Interpolated between frames 29 and 31 (then smoothed): close to where the face really is.
        var plain = await FaceTrackData.WholeClip("lbax4n");
        Vector2.Distance(track[30].Face!.Quad.Centre, plain[30].Face!.Quad.Centre).Should().BeLessThan(3);

        using var grey = Fade(grid[30], 0);
        frames[30] = grey;
        FaceTrackData.Track(FaceTrackData.Tracker, frames)[30].Source.Should().Be(TrackPointSource.None, "a flat grey frame holds no evidence");
    }

    [Fact]
    public async Task Of_two_faces_side_by_side_the_largest_is_selected_in_every_frame_and_an_index_picks_the_other()
    {
        var big = await FaceTrackData.Frames("bbaf2n");
        var small = await FaceTrackData.Frames("pwij3p");
        const int count = 30;
        var bigLeft = Enumerable.Range(0, count).Select(t => SideBySide(big[t], small[t], bigOnLeft: true)).ToArray();
        var bigRight = Enumerable.Range(0, count).Select(t => SideBySide(big[t], small[t], bigOnLeft: false)).ToArray();
        try
        {
            var largest = FaceTrackData.Track(FaceTrackData.Tracker, bigLeft);
            largest.Items.Should().OnlyContain(f => f.Source == TrackPointSource.Detected && f.Candidates.Count(c => c.Score >= 0.6f) == 2);
            largest.Items.Should().OnlyContain(f => f.Detection!.Box.CenterX < 360 && f.Face!.Quad.Centre.X < 360, "the big face is on the left");

            FaceTrackData.Track(FaceTrackData.Tracker, bigRight).Items
                .Should().OnlyContain(f => f.HasFace && f.Detection!.Box.CenterX > 360, "the big face moved to the right");

            var second = FaceTrackData.Track(FaceTrackData.NewTracker(new FaceTrackOptions { Selector = FaceSelector.FromLeft(1) }), bigLeft);
            second.Items.Should().OnlyContain(f => f.HasFace && f.Detection!.Box.CenterX > 360, "face 1 from the left is the small one");
            var widths = second.Items.Select(f => f.Detection!.Box.Width).ToList();
            widths.Max().Should().BeLessThan(largest.Items.Min(f => f.Detection!.Box.Width));

            // A selector that picks the other face in one frame does not switch the target: the vote over
            // the frames before keeps its identity by overlap.
            var glitch = FaceTrackData.Track(FaceTrackData.NewTracker(new FaceTrackOptions { Selector = new SmallestAt(12) }), bigLeft);
            glitch.Items.Should().OnlyContain(f => f.HasFace && f.Detection!.Box.CenterX < 360);
        }
        finally
        {
            foreach (var f in bigLeft.Concat(bigRight)) f.Dispose();
        }
    }

    [Fact]
    public void A_moving_face_is_smoothed_without_lag()
    {
        using var portrait = ImageFile.Read(SharedData.Face);
        using var head = new PixelBuffer(256, 256, portrait.Order);
        Resize.Run(portrait, head);
        const int count = 50;
        // The portrait slides around a 512x352 canvas, up to 10 px per frame, at whole-pixel positions.
        static (double X, double Y) Path(double t) => (128 + 40 * Math.Sin(2 * Math.PI * t / 25), 48 + 24 * Math.Sin(2 * Math.PI * t / 40));
        var frames = new PixelBuffer[count];
        var offsets = new Vector2[count];
        for (var t = 0; t < count; t++)
        {
            var (x, y) = Path(t);
            var (ix, iy) = ((int)Math.Round(x), (int)Math.Round(y));
            offsets[t] = new Vector2(ix, iy);
            frames[t] = new PixelBuffer(512, 352, portrait.Order);
            frames[t].Pixels.Fill(70);
            for (var row = 0; row < 256; row++) head.Row(row).CopyTo(frames[t].Row(iy + row).Slice(ix * 3));
        }
        try
        {
            var track = FaceTrackData.Track(FaceTrackData.Tracker, frames);
            track.Items.Should().OnlyContain(f => f.Source == TrackPointSource.Detected);
            var raw = track.Items.Select(f => FfhqAlignment.Quad(f.RawLandmarks!).Centre).ToArray();
            var smooth = track.Items.Select(f => f.Face!.Quad.Centre).ToArray();
            // Where the face sits on the portrait: the mean of (detected centre - offset).
            var anchor = raw.Select((c, t) => c - offsets[t]).Aggregate(Vector2.Zero, (a, b) => a + b) / count;
            Vector2 Truth(double t) { var (x, y) = Path(t); return anchor + new Vector2((float)x, (float)y); }
            double Error(Vector2[] centres, double shift) =>
                Math.Sqrt(Enumerable.Range(0, count).Average(t => (double)(centres[t] - Truth(t - shift)).LengthSquared()));
            double Lag(Vector2[] centres) =>
                Enumerable.Range(-40, 81).Select(k => k / 20.0).MinBy(s => Error(centres, s));

            var jitter = TrackJitter.Measure(track);
            Log?.WriteLine($"moving face: quad centre error vs the true path {Error(raw, 0):0.00} px raw, {Error(smooth, 0):0.00} px smoothed; " +
                $"lag {Lag(raw):0.00} frames raw, {Lag(smooth):0.00} smoothed; jitter {jitter}");
            Math.Abs(Lag(smooth)).Should().BeLessThanOrEqualTo(1, "the smoother follows the face without lag");
            Math.Abs(Lag(raw)).Should().BeLessThanOrEqualTo(0.25);
            jitter.SmoothedQuad.RmsPixels.Should().BeLessThan(jitter.RawQuad.RmsPixels);
        }
        finally
        {
            foreach (var f in frames) f.Dispose();
        }
    }

    /// <summary>Picks the smallest face in one frame and the largest everywhere else.</summary>
    private sealed class SmallestAt(long frame) : IFaceSelector
    {
        public int Choose(PixelBuffer image, long frameIndex, IReadOnlyList<FaceDetection> faces)
        {
            var order = Enumerable.Range(0, faces.Count).OrderBy(i => faces[i].Box.Area).ToList();
            return frameIndex == frame ? order[0] : order[^1];
        }
    }

    /// <summary>The frame pulled towards mid grey: contrast 1 = unchanged, 0 = flat grey.</summary>
    private static PixelBuffer Fade(PixelBuffer frame, double contrast)
    {
        var faded = new PixelBuffer(frame.Width, frame.Height, frame.Order);
        var src = frame.Pixels;
        var dst = faded.Pixels;
        for (var i = 0; i < src.Length; i++) dst[i] = (byte)Math.Clamp(Math.Round(128 + contrast * (src[i] - 128)), 0, 255);
        return faded;
    }

    /// <summary>A 720x288 frame: the big GRID frame as it is on one side, the other shrunk to 3/4 on the other, on grey.</summary>
    private static PixelBuffer SideBySide(PixelBuffer big, PixelBuffer small, bool bigOnLeft)
    {
        var frame = new PixelBuffer(720, 288, big.Order);
        frame.Pixels.Fill(100);
        var bigX = bigOnLeft ? 0 : 360;
        var smallX = bigOnLeft ? 360 + 45 : 45;
        for (var y = 0; y < 288; y++) big.Row(y).CopyTo(frame.Row(y).Slice(bigX * 3));
        Resize.Run(small, RectI.Of(small), frame, new RectI(smallX, 36, 270, 216));
        return frame;
    }
}
