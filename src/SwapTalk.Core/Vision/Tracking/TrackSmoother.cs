using System.Numerics;

namespace SwapTalk.Core.Vision.Tracking;

public sealed record TrackSmoothingOptions
{
    /// <summary>Frames on each side of a frame that its smoothed value may use (window 2R + 1).</summary>
    public int Radius { get; init; } = 5;
    /// <summary>Degree of the local polynomial (0 = weighted mean, 1 = line, 2 = parabola); 2 follows turning heads without flattening them.</summary>
    public int Degree { get; init; } = 2;
    /// <summary>Runs of at most this many frames without a face, between two frames with one, are filled by linear interpolation.</summary>
    public int MaxGapFrames { get; init; } = 3;
    /// <summary>
    /// A face that moves more than this fraction of its own size per frame between neighbouring
    /// detections (or changes size by more) starts a new run: a shot cut or another person.
    /// Smoothing and gap filling never cross such a break. PositiveInfinity disables it.
    /// </summary>
    public double MaxJump { get; init; } = 0.5;

    public static TrackSmoothingOptions Default { get; } = new();
}

/// <summary>Where a frame's smoothed points came from.</summary>
public enum TrackPointSource
{
    /// <summary>No face (none detected and the gap too long to fill): the frame passes through unchanged.</summary>
    None,
    Detected,
    /// <summary>No face detected, but a short gap between detections: linearly interpolated, then smoothed.</summary>
    Interpolated,
}

/// <summary>One frame's smoothed points (null when <see cref="Source"/> is None).</summary>
public readonly record struct SmoothedPoints(Vector2[]? Points, TrackPointSource Source)
{
    public bool HasFace => Points is not null;
}

/// <summary>
/// Smooths a face track (68 landmarks, or the 4 corners of a face quad, per frame) over time with a
/// local polynomial fit (weighted least squares, tricube weights over the window; Savitzky-Golay-like):
/// zero lag for motion up to the fit's degree, and a symmetric window everywhere inside a run.
/// <para>
/// Locality is exact: frame t's output depends only on frames [t - C, t + C] with C = <see cref="ContextFrames"/>,
/// and on whether the clip ends inside that range. Every sum runs in the same order over offsets from
/// t, using only IEEE basic operations and square roots (no library pow or exp), so two segments that
/// each read C frames of context compute identical bits on shared frames, on any machine.
/// </para>
/// Rules, in order: (1) gaps of at most MaxGapFrames missing frames between two detections are
/// filled linearly, unless a frame in the gap is marked as holding no face at all; (2) neighbouring frames whose faces jump (MaxJump) are cut apart; (3) each frame
/// with a face is fitted from the frames of its own run within +-Radius; at a run's first or last frame
/// the fit is at most linear. Frames without a face pass through.
/// </summary>
public sealed class TrackSmoother
{
    public TrackSmoother(TrackSmoothingOptions? options = null)
    {
        Options = options ?? TrackSmoothingOptions.Default;
        if (Options.Radius is < 0 or > 100)
            throw new ArgumentOutOfRangeException(nameof(options), $"track smoothing Radius must be 0..100 frames, got {Options.Radius}");
        if (Options.Degree is < 0 or > 3)
            throw new ArgumentOutOfRangeException(nameof(options), $"track smoothing Degree must be 0..3, got {Options.Degree}");
        if (Options.MaxGapFrames is < 0 or > 100)
            throw new ArgumentOutOfRangeException(nameof(options), $"track smoothing MaxGapFrames must be 0..100 frames, got {Options.MaxGapFrames}");
        if (!(Options.MaxJump > 0))
            throw new ArgumentOutOfRangeException(nameof(options), $"track smoothing MaxJump must be positive, got {Options.MaxJump}");
    }

    public TrackSmoothingOptions Options { get; }

    /// <summary>
    /// Frames of context a segment must read on each side: filling a frame looks MaxGapFrames each way,
    /// a break between frames j-1 and j needs both filled, and the fit reaches Radius.
    /// </summary>
    public int ContextFrames => Options.Radius + Options.MaxGapFrames + 1;

    /// <summary>The frames [Start, End) to read for smoothing the output frames [outputStart, outputEnd) of a clip.</summary>
    public (int Start, int End) InputRange(int outputStart, int outputEnd, int clipFrameCount)
    {
        CheckRange(outputStart, outputEnd, clipFrameCount);
        return (Math.Max(0, outputStart - ContextFrames), Math.Min(clipFrameCount, outputEnd + ContextFrames));
    }

    /// <summary>Smooths a whole clip's track.</summary>
    public SmoothedPoints[] Smooth(IReadOnlyList<Vector2[]?> track) => Smooth(track, 0, track.Count, 0, track.Count);

