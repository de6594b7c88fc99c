using System.Numerics;

namespace SwapTalk.Core.Evaluation;

/// <summary>Lip sync of one clip: mouth opening against the driving audio's loudness, and LMD where it applies.</summary>
public sealed record LipSyncResult
{
    /// <summary>Pearson correlation of mouth opening and loudness, frame against frame.</summary>
    public required double? CorrelationAtLag0 { get; init; }

    /// <summary>
    /// The audio-visual offset in frames within +-<see cref="LipSync.MaxLag"/>: the k with the highest
    /// correlation of mouth opening at frame t and loudness at frame t + k. Positive: the sound comes k frames
    /// after the mouth moves (audio late); negative: before it (audio early).
    /// </summary>
    public required int? BestLag { get; init; }

    public required double? CorrelationAtBestLag { get; init; }

    /// <summary>Frames with both a face and audio, the pairs the lag-0 correlation used.</summary>
    public required int FramesUsed { get; init; }

    /// <summary>Mean distance of the 20 mouth landmarks from the original's, as a fraction of the original's eye span (self-driven only).</summary>
    public double? Lmd { get; init; }

    /// <summary>Correlation at each lag from -MaxLag to +MaxLag (null where too few pairs).</summary>
    public required IReadOnlyList<double?> CorrelationByLag { get; init; }
}

/// <summary>
/// Lip-sync measures from landmarks and audio. Mouth opening: the mean gap between the inner lips
/// (iBUG 61-67, 62-66, 63-65) over the eye span (36-45), so it does not depend on face size. Loudness: the
/// RMS of the speech samples within each video frame's time span.
/// </summary>
public static class LipSync
{
    public const int MaxLag = 6;

    /// <summary>Fewest frame pairs for a correlation to be reported.</summary>
    public const int MinPairs = 10;

    public static double MouthOpening(ObservedFace face)
    {
        var l = face.Landmarks;
        var gap = (Vector2.Distance(l[61], l[67]) + Vector2.Distance(l[62], l[66]) + Vector2.Distance(l[63], l[65])) / 3;
        return gap / Math.Max(1e-6, face.EyeSpan);
    }

    /// <summary>
    /// RMS of <paramref name="samples"/> (mono, <paramref name="sampleRate"/> Hz) over each of <paramref name="frames"/>
    /// video frames at <paramref name="frameRate"/>; null for frames the audio does not reach.
    /// </summary>
    public static double?[] LoudnessPerFrame(ReadOnlySpan<float> samples, int sampleRate, double frameRate, int frames)
    {
        var loudness = new double?[frames];
        for (var t = 0; t < frames; t++)
        {
            var start = (long)Math.Round(t * sampleRate / frameRate);
            var end = (long)Math.Round((t + 1) * sampleRate / frameRate);
            if (end > samples.Length) break;
            double sum = 0;
            for (var i = start; i < end; i++) sum += samples[(int)i] * (double)samples[(int)i];
            loudness[t] = Math.Sqrt(sum / Math.Max(1, end - start));
        }
        return loudness;
    }

    /// <summary>Correlations of <paramref name="opening"/>[t] with <paramref name="loudness"/>[t + k] for k in -MaxLag..MaxLag, and the best lag.</summary>
    public static LipSyncResult Correlate(IReadOnlyList<double?> opening, IReadOnlyList<double?> loudness)
    {
        var byLag = new double?[2 * MaxLag + 1];
        for (var k = -MaxLag; k <= MaxLag; k++)
            byLag[k + MaxLag] = Pearson(Pairs(opening, loudness, k));
        int? best = null;
        for (var k = -MaxLag; k <= MaxLag; k++)
            if (byLag[k + MaxLag] is { } r && (best is null || r > byLag[best.Value + MaxLag]!.Value || r == byLag[best.Value + MaxLag]!.Value && Math.Abs(k) < Math.Abs(best.Value)))
                best = k;
        return new LipSyncResult
        {
            CorrelationAtLag0 = byLag[MaxLag],
            BestLag = best,
            CorrelationAtBestLag = best is { } b ? byLag[b + MaxLag] : null,
            FramesUsed = Pairs(opening, loudness, 0).Count,
            CorrelationByLag = byLag,
        };
    }

    private static List<(double X, double Y)> Pairs(IReadOnlyList<double?> x, IReadOnlyList<double?> y, int lag)
    {
        var pairs = new List<(double, double)>();
        for (var t = 0; t < x.Count; t++)
        {
            var u = t + lag;
            if (u < 0 || u >= y.Count) continue;
            if (x[t] is { } a && y[u] is { } b) pairs.Add((a, b));
        }
        return pairs;
    }

    /// <summary>Pearson's r; null for fewer than <see cref="MinPairs"/> pairs or a constant series (r undefined).</summary>
    public static double? Pearson(IReadOnlyList<(double X, double Y)> pairs)
    {
        if (pairs.Count < MinPairs) return null;
        double mx = pairs.Average(p => p.X), my = pairs.Average(p => p.Y);
        double sxy = 0, sxx = 0, syy = 0;
        foreach (var (x, y) in pairs)
        {
            sxy += (x - mx) * (y - my);
            sxx += (x - mx) * (x - mx);
            syy += (y - my) * (y - my);
        }
        return sxx <= 0 || syy <= 0 ? null : sxy / Math.Sqrt(sxx * syy);
    }

    /// <summary>Mean distance of the mouth landmarks (iBUG 48-67) from the reference's, over the reference's eye span.</summary>
    public static double MouthLandmarkDistance(ObservedFace output, ObservedFace reference)
    {
        double sum = 0;
        for (var i = 48; i < 68; i++) sum += Vector2.Distance(output.Landmarks[i], reference.Landmarks[i]);
        return sum / 20 / Math.Max(1e-6, reference.EyeSpan);
    }
}
