using System.Numerics;

namespace SwapTalk.Core.Engines.Geometric;

/// <summary>
/// Re-times a face's mouth: moves the lower lip, the mouth corners a little, the upper lip slightly and the chin
/// with the jaw so that the inner-lip gap becomes the wanted opening (a share of the eye distance). The mesh then
/// carries the whole lower face with the landmarks, on the target frame and on the portrait's warp alike.
/// </summary>
public static class MouthShaper
{
    /// <summary>The largest opening (share of the eye distance) loud speech gets: a wide-open GRID speaker.</summary>
    public const float MaxOpening = 0.34f;

    /// <summary>The widest opening the shaper makes (share of the eye distance): wide vowels of loud speech, scaled up.</summary>
    public const float Limit = 0.42f;

    // Share of the change each point takes, along the face's down axis. Lower lip and jaw carry the opening
    // (the jaw hinges, so the chin moves less than the lip and the jaw's sides less still); the upper lip rises a little.
    private static readonly (int Point, float Weight)[] Moves =
    [
        (61, -0.12f), (62, -0.14f), (63, -0.12f), (50, -0.10f), (51, -0.12f), (52, -0.10f), (49, -0.06f), (53, -0.06f),
        (48, 0.30f), (54, 0.30f), (60, 0.34f), (64, 0.34f),
        (65, 0.86f), (66, 0.88f), (67, 0.86f), (55, 0.70f), (56, 0.82f), (57, 0.86f), (58, 0.82f), (59, 0.70f),
        (8, 0.78f), (7, 0.70f), (9, 0.70f), (6, 0.52f), (10, 0.52f), (5, 0.30f), (11, 0.30f), (4, 0.12f), (12, 0.12f),
    ];

    // Share of the width change each lip point takes along the face's right axis (corners fully, the middle not at all).
    private static readonly (int Point, float Weight)[] Widens =
    [
        (48, -0.5f), (54, 0.5f), (60, -0.5f), (64, 0.5f),
        (49, -0.33f), (53, 0.33f), (59, -0.33f), (55, 0.33f), (61, -0.25f), (63, 0.25f), (67, -0.25f), (65, 0.25f),
        (50, -0.15f), (52, 0.15f), (58, -0.15f), (56, 0.15f),
    ];

    /// <summary>
    /// A copy of <paramref name="landmarks"/> with the mouth at <paramref name="pose"/>: opened as <see cref="Open"/> does,
    /// then widened or narrowed about its middle by the pose's spread (a share of the mouth's own width).
    /// </summary>
    public static Vector2[] Shape(ReadOnlySpan<Vector2> landmarks, Mouth.MouthPose pose)
    {
        var result = Open(landmarks, pose.Opening);
        if (pose.Spread == 0) return result;
        var right = landmarks[45] - landmarks[36];
        right /= Math.Max(1e-6f, right.Length());
        var change = Math.Clamp(pose.Spread, -0.3f, 0.3f) * Vector2.Dot(landmarks[54] - landmarks[48], right);
        foreach (var (point, weight) in Widens) result[point] += right * (weight * change);
        return result;
    }

    /// <summary>
    /// A copy of <paramref name="landmarks"/> whose mouth opens by <paramref name="opening"/> (share of the eye distance,
    /// clamped to [0, <see cref="Limit"/>]); the opening is measured as <see cref="FaceGeometry.MouthOpening"/>.
    /// </summary>
    public static Vector2[] Open(ReadOnlySpan<Vector2> landmarks, float opening)
    {
        var result = landmarks.ToArray();
        var scale = FaceGeometry.EyeDistance(landmarks);
        var down = FaceGeometry.Down(landmarks);
        var wanted = Math.Clamp(opening, 0, Limit) * scale;
        var change = wanted - FaceGeometry.MouthOpening(landmarks);
        // Inner lower minus inner upper moves by (0.87 + 0.13) * change: the gap changes by about 'change'.
        foreach (var (point, weight) in Moves) result[point] += down * (weight * change);
        // Lips that were pressed past each other (the landmarker's closed mouth) meet exactly.
        foreach (var (upper, lower) in new[] { (61, 67), (62, 66), (63, 65) })
        {
            var gap = Vector2.Dot(result[lower] - result[upper], down);
            if (gap < 0) result[lower] -= down * gap;
        }
        return result;
    }
}