    /// <summary>
    /// Smooths the output frames [<paramref name="outputStart"/>, <paramref name="outputEnd"/>) of a clip of
    /// <paramref name="clipFrameCount"/> frames. <paramref name="observations"/>[i] is frame
    /// <paramref name="windowStart"/> + i (null: no face) and must cover <see cref="InputRange"/>.
    /// <paramref name="keepEmpty"/>[i] (optional, same length) marks a frame known to hold no face at all
    /// (a black frame, a cut away): a gap holding such a frame is never filled.
    /// </summary>
    public SmoothedPoints[] Smooth(IReadOnlyList<Vector2[]?> observations, int windowStart, int clipFrameCount, int outputStart, int outputEnd,
        IReadOnlyList<bool>? keepEmpty = null)
    {
        if (keepEmpty is not null && keepEmpty.Count != observations.Count)
            throw new ArgumentException($"keepEmpty has {keepEmpty.Count} flags for {observations.Count} observations", nameof(keepEmpty));
        var (needStart, needEnd) = InputRange(outputStart, outputEnd, clipFrameCount);
        var windowEnd = windowStart + observations.Count;
        if (windowStart > needStart || windowEnd < needEnd)
            throw new ArgumentException(
                $"smoothing frames [{outputStart}, {outputEnd}) needs observations for frames [{needStart}, {needEnd}) ({ContextFrames} frames of context each side, clipped to the clip's {clipFrameCount} frames), got [{windowStart}, {windowEnd})",
                nameof(observations));
        var pointCount = CheckPoints(observations, windowStart);

        // Work on exactly the needed range, so nothing outside it can influence a result.
        var n = needEnd - needStart;
        var filled = new Vector2[]?[n];
        var source = new TrackPointSource[n];
        var barrier = new bool[n];
        for (var i = 0; i < n; i++)
        {
            filled[i] = observations[needStart - windowStart + i];
            source[i] = filled[i] is null ? TrackPointSource.None : TrackPointSource.Detected;
            barrier[i] = filled[i] is null && keepEmpty is not null && keepEmpty[needStart - windowStart + i];
        }
        FillGaps(filled, source, barrier, pointCount);
        var breakBefore = new bool[n]; // breakBefore[i]: frames i-1 and i belong to different runs
        for (var i = 1; i < n; i++)
            breakBefore[i] = filled[i - 1] is null || filled[i] is null || IsJump(filled[i - 1]!, filled[i]!, 1);

        var result = new SmoothedPoints[outputEnd - outputStart];
        var offsets = new List<int>(2 * Options.Radius + 1);
        for (var t = outputStart; t < outputEnd; t++)
        {
            var i = t - needStart;
            if (filled[i] is null) { result[t - outputStart] = new SmoothedPoints(null, TrackPointSource.None); continue; }
            offsets.Clear();
            for (var d = -1; d >= -Options.Radius && i + d >= 0 && !breakBefore[i + d + 1]; d--) offsets.Add(d);
            offsets.Reverse();
            offsets.Add(0);
            for (var d = 1; d <= Options.Radius && i + d < n && !breakBefore[i + d]; d++) offsets.Add(d);
            var weights = FitWeights(offsets);
            var points = new Vector2[pointCount];
            for (var p = 0; p < pointCount; p++)
            {
                double x = 0, y = 0;
                for (var k = 0; k < offsets.Count; k++)
                {
                    var v = filled[i + offsets[k]]![p];
                    x += weights[k] * v.X;
                    y += weights[k] * v.Y;
                }
                points[p] = new Vector2((float)x, (float)y);
            }
            result[t - outputStart] = new SmoothedPoints(points, source[i]);
        }
        return result;
    }

    /// <summary>Linear fill of short gaps between two detections that do not jump apart and hold no barrier frame.</summary>
    private void FillGaps(Vector2[]?[] filled, TrackPointSource[] source, bool[] barrier, int pointCount)
    {
        var last = -1;
        var lastBarrier = -1;
        for (var i = 0; i < filled.Length; i++)
        {
            if (barrier[i]) lastBarrier = i;
            if (source[i] != TrackPointSource.Detected) continue;
            var gap = i - last - 1;
            if (last >= 0 && gap > 0 && gap <= Options.MaxGapFrames && lastBarrier < last && !IsJump(filled[last]!, filled[i]!, gap + 1))
            {
                for (var j = last + 1; j < i; j++)
                {
                    double f = (double)(j - last) / (i - last);
                    var points = new Vector2[pointCount];
                    for (var p = 0; p < pointCount; p++)
                    {
                        Vector2 a = filled[last]![p], b = filled[i]![p];
                        points[p] = new Vector2((float)(a.X + (b.X - (double)a.X) * f), (float)(a.Y + (b.Y - (double)a.Y) * f));
                    }
                    filled[j] = points;
                    source[j] = TrackPointSource.Interpolated;
                }
            }
            last = i;
        }
    }

    /// <summary>Whether two faces <paramref name="frames"/> apart differ by more than MaxJump of their size per frame.</summary>
    private bool IsJump(Vector2[] a, Vector2[] b, int frames)
    {
        if (double.IsPositiveInfinity(Options.MaxJump)) return false;
        var (ca, sa) = CentreAndScale(a);
        var (cb, sb) = CentreAndScale(b);
        var size = Math.Max(sa, sb);
        if (!(size > 0)) return false;
        var moved = Math.Sqrt((ca.X - cb.X) * (ca.X - cb.X) + (ca.Y - cb.Y) * (ca.Y - cb.Y));
        var limit = Options.MaxJump * frames;
        return moved > limit * size || Math.Abs(sa - sb) > limit * Math.Min(sa, sb);
    }

