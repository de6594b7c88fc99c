using System.Numerics;

namespace SwapTalk.Core.Engines.Geometric.Mouth;

/// <summary>
/// The mouth's part of the shape transfer (<see cref="ShapeTransfer"/>): how much of the portrait's closed-mouth shape
/// the drawn lips take, and how a face's mouth is closed so that shapes compare without the frame's opening.
/// </summary>
public static class MouthTransfer
{
    /// <summary>
    /// Mouth, closed: a quarter of the portrait's shape. The target's lips carry speech, and a full portrait mouth on a
    /// target of other proportions tears the lip texture. At half (issue 18) the landmarker no longer found the lips
    /// where they were drawn: self-driven, the output's opening followed the original's with r 0.82 and amplitude 0.75
    /// (astronaut on bbaf2n); at a quarter 0.93 and 0.90, every portrait and clip at or above 0.90 (docs/geometric.md).
    /// </summary>
    public const float PortraitShare = 0.25f;

    // Points of the closed-mouth construction: lower lip, lip corners and chin move up by a share of the opening
    // (the jaw hinges, so the chin moves less than the lower lip and the jaw's sides less still).
    private static readonly (int Point, float Share)[] Closing =
    [
        (65, 1f), (66, 1f), (67, 1f), (55, 1f), (56, 1f), (57, 1f), (58, 1f), (59, 1f),
        (48, 0.35f), (54, 0.35f), (60, 0.4f), (64, 0.4f),
        (8, 0.8f), (7, 0.7f), (9, 0.7f), (6, 0.5f), (10, 0.5f), (5, 0.3f), (11, 0.3f), (4, 0.1f), (12, 0.1f),
    ];

    /// <summary>The landmarks with the mouth closed: the lower lip (and with it the chin) raised by the inner-lip gap.</summary>
    public static Vector2[] Close(ReadOnlySpan<Vector2> landmarks)
    {
        var result = landmarks.ToArray();
        var gap = FaceGeometry.MouthOpening(landmarks);
        if (gap <= 0) return result;
        var down = FaceGeometry.Down(landmarks);
        foreach (var (point, share) in Closing) result[point] -= down * (share * gap);
        return result;
    }
}
