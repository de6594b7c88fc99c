using System.Numerics;

namespace SwapTalk.Core.Evaluation;

/// <summary>
/// One frame's mouth as the truth comparison sees it, from the 68 points, every length over the outer-eye-corner
/// distance (iBUG 36-45) so faces of any size and any person compare.
/// </summary>
/// <param name="Opening">the mean gap between the inner lips (61-67, 62-66, 63-65)</param>
/// <param name="Width">the corners' distance (48-54)</param>
/// <param name="Rounding">width over the outer lips' height (50-58, 51-57, 52-56): low for a rounded "oo", high for a spread "ee"</param>
/// <param name="Shape">points 48-67 centred on their mean, levelled (eye line horizontal) and scaled by the eye distance</param>
public sealed record MouthFrame(double Opening, double Width, double Rounding, Vector2[] Shape)
{
    public static MouthFrame Of(Vector2[] l)
    {
        var eyes = l[45] - l[36];
        var span = Math.Max(1e-6f, eyes.Length());
        float Gap(int a, int b) => Vector2.Distance(l[a], l[b]);
        var opening = (Gap(61, 67) + Gap(62, 66) + Gap(63, 65)) / 3 / span;
        var width = Gap(48, 54) / span;
        var height = (Gap(50, 58) + Gap(51, 57) + Gap(52, 56)) / 3 / span;
        var centre = Vector2.Zero;
        for (var i = 48; i < 68; i++) centre += l[i];
        centre /= 20;
        // Rotate by minus the eye line's angle: cos = ex/|e|, sin = ey/|e|.
        var (cos, sin) = (eyes.X / span, eyes.Y / span);
        var shape = new Vector2[20];
        for (var i = 0; i < 20; i++)
        {
            var p = l[48 + i] - centre;
            shape[i] = new Vector2(cos * p.X + sin * p.Y, -sin * p.X + cos * p.Y) / span;
        }
        return new MouthFrame(opening, width, width / Math.Max(1e-6, height), shape);
    }
}

/// <summary>
/// How closely one video's mouth follows a real speaker's (the truth) frame by frame. Lags: r of the truth's opening
/// at frame t against the video's at t + k; a positive best lag means the video's mouth moves k frames after the
/// real speaker's (the video is late).
/// </summary>
public sealed record MouthAgreement
{
    /// <summary>Frames where both show a face.</summary>
    public required int Frames { get; init; }

    /// <summary>Pearson's r of the inner-lip opening at lag 0.</summary>
    public double? OpeningAtLag0 { get; init; }

    /// <summary>The lag within +-<see cref="LipSync.MaxLag"/> with the highest opening r (ties: the smaller |k|).</summary>
    public int? OpeningBestLag { get; init; }

    public double? OpeningAtBestLag { get; init; }

    /// <summary>r of the opening's frame-to-frame change (when the mouth opens and closes, not how far).</summary>
    public double? OpeningVelocity { get; init; }

    /// <summary>r of the mouth width (corners).</summary>
    public double? Width { get; init; }

    /// <summary>r of width over outer-lip height (rounded against spread lips).</summary>
    public double? Rounding { get; init; }

    /// <summary>
    /// Mean L2 distance between the two mouths' points 48-67 after each is centred, levelled, scaled by its eye
    /// distance and has its own clip's mean mouth removed: the motion of the mouth's shape, not who it belongs to.
    /// </summary>
    public double? LmdDyn { get; init; }

    /// <summary>The video's opening standard deviation over the truth's: 1 moves as far as the real speaker.</summary>
    public double? Amplitude { get; init; }
}

/// <summary>The evaluated video against the truth, and the original video against the same truth (the floor for unrelated speech).</summary>
public sealed record TruthResult
{
    /// <summary>The real video of someone saying the driving speech.</summary>
    public required string Truth { get; init; }

    public required MouthAgreement Video { get; init; }

    /// <summary>The original (the target video before the dub) against the truth; null without --original.</summary>
    public MouthAgreement? Original { get; init; }

    /// <summary>The truth's mouth per frame, index = frame.</summary>
    public required MouthCurves TruthCurves { get; init; }

    /// <summary>The evaluated video's mouth per frame.</summary>
    public required MouthCurves VideoCurves { get; init; }

    /// <summary>The original's mouth per output frame, where one was given.</summary>
    public MouthCurves? OriginalCurves { get; init; }
}

