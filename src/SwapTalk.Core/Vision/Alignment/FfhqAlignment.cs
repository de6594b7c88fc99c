using System.Numerics;
using SwapTalk.Core.Imaging;

namespace SwapTalk.Core.Vision.Alignment;

/// <summary>
/// An oriented square in frame pixel coordinates, corners in FFHQ order: top-left, bottom-left,
/// bottom-right, top-right (as the face is upright in the crop). Affine combinations of such squares
/// are again such squares, so a track smoother may average quads point by point.
/// </summary>
public readonly record struct FaceQuad(Vector2 TopLeft, Vector2 BottomLeft, Vector2 BottomRight, Vector2 TopRight)
{
    public const int PointCount = 4;

    public Vector2 Centre => (TopLeft + BottomLeft + BottomRight + TopRight) / 4;

    /// <summary>Mean side length in frame pixels.</summary>
    public float Size => (Vector2.Distance(TopLeft, TopRight) + Vector2.Distance(BottomLeft, BottomRight) +
        Vector2.Distance(TopLeft, BottomLeft) + Vector2.Distance(TopRight, BottomRight)) / 4;

    public Vector2[] ToPoints() => [TopLeft, BottomLeft, BottomRight, TopRight];

    public static FaceQuad FromPoints(ReadOnlySpan<Vector2> points)
    {
        if (points.Length != PointCount)
            throw new ArgumentException($"a face quad has {PointCount} corners, got {points.Length}", nameof(points));
        return new FaceQuad(points[0], points[1], points[2], points[3]);
    }

    public override string ToString() => FormattableString.Invariant(
        $"quad centre ({Centre.X:0.#}, {Centre.Y:0.#}) size {Size:0.#}");
}

/// <summary>
/// One frame's face alignment: the quad, the similarity that maps it onto the crop
/// (<see cref="FrameToCrop"/>, for extracting the face) and back (<see cref="CropToFrame"/>, for pasting it).
/// </summary>
public sealed record AlignedFace(FaceQuad Quad, Affine2x3 FrameToCrop, Affine2x3 CropToFrame, int CropSize);

/// <summary>
/// FFHQ-style alignment, as the SwapTalk paper pre-processes faces (the FFHQ dataset script):
/// from 68 iBUG landmarks, eye centres and mouth corners give an oriented square, mapped onto the
/// crop by a similarity. Convention: landmarks and frame coordinates have pixel centres at integers;
/// the quad's corners land on the crop's outer pixel edges, (-0.5, -0.5) to (S - 0.5, S - 0.5), which is
/// the FFHQ script's "quad + 0.5" fed to PIL's edge-based QUAD transform.
/// </summary>
public static class FfhqAlignment
{
    public const int CropSize = 512;
    public const int LandmarkCount = 68;

    /// <summary>The FFHQ quad from 68 landmarks (iBUG order).</summary>
    public static FaceQuad Quad(ReadOnlySpan<Vector2> landmarks)
    {
        if (landmarks.Length != LandmarkCount)
            throw new ArgumentException($"FFHQ alignment needs {LandmarkCount} landmarks (iBUG order), got {landmarks.Length}", nameof(landmarks));
        for (var i = 0; i < landmarks.Length; i++)
            if (!float.IsFinite(landmarks[i].X) || !float.IsFinite(landmarks[i].Y))
                throw new ArgumentException($"landmark {i} is not a finite point: {landmarks[i]}", nameof(landmarks));

        // Doubles throughout: the quad feeds every later step of the frame.
        var (lx, ly) = Mean(landmarks[36..42]);
        var (rx, ry) = Mean(landmarks[42..48]);
        double eyeX = (lx + rx) / 2, eyeY = (ly + ry) / 2;
        double eyeToEyeX = rx - lx, eyeToEyeY = ry - ly;
        double mouthX = (landmarks[48].X + (double)landmarks[54].X) / 2, mouthY = (landmarks[48].Y + (double)landmarks[54].Y) / 2;
        double eyeToMouthX = mouthX - eyeX, eyeToMouthY = mouthY - eyeY;

        // x = eye_to_eye - flipud(eye_to_mouth) * [-1, 1]; flipud([a, b]) * [-1, 1] = [-b, a]
        double xx = eyeToEyeX + eyeToMouthY, xy = eyeToEyeY - eyeToMouthX;
        var length = Math.Sqrt(xx * xx + xy * xy);
        var scale = Math.Max(2.0 * Math.Sqrt(eyeToEyeX * eyeToEyeX + eyeToEyeY * eyeToEyeY),
            1.8 * Math.Sqrt(eyeToMouthX * eyeToMouthX + eyeToMouthY * eyeToMouthY));
        if (!(length > 1e-6) || !(scale > 1e-3))
            throw new ArgumentException($"landmarks give a degenerate face quad (eyes and mouth nearly coincide: eye distance {Math.Sqrt(eyeToEyeX * eyeToEyeX + eyeToEyeY * eyeToEyeY):G3} px)", nameof(landmarks));
        xx = xx / length * scale;
        xy = xy / length * scale;
        double yx = -xy, yy = xx; // y = flipud(x) * [-1, 1]
        double cx = eyeX + 0.1 * eyeToMouthX, cy = eyeY + 0.1 * eyeToMouthY;
        return new FaceQuad(
            P(cx - xx - yx, cy - xy - yy),
            P(cx - xx + yx, cy - xy + yy),
            P(cx + xx + yx, cy + xy + yy),
            P(cx + xx - yx, cy + xy - yy));
    }

