using System.Numerics;

namespace SwapTalk.Core.Engines.Geometric;

/// <summary>
/// Shape transfer: the landmarks a frame's face is drawn on carry the portrait's proportions (where its eyes, brows
/// and nose sit, its eye and mouth shape, half its jaw) and the target's pose and per-frame expression (how far the
/// mouth and eyes are open). Without it the portrait's skin is painted onto the target's face shape and the target's
/// proportions give the identity away.
/// <para>
/// Per frame: the portrait's points, mouth closed, are aligned onto the frame's (mouth closed too) by the similarity
/// transform of the eye corners and nose bridge (points that expressions barely move), blended per feature with the
/// weights below, and the frame's own mouth opening is added back exactly. Pure function of the frame's smoothed
/// landmarks and the portrait's: no swimming (the track is smoothed), no state (segment seams stay bit-identical).
/// </para>
/// </summary>
public sealed class ShapeTransfer
{
    /// <summary>Brows: mostly the portrait's (brow shape and height are strong identity cues); a fifth of the target's brow position stays so its brow raises still show.</summary>
    public const float BrowWeight = 0.8f;

    /// <summary>Eye corners (position, width, tilt) fully the portrait's; the lids' opening is the target's (see <see cref="Apply"/>).</summary>
    public const float EyeWeight = 1.0f;

    /// <summary>Nose: fully the portrait's (it does not move with expression, and its length and width are identity).</summary>
    public const float NoseWeight = 1.0f;

    /// <summary>Mouth, closed: the portrait's share of the lips' shape (<see cref="Mouth.MouthTransfer.PortraitShare"/>, where the mouth's reasons are).</summary>
    public const float MouthWeight = Mouth.MouthTransfer.PortraitShare;

    /// <summary>
    /// Jaw: half and half. The feasibility study's full portrait jaw scored higher but stretched the ears and cheeks
    /// (the target's own face then has to be warped far onto the new outline); half keeps the warp of the frame small.
    /// </summary>
    public const float JawWeight = 0.5f;

    // The mouth (48..67) keeps the portrait's own shape as it is (its handling belongs to the mouth's code).
    private const int FirstMouthPoint = 48;

    // Eye corners and the nose bridge: the alignment's anchors.
    private static readonly int[] Anchors = [36, 39, 42, 45, 27, 28, 29, 30];

    private static readonly float[] Weights = BuildWeights();

    private readonly Vector2[] _portrait;
    private readonly Vector2[] _portraitSymmetric;

    /// <param name="portrait">The portrait's 68 landmarks (any coordinates).</param>
    public ShapeTransfer(ReadOnlySpan<Vector2> portrait)
    {
        if (portrait.Length != MeshPoints.Landmarks) throw new ArgumentException($"expected {MeshPoints.Landmarks} landmarks, got {portrait.Length}", nameof(portrait));
        _portrait = Close(portrait);
        _portraitSymmetric = Symmetric(_portrait);
    }

    // Each landmark's mirror partner across the face's midline (iBUG 68 order; points on the midline are their own).
    private static readonly int[] Mirror = BuildMirror();

    private static int[] BuildMirror()
    {
        var m = new int[MeshPoints.Landmarks];
        for (var i = 0; i < m.Length; i++) m[i] = i;
        void Pair(int a, int b) { m[a] = b; m[b] = a; }
        for (var i = 0; i < 8; i++) Pair(i, 16 - i);
        for (var i = 0; i < 5; i++) Pair(17 + i, 26 - i);
        Pair(31, 35); Pair(32, 34);
        Pair(36, 45); Pair(37, 44); Pair(38, 43); Pair(39, 42); Pair(40, 47); Pair(41, 46);
        Pair(48, 54); Pair(49, 53); Pair(50, 52); Pair(55, 59); Pair(56, 58); Pair(60, 64); Pair(61, 63); Pair(65, 67);
        return m;
    }

    /// <summary>
    /// The face made left-right symmetric: each point averaged with its partner mirrored across the line through the
    /// eyes' midpoint perpendicular to the eye axis. What a turn of the head (yaw) adds to the 2-D landmarks is
    /// asymmetric (the nose slides towards one cheek, one half narrows), so this keeps a face's proportions without
    /// its turn.
    /// </summary>
    internal static Vector2[] Symmetric(ReadOnlySpan<Vector2> l)
    {
        var centre = FaceGeometry.EyeCentre(l);
        var axis = Vector2.Normalize(FaceGeometry.RightEye(l) - FaceGeometry.LeftEye(l));
        var result = new Vector2[l.Length];
        for (var i = 0; i < l.Length; i++)
        {
            var q = l[Mirror[i]] - centre;
            var mirrored = l[Mirror[i]] - 2 * Vector2.Dot(q, axis) * axis;
            result[i] = (l[i] + mirrored) / 2;
        }
        return result;
    }

    /// <summary>Per-point share of the portrait's position (index = landmark).</summary>
    public static IReadOnlyList<float> PointWeights => Weights;

