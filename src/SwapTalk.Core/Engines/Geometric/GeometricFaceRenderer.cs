using System.Numerics;
using OpenCvSharp;
using SwapTalk.Core.Imaging;

namespace SwapTalk.Core.Engines.Geometric;

/// <summary>
/// The geometric face swap of one frame, in place, from the frame's smoothed 68 landmarks:
/// <list type="number">
/// <item>cross-driven: the landmarks' mouth re-timed to the wanted opening (<see cref="MouthShaper"/>) and the
/// target's own lower face warped along (jaw and chin move with the lips);</item>
/// <item>the portrait's face warped onto those points through the triangle mesh (<see cref="FaceMesh"/>);</item>
/// <item>the inner mouth from the target video (cross-driven: the mouth bank's nearest opening; self-driven: the
/// frame's own mouth) and, when the target blinks, the target's eyes;</item>
/// <item>colour-matched in Lab (<see cref="ColorMatch"/>), Poisson-blended into the frame (Cv2.SeamlessClone)
/// inside the face outline, the rim feathered.</item>
/// </list>
/// Works on a region around the face only. Pure: the result depends on the frame, its landmarks and the source
/// only, so segment cuts cannot change a pixel.
/// </summary>
public sealed class GeometricFaceRenderer(GeometricSource source)
{
    private static readonly FaceMesh MouthFan = FaceMesh.Fan(8);
    private static readonly int[] InnerLips = [60, 61, 62, 63, 64, 65, 66, 67];
    private readonly float _portraitEyes = FaceGeometry.EyeOpenness(source.Landmarks);

    /// <summary>
    /// Swaps the face of <paramref name="frame"/> (BGR). <paramref name="opening"/>: the wanted mouth opening (share of
    /// the eye distance) for cross-driven dubs; null keeps the target's own mouth motion (self-driven).
    /// </summary>
    public void Render(PixelBuffer frame, ReadOnlySpan<Vector2> landmarks, float? opening) =>
        RenderPose(frame, landmarks, opening is { } o ? new Mouth.MouthPose(o, 0) : null);

    /// <summary>How speech looks on this target (the mouth drive's viseme map and range of motion).</summary>
    public Mouth.MouthStyle Style { get; } = Mouth.MouthStyles.For(source);

    /// <summary>Swaps the face of <paramref name="frame"/> (BGR) with the mouth at <paramref name="pose"/> (<see cref="Mouth.MouthPoses"/>).</summary>
    public void Render(PixelBuffer frame, ReadOnlySpan<Vector2> landmarks, Mouth.MouthPose pose) => RenderPose(frame, landmarks, pose);

    private void RenderPose(PixelBuffer frame, ReadOnlySpan<Vector2> landmarks, Mouth.MouthPose? pose)
    {
        var opening = pose?.Opening;
        if (frame.Order != ColorOrder.Bgr) throw new ArgumentException("the geometric renderer works on BGR frames", nameof(frame));
        var scale = FaceGeometry.EyeDistance(landmarks);
        if (scale < 4) return; // too small to draw a face into

        var shaped = pose is { } p ? MouthShaper.Shape(landmarks, p) : landmarks.ToArray();
        var original = MeshPoints.Of(landmarks);
        var to = MeshPoints.Of(shaped);
        var roi = Region(original, to, scale, frame.Width, frame.Height);
        if (roi.Width < 8 || roi.Height < 8) return;
        Offset(original, roi);
        Offset(to, roi);
        var shapedLocal = to.AsSpan(0, MeshPoints.Landmarks);

        using var pinned = new PinnedFrame(frame);
        using var frameRoi = new Mat(pinned.Mat, roi);
        using var background = frameRoi.Clone();
        if (opening is not null) MoveLowerFace(frameRoi, original, background, to);

        // The portrait on the (re-timed) points; the inner-mouth triangles are left for the mouth interior.
        using var face = background.Clone();
        using (var portrait = PinnedFrame.Wrap(source.Portrait, out var portraitPin))
        using (portraitPin)
            source.Mesh.Warp(portrait, source.MeshPoints, face, to, t => IsInnerMouth(source.Mesh, t));

        using var faceMask = new Mat(roi.Height, roi.Width, MatType.CV_8UC1, Scalar.All(0));
        Cv2.FillConvexPoly(faceMask, Cv2.ConvexHull(MeshPoints.Outline.Select(i => ToPoint(to[i]))), Scalar.All(255), LineTypes.Link8);

        using (var skin = SkinMask(faceMask, shapedLocal, scale))
            ColorMatch.Apply(face, background, skin);

        // Self-driven (the frame's own mouth motion re-applied): the frame's own interior, moved with the lips.
        PasteMouthInterior(face, background, shapedLocal, pose is { OwnInterior: false } ? opening : null, scale);
        PasteTargetEyes(face, background, shapedLocal, scale);

        // Poisson blend inside the outline (pulled in a little), then a feathered rim into the untouched frame.
        var inset = Math.Max(1, (int)Math.Round(0.04 * scale));
        using var cloneMask = new Mat();
        using (var kernel = Cv2.GetStructuringElement(MorphShapes.Ellipse, new Size(2 * inset + 1, 2 * inset + 1)))
            Cv2.Erode(faceMask, cloneMask, kernel);
        // SeamlessClone needs the mask's box strictly inside the image.
        Cv2.Rectangle(cloneMask, new Rect(0, 0, roi.Width, roi.Height), Scalar.All(0), 2);
        var box = Cv2.BoundingRect(cloneMask);
        if (box.Width < 4 || box.Height < 4) return;
        // The feather first: SeamlessClone writes into the mask it is given.
        using var alpha = new Mat();
        Cv2.GaussianBlur(cloneMask, alpha, new Size(0, 0), Math.Max(1.0, 0.05 * scale));
        using var cloned = PoissonBlend(face, background, cloneMask, box);
        Blend(cloned, background, alpha, frameRoi);
    }

