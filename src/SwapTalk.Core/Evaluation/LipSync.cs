using System.Numerics;

namespace SwapTalk.Core.Evaluation;

/// <summary>
/// Pearson correlations of mouth opening at frame t with loudness at frame t + k, for k from -MaxLag to +MaxLag.
/// <see cref="BestLag"/> is the audio-visual offset: positive, the sound comes k frames after the mouth moves
/// (audio late); negative, before it (audio early).
/// </summary>
public sealed record LagCorrelation(double? AtLag0, int? BestLag, double? AtBestLag, IReadOnlyList<double?> ByLag);

/// <summary>Lip sync of one clip: mouth opening against the driving audio's loudness, and LMD where it applies.</summary>
public sealed record LipSyncResult
{
    /// <summary>The two series as measured (the loudness envelope): the headline correlation.</summary>
    public required LagCorrelation Envelope { get; init; }

    /// <summary>
    /// Both series minus their moving average over +-<see cref="LipSync.DetrendSeconds"/>: syllable-rate motion
    /// only. On short clips the envelope is dominated by the speech/silence pattern (closed mouth in the
    /// pauses), which unrelated speech shares; the detrended series separates matched from mismatched audio
    /// and gives the sharper lag.
    /// </summary>
    public required LagCorrelation Detrended { get; init; }

    /// <summary>Correlation of the envelope at lag 0.</summary>
    public double? CorrelationAtLag0 => Envelope.AtLag0;

    /// <summary>The audio-visual offset in frames, from the detrended series (see <see cref="LagCorrelation"/> for the sign).</summary>
    public int? BestLag => Detrended.BestLag;

    /// <summary>Frames with both a face and audio, the pairs the lag-0 correlation used.</summary>
    public required int FramesUsed { get; init; }

    /// <summary>Mean distance of the 20 mouth landmarks from the original's, as a fraction of the original's eye span (self-driven only).</summary>
    public double? Lmd { get; init; }
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

    /// <summary>Half the detrending window, in seconds (3 frames at 25 fps).</summary>
    public const double DetrendSeconds = 0.12;

    /// <summary>Correlations of opening and loudness as measured and detrended, at lags -MaxLag..MaxLag.</summary>
    public static LipSyncResult Correlate(IReadOnlyList<double?> opening, IReadOnlyList<double?> loudness, double frameRate)
    {
        var half = Math.Max(1, (int)Math.Round(DetrendSeconds * frameRate));
        return new LipSyncResult
        {
            Envelope = ByLag(opening, loudness),
            Detrended = ByLag(Detrend(opening, half), Detrend(loudness, half)),
            FramesUsed = Pairs(opening, loudness, 0).Count,
        };
    }

    /// <summary>Correlations of <paramref name="x"/>[t] with <paramref name="y"/>[t + k] for k in -MaxLag..MaxLag, and the best k (ties: the smaller |k|).</summary>
    public static LagCorrelation ByLag(IReadOnlyList<double?> x, IReadOnlyList<double?> y)
    {
        var byLag = new double?[2 * MaxLag + 1];
        for (var k = -MaxLag; k <= MaxLag; k++)
            byLag[k + MaxLag] = Pearson(Pairs(x, y, k));
        int? best = null;
        double bestR = double.NegativeInfinity;
        foreach (var k in Enumerable.Range(0, MaxLag + 1).SelectMany(m => m == 0 ? [0] : new[] { -m, m }))
            if (byLag[k + MaxLag] is { } r && r > bestR)
            {
                best = k;
                bestR = r;
            }
        return new LagCorrelation(byLag[MaxLag], best, best is null ? null : bestR, byLag);
    }

    /// <summary>Each value minus the mean of the values present within +-<paramref name="half"/> frames of it.</summary>
    public static double?[] Detrend(IReadOnlyList<double?> values, int half)
    {
        var result = new double?[values.Count];
        for (var t = 0; t < values.Count; t++)
        {
            if (values[t] is not { } v) continue;
            double sum = 0;
            var n = 0;
            for (var u = Math.Max(0, t - half); u <= Math.Min(values.Count - 1, t + half); u++)
                if (values[u] is { } w) { sum += w; n++; }
            result[t] = v - sum / n;
        }
        return result;
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