    /// <summary>Centroid and RMS distance from it: a face's position and size, whatever its points are.</summary>
    private static ((double X, double Y) Centre, double Scale) CentreAndScale(Vector2[] points)
    {
        double x = 0, y = 0;
        foreach (var p in points) { x += p.X; y += p.Y; }
        x /= points.Length;
        y /= points.Length;
        double s = 0;
        foreach (var p in points) s += (p.X - x) * (p.X - x) + (p.Y - y) * (p.Y - y);
        return ((x, y), Math.Sqrt(s / points.Length));
    }

    /// <summary>
    /// Weights l_k with value(0) = sum l_k y(offset_k) for the weighted least-squares polynomial through
    /// the offsets (the equivalent kernel). Depends only on the offsets: the same set gives the same bits.
    /// </summary>
    internal double[] FitWeights(IReadOnlyList<int> offsets)
    {
        var count = offsets.Count;
        var degree = Math.Min(Options.Degree, count - 1);
        if (offsets[0] == 0 || offsets[^1] == 0) degree = Math.Min(degree, 1); // one-sided: no parabola extrapolation
        var r = Options.Radius + 1.0;
        var w = new double[count];
        for (var k = 0; k < count; k++)
        {
            var u = Math.Abs(offsets[k]) / r;
            var c = 1 - u * u * u;
            w[k] = c * c * c;
        }
        var m = degree + 1;
        // Normal equations A = X^T W X, A[i][j] = sum w d^(i+j); value at 0 is e0^T A^-1 X^T W y.
        // Integer powers by multiplication: exact, where a library pow might differ between machines.
        var a = new double[m, m];
        for (var i = 0; i < m; i++)
            for (var j = 0; j < m; j++)
            {
                double s = 0;
                for (var k = 0; k < count; k++)
                {
                    double power = 1;
                    for (var e = 0; e < i + j; e++) power *= offsets[k];
                    s += w[k] * power;
                }
                a[i, j] = s;
            }
        var row0 = InverseRow0(a, m);
        var l = new double[count];
        for (var k = 0; k < count; k++)
        {
            double s = 0, power = 1;
            for (var i = 0; i < m; i++, power *= offsets[k]) s += row0[i] * power;
            l[k] = w[k] * s;
        }
        return l;
    }

    /// <summary>First row of the inverse of a small symmetric positive-definite matrix (Gauss-Jordan).</summary>
    private static double[] InverseRow0(double[,] a, int m)
    {
        var aug = new double[m, 2 * m];
        for (var i = 0; i < m; i++)
        {
            for (var j = 0; j < m; j++) aug[i, j] = a[i, j];
            aug[i, m + i] = 1;
        }
        for (var col = 0; col < m; col++)
        {
            var pivot = col;
            for (var i = col + 1; i < m; i++) if (Math.Abs(aug[i, col]) > Math.Abs(aug[pivot, col])) pivot = i;
            if (pivot != col)
                for (var j = 0; j < 2 * m; j++) (aug[col, j], aug[pivot, j]) = (aug[pivot, j], aug[col, j]);
            var p = aug[col, col];
            for (var j = 0; j < 2 * m; j++) aug[col, j] /= p;
            for (var i = 0; i < m; i++)
            {
                if (i == col) continue;
                var f = aug[i, col];
                if (f == 0) continue;
                for (var j = 0; j < 2 * m; j++) aug[i, j] -= f * aug[col, j];
            }
        }
        var row = new double[m];
        for (var j = 0; j < m; j++) row[j] = aug[0, m + j];
        return row;
    }

    private static void CheckRange(int outputStart, int outputEnd, int clipFrameCount)
    {
        if (clipFrameCount < 0 || outputStart < 0 || outputEnd > clipFrameCount || outputStart > outputEnd)
            throw new ArgumentOutOfRangeException(nameof(outputStart), $"output frames [{outputStart}, {outputEnd}) are not inside a clip of {clipFrameCount} frames");
    }

    private static int CheckPoints(IReadOnlyList<Vector2[]?> observations, int windowStart)
    {
        var count = -1;
        for (var i = 0; i < observations.Count; i++)
        {
            var points = observations[i];
            if (points is null) continue;
            if (points.Length == 0)
                throw new ArgumentException($"frame {windowStart + i}: a face with no points (use null for 'no face')", nameof(observations));
            if (count < 0) count = points.Length;
            else if (points.Length != count)
                throw new ArgumentException($"frame {windowStart + i} has {points.Length} points but earlier frames have {count}; a track has one point layout", nameof(observations));
            foreach (var p in points)
                if (!float.IsFinite(p.X) || !float.IsFinite(p.Y))
                    throw new ArgumentException($"frame {windowStart + i} has a point that is not finite: {p}", nameof(observations));
        }
        return Math.Max(count, 0);
    }
}