    /// <summary>Longest side of the region the Poisson blend solves on (see <see cref="PoissonBlend"/>).</summary>
    public const int PoissonSide = 112;

    /// <summary>
    /// Cv2.SeamlessClone (normal clone) of <paramref name="face"/> into <paramref name="background"/> inside the mask.
    /// The clone's change to the face is a membrane (a harmonic field fixed by the rim's colour difference), smooth by
    /// nature, so it is solved on the region scaled down to at most <see cref="PoissonSide"/> pixels and the change,
    /// scaled back up, is added to the full-resolution face: its cost stays flat from GRID faces to 1080p ones, and the
    /// face keeps its own sharp detail.
    /// </summary>
    private static Mat PoissonBlend(Mat face, Mat background, Mat mask, Rect box)
    {
        var factor = Math.Min(1.0, (double)PoissonSide / Math.Max(face.Cols, face.Rows));
        var size = new Size(Math.Max(8, (int)Math.Round(face.Cols * factor)), Math.Max(8, (int)Math.Round(face.Rows * factor)));
        using var smallFace = new Mat();
        using var smallBackground = new Mat();
        using var smallMask = new Mat();
        Cv2.Resize(face, smallFace, size, 0, 0, InterpolationFlags.Area);
        Cv2.Resize(background, smallBackground, size, 0, 0, InterpolationFlags.Area);
        Cv2.Resize(mask, smallMask, size, 0, 0, InterpolationFlags.Nearest);
        Cv2.Rectangle(smallMask, new Rect(0, 0, size.Width, size.Height), Scalar.All(0), 2);
        var smallBox = Cv2.BoundingRect(smallMask);
        var result = face.Clone();
        if (smallBox.Width < 3 || smallBox.Height < 3) return result;
        using var smallCloned = new Mat();
        Cv2.SeamlessClone(smallFace, smallBackground, smallMask, new Point(smallBox.X + smallBox.Width / 2, smallBox.Y + smallBox.Height / 2),
            smallCloned, SeamlessCloneFlags.NormalClone);
        using var change = new Mat();
        using var smallFaceF = new Mat();
        smallCloned.ConvertTo(change, MatType.CV_32FC3);
        smallFace.ConvertTo(smallFaceF, MatType.CV_32FC3);
        Cv2.Subtract(change, smallFaceF, change);
        using var fullChange = new Mat();
        Cv2.Resize(change, fullChange, face.Size(), 0, 0, InterpolationFlags.Linear);
        using var faceF = new Mat();
        face.ConvertTo(faceF, MatType.CV_32FC3);
        Cv2.Add(faceF, fullChange, faceF);
        faceF.ConvertTo(result, MatType.CV_8UC3);
        return result;
    }