    /// <summary>The frame's 68 landmarks with the portrait's shape transferred (see the class summary).</summary>
    public Vector2[] Apply(ReadOnlySpan<Vector2> frame)
    {
        if (frame.Length != MeshPoints.Landmarks) throw new ArgumentException($"expected {MeshPoints.Landmarks} landmarks, got {frame.Length}", nameof(frame));
        var closed = Close(frame);
        var (rotation, offset) = Similarity(_portrait, closed);
        // Brows, eyes, nose and jaw: the portrait's symmetric proportions on the frame's symmetric shape, plus the
        // frame's own asymmetry (its head turn). A turned portrait's 2-D shape on a frontal target made a crooked face
        // (paul2.jpg on lbax4n: 0.14 identity with it, 0.27 with no shape transfer at all).
        var closedSymmetric = Symmetric(closed);
        var (rotationS, offsetS) = Similarity(_portraitSymmetric, closedSymmetric);
        var result = new Vector2[MeshPoints.Landmarks];
        for (var i = 0; i < result.Length; i++)
        {
            var portrait = i < FirstMouthPoint
                ? Transform(rotationS, offsetS, _portraitSymmetric[i]) + (closed[i] - closedSymmetric[i])
                : Transform(rotation, offset, _portrait[i]);
            // Blend the closed shapes, then add the frame's own opening back (frame minus its closed self).
            result[i] = closed[i] + Weights[i] * (portrait - closed[i]) + (frame[i] - closed[i]);
        }
        // The lids: the portrait's eye shape opened as far as the target's eye is in this frame (blinks included).
        foreach (var first in new[] { 36, 42 })
        {
            var wanted = EyeAspect(frame, first);
            var have = EyeAspect(result, first);
            var k = have > 1e-3f ? Math.Clamp(wanted / have, 0f, 2f) : 1f;
            var a = result[first];
            var b = result[first + 3];
            var axis = b - a;
            var normal = new Vector2(-axis.Y, axis.X) / Math.Max(1e-3f, axis.LengthSquared());
            var along = axis / Math.Max(1e-3f, axis.LengthSquared());
            foreach (var lid in new[] { first + 1, first + 2, first + 4, first + 5 })
            {
                var d = result[lid] - a;
                var s = Vector2.Dot(d, along);
                var h = Vector2.Dot(d, normal);
                result[lid] = a + s * axis + k * h * new Vector2(-axis.Y, axis.X);
            }
        }
        return result;
    }

    private static float EyeAspect(ReadOnlySpan<Vector2> l, int o) =>
        (Vector2.Distance(l[o + 1], l[o + 5]) + Vector2.Distance(l[o + 2], l[o + 4])) / (2 * Math.Max(1e-3f, Vector2.Distance(l[o], l[o + 3])));

    /// <summary>The landmarks with the mouth closed (<see cref="Mouth.MouthTransfer.Close"/>).</summary>
    internal static Vector2[] Close(ReadOnlySpan<Vector2> landmarks) => Mouth.MouthTransfer.Close(landmarks);

    private static float[] BuildWeights()
    {
        var w = new float[MeshPoints.Landmarks];
        for (var i = 0; i <= 16; i++) w[i] = JawWeight;
        for (var i = 17; i <= 26; i++) w[i] = BrowWeight;
        for (var i = 27; i <= 35; i++) w[i] = NoseWeight;
        for (var i = 36; i <= 47; i++) w[i] = EyeWeight;
        for (var i = 48; i <= 67; i++) w[i] = MouthWeight;
        return w;
    }

    /// <summary>Least-squares similarity (rotation and scale as a complex number, then offset) taking the anchors of <paramref name="from"/> onto <paramref name="to"/>'s.</summary>
    private static (Vector2 Rotation, Vector2 Offset) Similarity(ReadOnlySpan<Vector2> from, ReadOnlySpan<Vector2> to)
    {
        var cf = Vector2.Zero;
        var ct = Vector2.Zero;
        foreach (var i in Anchors) { cf += from[i]; ct += to[i]; }
        cf /= Anchors.Length;
        ct /= Anchors.Length;
        float re = 0, im = 0, norm = 0;
        foreach (var i in Anchors)
        {
            var p = from[i] - cf;
            var q = to[i] - ct;
            re += p.X * q.X + p.Y * q.Y;
            im += p.X * q.Y - p.Y * q.X;
            norm += p.LengthSquared();
        }
        var rotation = norm > 1e-6f ? new Vector2(re / norm, im / norm) : new Vector2(1, 0);
        return (rotation, ct - Rotate(rotation, cf));
    }

    private static Vector2 Rotate(Vector2 r, Vector2 p) => new(r.X * p.X - r.Y * p.Y, r.X * p.Y + r.Y * p.X);

    private static Vector2 Transform(Vector2 rotation, Vector2 offset, Vector2 p) => Rotate(rotation, p) + offset;
}
