using System.Numerics;
using SwapTalk.Core.Imaging;
using SwapTalk.Core.Vision.Tracking;
using SwapTalk.Tests.Vision.Alignment;

namespace SwapTalk.Tests.Vision.Tracking;

public class TrackSmootherTests
{
    /// <summary>A talking head drifting, swaying, nodding and zooming: the 68-point face placed at time t (frames, 25 fps).</summary>
    private static Affine2x3 Motion(double t) => Affine2x3.Similarity(
        40 + 5 * Math.Sin(2 * Math.PI * t / 60),
        0.1 * Math.Sin(2 * Math.PI * t / 45),
        300 + 60 * Math.Sin(2 * Math.PI * t / 50) + 1.5 * t,
        200 + 25 * Math.Sin(2 * Math.PI * t / 37));

    private static Vector2[] Truth(double t) => SyntheticFace.Place(Motion(t));

    private static Vector2[]?[] Noisy(int frames, double sigma, int seed)
    {
        var rng = new Random(seed);
        double Gauss() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        return Enumerable.Range(0, frames)
            .Select(t => Truth(t).Select(p => p + new Vector2((float)(sigma * Gauss()), (float)(sigma * Gauss()))).ToArray())
            .ToArray<Vector2[]?>();
    }

    /// <summary>RMS over frames and points of the frame-to-frame motion's deviation from the true motion.</summary>
    private static double Jitter(IReadOnlyList<Vector2[]> track)
    {
        double se = 0;
        var n = 0;
        for (var t = 1; t < track.Count; t++)
        {
            Vector2[] g0 = Truth(t - 1), g1 = Truth(t);
            for (var p = 0; p < g0.Length; p++)
            {
                var d = (track[t][p] - track[t - 1][p]) - (g1[p] - g0[p]);
                se += d.LengthSquared();
                n++;
            }
        }
        return Math.Sqrt(se / n);
    }

    private static double Error(IReadOnlyList<Vector2[]> track, double shift = 0)
    {
        double se = 0;
        var n = 0;
        for (var t = 0; t < track.Count; t++)
        {
            var g = Truth(t - shift);
            for (var p = 0; p < g.Length; p++) { se += (track[t][p] - g[p]).LengthSquared(); n++; }
        }
        return Math.Sqrt(se / n);
    }

    /// <summary>The time shift (frames) that best aligns a track with the truth: positive = the track lags.</summary>
    private static double Lag(IReadOnlyList<Vector2[]> track)
    {
        var best = 0.0;
        var bestError = double.MaxValue;
        for (var s = -2.0; s <= 2.0001; s += 0.05)
        {
            var e = Error(track, s);
            if (e < bestError) { bestError = e; best = s; }
        }
        return best;
    }