    /// <summary>The target's own lower face moved with the re-timed landmarks (the frame region's edges stay put).</summary>
    private static void MoveLowerFace(Mat frameRoi, Vector2[] original, Mat background, Vector2[] to)
    {
        var w = frameRoi.Cols - 1f;
        var h = frameRoi.Rows - 1f;
        Vector2[] border = [new(0, 0), new(w / 2, 0), new(w, 0), new(w, h / 2), new(w, h), new(w / 2, h), new(0, h), new(0, h / 2)];
        var from = original.Concat(border).ToArray();
        var dest = to.Concat(border).ToArray();
        var mesh = FaceMesh.Triangulate(from);
        // Only triangles with a moved corner change; the rest would map every pixel onto itself.
        var moved = new bool[from.Length];
        for (var i = 0; i < from.Length; i++) moved[i] = Vector2.DistanceSquared(from[i], dest[i]) > 1e-6f;
        var tri = mesh.Triangles;
        mesh.Warp(frameRoi, from, background, dest, t => !moved[tri[3 * t]] && !moved[tri[3 * t + 1]] && !moved[tri[3 * t + 2]]);
    }

    /// <summary>The skin for colour statistics: the face outline without the mouth and eyes (their colours are not skin).</summary>
    private static Mat SkinMask(Mat faceMask, ReadOnlySpan<Vector2> l, float scale)
    {
        var skin = new Mat();
        var inset = Math.Max(1, (int)Math.Round(0.08 * scale));
        using (var kernel = Cv2.GetStructuringElement(MorphShapes.Ellipse, new Size(2 * inset + 1, 2 * inset + 1)))
            Cv2.Erode(faceMask, skin, kernel);
        foreach (var (first, count) in new[] { (48, 12), (36, 6), (42, 6) })
        {
            var poly = new Point[count];
            for (var i = 0; i < count; i++) poly[i] = ToPoint(l[first + i]);
            Cv2.FillConvexPoly(skin, Cv2.ConvexHull(poly), Scalar.All(0));
        }
        return skin;
    }

    /// <summary>Inside the inner lips: the bank's nearest mouth (cross-driven) or the frame's own (self-driven).</summary>
    private void PasteMouthInterior(Mat face, Mat background, ReadOnlySpan<Vector2> l, float? opening, float scale)
    {
        if (FaceGeometry.MouthOpening(l) < 1.0f) return; // lips together: nothing shows between them
        var inner = new Vector2[InnerLips.Length + 1];
        for (var i = 0; i < InnerLips.Length; i++) inner[i] = l[InnerLips[i]];
        inner[^1] = FaceGeometry.Mean(inner, 0, InnerLips.Length);

        using var interior = background.Clone();
        var sample = opening is { } o ? source.NearestMouth(o) : null;
        if (opening is not null)
        {
            if (sample is { Opening: > 0.04f })
            {
                var from = new Vector2[inner.Length];
                for (var i = 0; i < InnerLips.Length; i++) from[i] = sample.Landmarks[InnerLips[i]];
                from[^1] = FaceGeometry.Mean(from, 0, InnerLips.Length);
                using var crop = PinnedFrame.Wrap(sample.Crop, out var pin);
                using (pin)
                    MouthFan.Warp(crop, from, interior, inner);
            }
            else
            {
                interior.SetTo(new Scalar(38, 30, 52)); // no open mouth in the video: a dark mouth
            }
        }

        using var mask = new Mat(face.Rows, face.Cols, MatType.CV_8UC1, Scalar.All(0));
        var lips = new Point[InnerLips.Length];
        for (var i = 0; i < lips.Length; i++) lips[i] = ToPoint(l[InnerLips[i]]);
        Cv2.FillPoly(mask, [lips], Scalar.All(255), LineTypes.Link8);
        using var soft = new Mat();
        Cv2.GaussianBlur(mask, soft, new Size(0, 0), Math.Max(0.6, 0.015 * scale));
        BlendWhere(interior, face, soft, face);
    }

    /// <summary>When the target's eyes close (a blink) the portrait's open eyes would stare: take the target's.</summary>
    private void PasteTargetEyes(Mat face, Mat background, ReadOnlySpan<Vector2> l, float scale)
    {
        var openness = FaceGeometry.EyeOpenness(l);
        var weight = Math.Clamp((0.75f * _portraitEyes - openness) / (0.4f * _portraitEyes), 0f, 1f);
        if (weight <= 0) return;
        using var mask = new Mat(face.Rows, face.Cols, MatType.CV_8UC1, Scalar.All(0));
        foreach (var first in new[] { 36, 42 })
        {
            var poly = new Point[6];
            for (var i = 0; i < 6; i++) poly[i] = ToPoint(l[first + i]);
            Cv2.FillConvexPoly(mask, Cv2.ConvexHull(poly), Scalar.All(255 * weight));
        }
        var grow = Math.Max(1, (int)Math.Round(0.1 * scale));
        using (var kernel = Cv2.GetStructuringElement(MorphShapes.Ellipse, new Size(2 * grow + 1, 2 * grow + 1)))
            Cv2.Dilate(mask, mask, kernel);
        Cv2.GaussianBlur(mask, mask, new Size(0, 0), Math.Max(1.0, 0.06 * scale));
        BlendWhere(background, face, mask, face);
    }