    /// <summary>Quad and matrices for one frame's 68 landmarks.</summary>
    public static AlignedFace Align(ReadOnlySpan<Vector2> landmarks, int cropSize = CropSize) => FromQuad(Quad(landmarks), cropSize);

    /// <summary>
    /// Matrices for a given (e.g. smoothed) quad: the least-squares similarity from its corners to the
    /// crop's corners, exact when the quad is a square (as FFHQ quads and their averages are).
    /// </summary>
    public static AlignedFace FromQuad(FaceQuad quad, int cropSize = CropSize)
    {
        if (cropSize < 2) throw new ArgumentOutOfRangeException(nameof(cropSize), $"crop size must be at least 2 pixels, got {cropSize}");
        var corners = quad.ToPoints();
        foreach (var p in corners)
            if (!float.IsFinite(p.X) || !float.IsFinite(p.Y))
                throw new ArgumentException($"face quad has a corner that is not finite: {quad}", nameof(quad));
        if (!(quad.Size > 1e-3f))
            throw new ArgumentException($"face quad is degenerate: {quad}", nameof(quad));
        float lo = -0.5f, hi = cropSize - 0.5f;
        Vector2[] target = [new(lo, lo), new(lo, hi), new(hi, hi), new(hi, lo)];
        var frameToCrop = Affine2x3.FitSimilarity(corners, target);
        return new AlignedFace(quad, frameToCrop, frameToCrop.Invert(), cropSize);
    }

    /// <summary>
    /// Warps the aligned face out of <paramref name="frame"/> into <paramref name="crop"/> (bilinear).
    /// Where the quad leaves the frame the frame is mirrored, as the FFHQ script pads by reflection.
    /// A quad of 4 crops or more across (a close-up in 4K) is first shrunk by the FFHQ script's integer
    /// factor floor(size / crop / 2) with area averaging, so bilinear sampling does not alias.
    /// </summary>
    public static void Extract(PixelBuffer frame, AlignedFace face, PixelBuffer crop, BorderMode border = BorderMode.Reflect)
    {
        if (crop.Width != face.CropSize || crop.Height != face.CropSize)
            throw new ArgumentException($"crop buffer is {crop.Width}x{crop.Height} but the face is aligned to {face.CropSize}x{face.CropSize}", nameof(crop));
        crop.Order = frame.Order;
        var shrink = ShrinkFactor(face);
        if (shrink <= 1)
        {
            AffineWarp.Run(frame, crop, face.FrameToCrop, border);
            return;
        }
        // The quad's box with a margin of two shrunk pixels, so samples at the quad's edge stay inside.
        var corners = face.Quad.ToPoints();
        var margin = 2 * shrink;
        var box = new RectF(corners.Min(p => p.X) - margin, corners.Min(p => p.Y) - margin, 0, 0);
        box = box with { Width = corners.Max(p => p.X) + margin - box.X, Height = corners.Max(p => p.Y) + margin - box.Y };
        var region = box.ToCoveringRect(RectI.Of(frame));
        if (region.IsEmpty || region.Width < shrink || region.Height < shrink)
        {
            AffineWarp.Run(frame, crop, face.FrameToCrop, border);
            return;
        }
        using var small = new PixelBuffer(region.Width / shrink, region.Height / shrink, frame.Order, pooled: true);
        Resize.Run(frame, region, small, RectI.Of(small), ResizeMode.Area);
        // Small pixel centres (u + 0.5) * k - 0.5 frame pixels from the region's corner.
        double kx = (double)region.Width / small.Width, ky = (double)region.Height / small.Height;
        var smallToFrame = Affine2x3.Translation(0.5, 0.5).Then(Affine2x3.Scale(kx, ky)).Then(Affine2x3.Translation(region.X - 0.5, region.Y - 0.5));
        AffineWarp.Run(small, crop, smallToFrame.Then(face.FrameToCrop), border);
    }

    /// <summary>The FFHQ script's pre-shrink: floor(quad size / crop size / 2), used when 2 or more.</summary>
    public static int ShrinkFactor(AlignedFace face) => (int)Math.Floor(face.Quad.Size / face.CropSize * 0.5);

    private static (double X, double Y) Mean(ReadOnlySpan<Vector2> points)
    {
        double x = 0, y = 0;
        foreach (var p in points) { x += p.X; y += p.Y; }
        return (x / points.Length, y / points.Length);
    }

    private static Vector2 P(double x, double y) => new((float)x, (float)y);
}