/// <summary>A clip's mouth per frame (null: no face in that frame): opening, width and rounding as <see cref="MouthFrame"/> defines them.</summary>
public sealed record MouthCurves(IReadOnlyList<double?> Opening, IReadOnlyList<double?> Width, IReadOnlyList<double?> Rounding)
{
    public static MouthCurves Of(IReadOnlyList<MouthFrame?> mouths) =>
        new([.. mouths.Select(m => m?.Opening)], [.. mouths.Select(m => m?.Width)], [.. mouths.Select(m => m?.Rounding)]);
}

/// <summary>Mouth agreement with a real speaker from landmarks per frame (see <see cref="MouthAgreement"/>).</summary>
public static class TruthLipSync
{
    public static MouthFrame?[] Mouths(IReadOnlyList<Vector2[]?> landmarks) =>
        [.. landmarks.Select(l => l is null ? null : MouthFrame.Of(l))];

    /// <summary>
    /// Compares <paramref name="video"/> with <paramref name="truth"/> over the frames both have (the shorter length);
    /// frames without a face in either are left out.
    /// </summary>
    public static MouthAgreement Compare(IReadOnlyList<MouthFrame?> video, IReadOnlyList<MouthFrame?> truth)
    {
        var n = Math.Min(video.Count, truth.Count);
        var both = Enumerable.Range(0, n).Where(t => video[t] is not null && truth[t] is not null).ToArray();
        double?[] Series(IReadOnlyList<MouthFrame?> mouths, Func<MouthFrame, double> f) =>
            [.. Enumerable.Range(0, n).Select(t => mouths[t] is { } m ? f(m) : (double?)null)];

        var vo = Series(video, m => m.Opening);
        var to = Series(truth, m => m.Opening);
        var lags = LipSync.ByLag(to, vo);
        return new MouthAgreement
        {
            Frames = both.Length,
            OpeningAtLag0 = lags.AtLag0,
            OpeningBestLag = lags.BestLag,
            OpeningAtBestLag = lags.AtBestLag,
            OpeningVelocity = LipSync.Pearson(Pairs(Velocity(to), Velocity(vo))),
            Width = LipSync.Pearson(Pairs(Series(truth, m => m.Width), Series(video, m => m.Width))),
            Rounding = LipSync.Pearson(Pairs(Series(truth, m => m.Rounding), Series(video, m => m.Rounding))),
            LmdDyn = LmdDyn(video, truth, both),
            Amplitude = Deviation(both.Select(t => vo[t]!.Value)) is { } sv && Deviation(both.Select(t => to[t]!.Value)) is { } st && st > 0 ? sv / st : null,
        };
    }

    /// <summary>x[t + 1] - x[t] where both are present.</summary>
    public static double?[] Velocity(IReadOnlyList<double?> x)
    {
        var v = new double?[Math.Max(0, x.Count - 1)];
        for (var t = 0; t < v.Length; t++) v[t] = x[t + 1] is { } b && x[t] is { } a ? b - a : null;
        return v;
    }

    private static List<(double, double)> Pairs(IReadOnlyList<double?> x, IReadOnlyList<double?> y)
    {
        var pairs = new List<(double, double)>();
        for (var t = 0; t < Math.Min(x.Count, y.Count); t++)
            if (x[t] is { } a && y[t] is { } b) pairs.Add((a, b));
        return pairs;
    }

    private static double? Deviation(IEnumerable<double> values)
    {
        var v = values.ToArray();
        if (v.Length < LipSync.MinPairs) return null;
        var mean = v.Average();
        return Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / v.Length);
    }

    private static double? LmdDyn(IReadOnlyList<MouthFrame?> video, IReadOnlyList<MouthFrame?> truth, int[] both)
    {
        if (both.Length == 0) return null;
        var meanVideo = MeanShape(both.Select(t => video[t]!));
        var meanTruth = MeanShape(both.Select(t => truth[t]!));
        double sum = 0;
        foreach (var t in both)
        {
            double frame = 0;
            for (var i = 0; i < 20; i++)
                frame += Vector2.Distance(video[t]!.Shape[i] - meanVideo[i], truth[t]!.Shape[i] - meanTruth[i]);
            sum += frame / 20;
        }
        return sum / both.Length;
    }

    private static Vector2[] MeanShape(IEnumerable<MouthFrame> mouths)
    {
        var mean = new Vector2[20];
        var count = 0;
        foreach (var m in mouths)
        {
            for (var i = 0; i < 20; i++) mean[i] += m.Shape[i];
            count++;
        }
        for (var i = 0; i < 20; i++) mean[i] /= Math.Max(1, count);
        return mean;
    }
}