    /// <summary><see cref="Blend"/> on the box where <paramref name="alpha"/> is not zero (a mouth or the eyes: a small part of the face).</summary>
    private static void BlendWhere(Mat top, Mat bottom, Mat alpha, Mat result)
    {
        var box = Cv2.BoundingRect(alpha);
        if (box.Width == 0 || box.Height == 0) return;
        using var t = new Mat(top, box);
        using var b = new Mat(bottom, box);
        using var a = new Mat(alpha, box);
        using var r = new Mat(result, box);
        Blend(t, b, a, r);
    }

    /// <summary>result = top * alpha + bottom * (1 - alpha), alpha 8-bit; result may be either input.</summary>
    private static void Blend(Mat top, Mat bottom, Mat alpha, Mat result)
    {
        using var a = new Mat();
        alpha.ConvertTo(a, MatType.CV_32FC1, 1.0 / 255);
        using var a3 = new Mat();
        Cv2.Merge([a, a, a], a3);
        using var t = new Mat();
        using var b = new Mat();
        top.ConvertTo(t, MatType.CV_32FC3);
        bottom.ConvertTo(b, MatType.CV_32FC3);
        // b + (t - b) * a
        Cv2.Subtract(t, b, t);
        Cv2.Multiply(t, a3, t);
        Cv2.Add(b, t, b);
        b.ConvertTo(result, MatType.CV_8UC3);
    }

    private static bool IsInnerMouth(FaceMesh mesh, int t)
    {
        var tri = mesh.Triangles;
        return tri[3 * t] >= 60 && tri[3 * t] < 68 && tri[3 * t + 1] >= 60 && tri[3 * t + 1] < 68 && tri[3 * t + 2] >= 60 && tri[3 * t + 2] < 68;
    }

    private static Rect Region(Vector2[] a, Vector2[] b, float scale, int width, int height)
    {
        var margin = 0.35f * scale;
        var minX = Math.Min(a.Min(p => p.X), b.Min(p => p.X)) - margin;
        var minY = Math.Min(a.Min(p => p.Y), b.Min(p => p.Y)) - margin;
        var maxX = Math.Max(a.Max(p => p.X), b.Max(p => p.X)) + margin;
        var maxY = Math.Max(a.Max(p => p.Y), b.Max(p => p.Y)) + margin;
        var x0 = Math.Clamp((int)Math.Floor(minX), 0, width);
        var y0 = Math.Clamp((int)Math.Floor(minY), 0, height);
        var x1 = Math.Clamp((int)Math.Ceiling(maxX), 0, width);
        var y1 = Math.Clamp((int)Math.Ceiling(maxY), 0, height);
        return new Rect(x0, y0, x1 - x0, y1 - y0);
    }

    private static void Offset(Vector2[] points, Rect roi)
    {
        var o = new Vector2(roi.X, roi.Y);
        for (var i = 0; i < points.Length; i++) points[i] -= o;
    }

    private static Point ToPoint(Vector2 p) => new((int)Math.Round(p.X), (int)Math.Round(p.Y));
}

/// <summary>A <see cref="PixelBuffer"/> seen as an OpenCV Mat without copying (the array pinned while the Mat lives).</summary>
internal sealed class PinnedFrame : IDisposable
{
    private System.Runtime.InteropServices.GCHandle _handle;

    public PinnedFrame(PixelBuffer buffer)
    {
        _handle = System.Runtime.InteropServices.GCHandle.Alloc(buffer.Data, System.Runtime.InteropServices.GCHandleType.Pinned);
        Mat = Mat.FromPixelData(buffer.Height, buffer.Width, MatType.CV_8UC3, _handle.AddrOfPinnedObject(), buffer.Stride);
    }

    public Mat Mat { get; }

    /// <summary>The buffer's Mat; dispose the Mat first, then <paramref name="pin"/>.</summary>
    public static Mat Wrap(PixelBuffer buffer, out PinnedFrame pin)
    {
        pin = new PinnedFrame(buffer);
        return new Mat(pin.Mat, new Rect(0, 0, buffer.Width, buffer.Height));
    }

    public void Dispose()
    {
        Mat.Dispose();
        if (_handle.IsAllocated) _handle.Free();
    }
}