    [Fact]
    public void Smoothing_lowers_jitter_without_lagging_a_moving_face()
    {
        const int frames = 150;
        var noisy = Noisy(frames, sigma: 1.5, seed: 11);
        var smoother = new TrackSmoother();
        var smoothed = smoother.Smooth(noisy).Select(s => s.Points!).ToArray();
        var raw = noisy.Select(p => p!).ToArray();
        double jitterBefore = Jitter(raw), jitterAfter = Jitter(smoothed);
        double errorBefore = Error(raw), errorAfter = Error(smoothed);
        var lag = Lag(smoothed);
        var clean = smoother.Smooth(Enumerable.Range(0, frames).Select(t => Truth(t)).ToArray<Vector2[]?>()).Select(s => s.Points!).ToArray();
        var cleanLag = Lag(clean);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"68 landmarks, noise sigma 1.5 px, {frames} frames, {smoother.Options}: frame-to-frame jitter {jitterBefore:0.00} -> {jitterAfter:0.00} px RMS; " +
            $"error vs truth {errorBefore:0.00} -> {errorAfter:0.00} px RMS; lag {lag:0.00} frames (noise-free: {cleanLag:0.00}, residual {Error(clean):0.000} px)");
        jitterAfter.Should().BeLessThan(jitterBefore / 3);
        errorAfter.Should().BeLessThan(errorBefore / 1.5);
        Math.Abs(lag).Should().BeLessThanOrEqualTo(1);
        Math.Abs(cleanLag).Should().BeLessThanOrEqualTo(0.1);
    }

    [Fact]
    public void Linear_motion_passes_through_exactly_even_at_the_track_ends()
    {
        var track = Enumerable.Range(0, 30)
            .Select(t => SyntheticFace.Place(Affine2x3.Similarity(40, 0, 100 + 3.5 * t, 80 - 1.25 * t)))
            .ToArray<Vector2[]?>();
        var smoothed = new TrackSmoother().Smooth(track);
        for (var t = 0; t < 30; t++)
            for (var p = 0; p < 68; p++)
            {
                smoothed[t].Points![p].X.Should().BeApproximately(track[t]![p].X, 1e-3f, $"frame {t}");
                smoothed[t].Points![p].Y.Should().BeApproximately(track[t]![p].Y, 1e-3f, $"frame {t}");
            }
    }

    [Fact]
    public void Adjacent_segments_smoothed_separately_agree_exactly_on_shared_frames()
    {
        const int frames = 75;
        var track = Noisy(frames, 1.5, seed: 3);
        track[20] = track[21] = null;                             // short gap: filled
        for (var t = 50; t < 57; t++) track[t] = null;            // long gap: no face
        for (var t = 38; t < 50; t++)                              // a cut at frame 38: another place, another size
            track[t] = track[t]!.Select(p => p * 0.7f + new Vector2(400, 90)).ToArray();
        var smoother = new TrackSmoother();
        var whole = smoother.Smooth(track);

        SmoothedPoints[] Segment(int start, int end)
        {
            var (from, to) = smoother.InputRange(start, end, frames);
            return smoother.Smooth(track[from..to], from, frames, start, end);
        }
        var a = Segment(0, 40);
        var b = Segment(35, 75);
        for (var t = 35; t < 40; t++)
        {
            a[t].Source.Should().Be(b[t - 35].Source);
            Bits(a[t].Points).Should().Equal(Bits(b[t - 35].Points), $"frame {t} is shared by both segments");
        }
        for (var t = 0; t < frames; t++)
            Bits(t < 40 ? a[t].Points : b[t - 35].Points).Should().Equal(Bits(whole[t].Points), $"frame {t} matches the whole-clip result");
        smoother.ContextFrames.Should().Be(9);
    }

    [Fact]
    public void Missing_faces_pass_through_and_only_short_gaps_are_interpolated()
    {
        // frames: none, D, D, gap 3, D, gap 4, D, D, none
        Vector2[] At(float x) => [new(x, 10), new(x + 100, 10), new(x, 110)];
        var track = new Vector2[]?[] { null, At(0), At(10), null, null, null, At(50), null, null, null, null, At(100), At(110), null };
        var smoother = new TrackSmoother(new TrackSmoothingOptions { Radius = 0, MaxGapFrames = 3 });
        var result = smoother.Smooth(track);
        result.Select(r => r.Source).Should().Equal(
            TrackPointSource.None, TrackPointSource.Detected, TrackPointSource.Detected,
            TrackPointSource.Interpolated, TrackPointSource.Interpolated, TrackPointSource.Interpolated, TrackPointSource.Detected,
            TrackPointSource.None, TrackPointSource.None, TrackPointSource.None, TrackPointSource.None,
            TrackPointSource.Detected, TrackPointSource.Detected, TrackPointSource.None);
        result[4].Points![0].X.Should().Be(30, "halfway between x = 10 (frame 2) and x = 50 (frame 6)");
        result[3].Points![1].X.Should().Be(120);
        result[0].Points.Should().BeNull();
        result[8].HasFace.Should().BeFalse();
    }

    [Fact]
    public void Smoothing_and_filling_never_cross_a_jump()
    {
        Vector2[] At(float x, float s) => [new(x, 0), new(x + s, 0), new(x, s)];
        var track = new Vector2[]?[20];
        for (var t = 0; t < 9; t++) track[t] = At(0, 30);
        for (var t = 10; t < 20; t++) track[t] = At(500, 30);   // one missing frame between two far-apart faces
        var result = new TrackSmoother().Smooth(track);
        result[9].Source.Should().Be(TrackPointSource.None, "a gap across a jump is not filled");
        result[8].Points![0].X.Should().Be(0);
        result[10].Points![0].X.Should().Be(500);
        var resized = new Vector2[]?[10];
        for (var t = 0; t < 10; t++) resized[t] = At(0, t < 5 ? 30 : 60);
        var sizes = new TrackSmoother().Smooth(resized);
        sizes[4].Points![1].X.Should().Be(30, "a size jump cuts the run too");
        sizes[5].Points![1].X.Should().Be(60);
    }

    [Fact]
    public void Bad_windows_tracks_and_options_are_refused_with_the_reason()
    {
        var smoother = new TrackSmoother();
        var track = Noisy(30, 1, 1);
        var shortWindow = () => smoother.Smooth(track[5..25], 5, 30, 10, 20);
        shortWindow.Should().Throw<ArgumentException>().WithMessage("*needs observations for frames [1, 29)*got [5, 25)*");
        var mixed = track.ToArray();
        mixed[7] = mixed[7]![..4];
        var layout = () => smoother.Smooth(mixed);
        layout.Should().Throw<ArgumentException>().WithMessage("frame 7 has 4 points*68*");
        var nan = track.ToArray();
        nan[3] = [new Vector2(float.NaN, 0), .. nan[3]![1..]];
        var notFinite = () => smoother.Smooth(nan);
        notFinite.Should().Throw<ArgumentException>().WithMessage("frame 3*not finite*");
        var range = () => smoother.InputRange(10, 40, 30);
        range.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*[10, 40)*30 frames*");
        var options = () => new TrackSmoother(new TrackSmoothingOptions { Degree = 7 });
        options.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*Degree*7*");
    }

    [Fact]
    public void Fit_weights_reproduce_polynomials_up_to_the_degree()
    {
        var smoother = new TrackSmoother(new TrackSmoothingOptions { Radius = 4, Degree = 2 });
        var offsets = new[] { -4, -3, -2, -1, 0, 1, 2, 3, 4 };
        var l = smoother.FitWeights(offsets);
        l.Sum().Should().BeApproximately(1, 1e-12);
        offsets.Select((d, k) => l[k] * d).Sum().Should().BeApproximately(0, 1e-12);
        offsets.Select((d, k) => l[k] * d * d).Sum().Should().BeApproximately(0, 1e-12);
        var edge = smoother.FitWeights(new[] { 0, 1, 2, 3 }); // one-sided: linear
        edge.Sum().Should().BeApproximately(1, 1e-12);
        new[] { 0, 1, 2, 3 }.Select((d, k) => edge[k] * d).Sum().Should().BeApproximately(0, 1e-12);
    }

    private static uint[] Bits(Vector2[]? points) =>
        points is null ? [] : points.SelectMany(p => new[] { BitConverter.SingleToUInt32Bits(p.X), BitConverter.SingleToUInt32Bits(p.Y) }).ToArray();
}
