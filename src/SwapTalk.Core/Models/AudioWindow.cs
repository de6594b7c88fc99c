namespace SwapTalk.Core.Models;

/// <summary>
/// Which audio features the lip syncer sees for one video frame. Features come at
/// <see cref="FeatureRate"/> Hz (feature i covers [i/rate, (i+1)/rate) seconds). A frame's own
/// feature is the one holding the frame's midpoint (t + duration/2); a tie on a feature boundary
/// goes to the later feature (at 25 fps the midpoint falls exactly on one). The window is
/// <see cref="Length"/> consecutive features with the frame's own feature at position
/// <see cref="Center"/>; positions before the first or after the last feature are zeros.
/// Works for any frame rate, constant or not: only the frame's time and duration matter.
/// </summary>
public sealed record AudioWindow(int Length, int Center, double FeatureRate, int FeatureDim)
{
    // Times come from rational frame rates and container timestamps; this absorbs their rounding
    // so a midpoint meant to sit on a boundary never falls just short of it.
    private const double BoundaryTolerance = 1e-6;

    /// <summary>The index of the feature at the frame's midpoint (may be past the last feature).</summary>
    public long OwnFeature(double presentationTime, double frameDuration)
    {
        if (!double.IsFinite(presentationTime) || presentationTime < 0)
            throw new ArgumentOutOfRangeException(nameof(presentationTime), $"frame time {presentationTime} s is not a non-negative number");
        if (!double.IsFinite(frameDuration) || frameDuration <= 0)
            throw new ArgumentOutOfRangeException(nameof(frameDuration), $"frame duration {frameDuration} s is not a positive number");
        return (long)Math.Floor((presentationTime + frameDuration / 2) * FeatureRate + BoundaryTolerance);
    }

    /// <summary>Frame <paramref name="frameIndex"/> of a constant-rate video.</summary>
    public long OwnFeature(long frameIndex, double frameRate)
    {
        if (frameRate <= 0 || !double.IsFinite(frameRate))
            throw new ArgumentOutOfRangeException(nameof(frameRate), $"frame rate {frameRate} is not a positive number");
        return OwnFeature(frameIndex / frameRate, 1 / frameRate);
    }

    /// <summary>The feature indices of the window, first to last; entries outside [0, featureCount) are -1 (zero padding).</summary>
    public long[] Indices(double presentationTime, double frameDuration, long featureCount)
    {
        var start = OwnFeature(presentationTime, frameDuration) - Center;
        var indices = new long[Length];
        for (var w = 0; w < Length; w++)
        {
            var i = start + w;
            indices[w] = i >= 0 && i < featureCount ? i : -1;
        }
        return indices;
    }

    /// <summary>
    /// Copies the frame's window out of <paramref name="features"/> ([T, D] row-major) into
    /// <paramref name="window"/> ([W, D]), zero-filling positions beyond the track's edges.
    /// </summary>
    public void Fill(ReadOnlySpan<float> features, double presentationTime, double frameDuration, Span<float> window)
    {
        if (features.Length % FeatureDim != 0)
            throw new ArgumentException($"features hold {features.Length} values, not a whole number of {FeatureDim}-value rows", nameof(features));
        if (window.Length != Length * FeatureDim)
            throw new ArgumentException($"window holds {window.Length} values; the lip syncer's window is {Length} x {FeatureDim}", nameof(window));
        var indices = Indices(presentationTime, frameDuration, features.Length / FeatureDim);
        for (var w = 0; w < Length; w++)
        {
            var dst = window.Slice(w * FeatureDim, FeatureDim);
            if (indices[w] < 0) dst.Clear();
            else features.Slice((int)indices[w] * FeatureDim, FeatureDim).CopyTo(dst);
        }
    }
}
