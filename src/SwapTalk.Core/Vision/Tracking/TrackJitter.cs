using System.Numerics;
using SwapTalk.Core.Vision.Alignment;

namespace SwapTalk.Core.Vision.Tracking;

/// <summary>Jitter of a point track: RMS of the second difference, and over how many frames.</summary>
public readonly record struct JitterMeasure(double RmsPixels, int Frames)
{
    public override string ToString() => Frames == 0 ? "n/a" : FormattableString.Invariant($"{RmsPixels:0.000} px");
}

/// <summary>A face track's jitter before and after smoothing, for the 68 landmarks and the 4 quad corners.</summary>
public sealed record FaceTrackJitter(JitterMeasure RawLandmarks, JitterMeasure SmoothedLandmarks, JitterMeasure RawQuad, JitterMeasure SmoothedQuad)
{
    public override string ToString() =>
        $"landmarks {RawLandmarks} -> {SmoothedLandmarks}, quad corners {RawQuad} -> {SmoothedQuad} (RMS second difference over {SmoothedLandmarks.Frames} frames)";
}

/// <summary>
/// Frame-to-frame jitter: the RMS over points and frames of p(t-1) - 2 p(t) + p(t+1). Steady motion
/// (a head turning at constant speed) contributes nothing, noise from frame to frame does; unlike the
/// plain frame-to-frame step it does not count real motion as jitter.
/// </summary>
public static class TrackJitter
{
    /// <summary>Over frames whose two neighbours also have points (null = no points).</summary>
    public static JitterMeasure Measure(IReadOnlyList<Vector2[]?> track)
    {
        double sum = 0;
        long count = 0;
        var frames = 0;
        for (var t = 1; t + 1 < track.Count; t++)
        {
            Vector2[]? a = track[t - 1], b = track[t], c = track[t + 1];
            if (a is null || b is null || c is null) continue;
            if (a.Length != b.Length || b.Length != c.Length)
                throw new ArgumentException($"frames {t - 1}..{t + 1} of the track have different point counts ({a.Length}, {b.Length}, {c.Length})", nameof(track));
            frames++;
            for (var p = 0; p < b.Length; p++)
            {
                double dx = a[p].X - 2.0 * b[p].X + c[p].X, dy = a[p].Y - 2.0 * b[p].Y + c[p].Y;
                sum += dx * dx + dy * dy;
                count++;
            }
        }
        return new JitterMeasure(count == 0 ? 0 : Math.Sqrt(sum / count), frames);
    }

    /// <summary>
    /// A track's jitter before smoothing (the landmarker's points and the quads made from them) and after,
    /// over the frames where the target was detected in the frame and both its neighbours.
    /// </summary>
    public static FaceTrackJitter Measure(FaceTrack track)
    {
        var detected = track.Items.Select(f => f.RawLandmarks is not null).ToArray();
        Vector2[]? Only(int i, Vector2[]? points) => detected[i] ? points : null;
        var rawLandmarks = track.Items.Select((f, i) => Only(i, f.RawLandmarks)).ToList();
        var smoothLandmarks = track.Items.Select((f, i) => Only(i, f.Landmarks)).ToList();
        var rawQuads = track.Items.Select((f, i) => Only(i, f.RawLandmarks is { } l ? FfhqAlignment.Quad(l).ToPoints() : null)).ToList();
        var smoothQuads = track.Items.Select((f, i) => Only(i, f.Face?.Quad.ToPoints())).ToList();
        return new FaceTrackJitter(Measure(rawLandmarks), Measure(smoothLandmarks), Measure(rawQuads), Measure(smoothQuads));
    }
}
