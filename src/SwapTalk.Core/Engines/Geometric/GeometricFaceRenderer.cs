using System.Numerics;
using OpenCvSharp;
using SwapTalk.Core.Imaging;

namespace SwapTalk.Core.Engines.Geometric;

/// <summary>
/// The geometric face swap of one frame, in place, from the frame's smoothed 68 landmarks:
/// <list type="number">
/// <item>the portrait's proportions transferred onto the frame's points (<see cref="ShapeTransfer"/>: its eyes, brows,
/// nose, half its mouth and jaw; the target's pose and expression);</item>
/// <item>cross-driven: the mouth re-timed to the wanted opening (<see cref="MouthShaper"/>);</item>
/// <item>the target's own face warped onto those points (no second jaw outside the new outline), then the portrait's
/// face warped onto them through the triangle mesh (<see cref="FaceMesh"/>);</item>
/// <item>colour-matched in Lab (<see cref="ColorMatch"/>) and shaded by frequency split (<see cref="FrequencyShading"/>:
/// the portrait's detail over the target's low-frequency lighting);</item>
/// <item>the inner mouth from the target video (cross-driven: the mouth bank's interior for the opening and the sound, <see cref="Mouth.MouthInteriors"/>; self-driven: the
/// frame's own mouth; the portrait's teeth were painted over once, <see cref="PortraitMouth"/>) and, when the target
/// blinks, the target's eyes;</item>
/// <item>blended into the frame band by band (<see cref="MultiBandBlend"/>): the portrait's fine detail up to a narrow
/// seam inside the outline (pulled in further across the forehead), broad differences faded over a wide band.</item>
/// </list>
/// Works on a region around the face only. Pure: the result depends on the frame, its landmarks and the source
/// only, so segment cuts cannot change a pixel.
/// </summary>
public sealed class GeometricFaceRenderer(GeometricSource source)
{
    private static readonly FaceMesh MouthFan = FaceMesh.Fan(8);
    private static readonly int[] InnerLips = [60, 61, 62, 63, 64, 65, 66, 67];
    private readonly float _portraitEyes = FaceGeometry.EyeOpenness(source.Landmarks);
    private readonly ShapeTransfer _shape = new(source.Landmarks);
    private readonly Mouth.MouthInteriors _interiors = new(source.Mouths);

    /// <summary>The feather and the skin statistics at full resolution on every face: the reference their scaled-down forms are tested against.</summary>
    internal bool FullResolution { get; init; }

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

    /// <summary>
    /// A pose whose spread is relative to the target's rest width made relative to this frame's own width: the frame's
    /// own width (its speaker's, not the driving speech's) is taken out, the wanted change put on the rest width.
    /// </summary>
    internal static Mouth.MouthPose OnRestWidth(Mouth.MouthPose pose, ReadOnlySpan<Vector2> landmarks)
    {
        if (pose.RestWidth is not { } rest) return pose;
        var own = FaceGeometry.RelativeMouthWidth(landmarks);
        return own > 1e-3f ? pose with { Spread = (1 + pose.Spread) * rest / own - 1, RestWidth = null } : pose with { RestWidth = null };
    }

    private void RenderPose(PixelBuffer frame, ReadOnlySpan<Vector2> landmarks, Mouth.MouthPose? pose)
    {
        var opening = pose?.Opening;
        if (frame.Order != ColorOrder.Bgr) throw new ArgumentException("the geometric renderer works on BGR frames", nameof(frame));
        var scale = FaceGeometry.EyeDistance(landmarks);
        if (scale < 4) return; // too small to draw a face into

        // The portrait's proportions on the target's pose and expression, then (cross-driven) the mouth posed.
        var transferred = _shape.Apply(landmarks);
        var shaped = pose is { } p ? MouthShaper.Shape(transferred, OnRestWidth(p, landmarks)) : transferred;
        var original = MeshPoints.Of(landmarks);
        var to = MeshPoints.Of(shaped);
        var roi = Region(original, to, scale, frame.Width, frame.Height);
        if (roi.Width < 8 || roi.Height < 8) return;
        Offset(original, roi);
        Offset(to, roi);
        var shapedLocal = to.AsSpan(0, MeshPoints.Landmarks);

        using var pinned = new PinnedFrame(frame);
        using var frameRoi = new Mat(pinned.Mat, roi);
        // The target's own face warped onto the new points first: no second jaw or brow outside the new outline, and
        // its mouth and eyes sit where the new lips and lids are.
        using (var untouched = frameRoi.Clone())
            MoveTargetFace(frameRoi, original, untouched, to);
        using var background = frameRoi.Clone();

        // The portrait on the new points; the inner-mouth triangles are left for the mouth interior.
        using var face = background.Clone();
        // Where the portrait shows (its hair above the brows does not: the target's forehead or fringe stays there).
        using var keep = new Mat(roi.Height, roi.Width, MatType.CV_8UC1, Scalar.All(255));
        using var map = source.Mesh.Map(source.MeshPoints, to, roi.Width, roi.Height, t => IsInnerMouth(source.Mesh, t));
        if (map is not null)
        {
            using (var portrait = PinnedFrame.Wrap(source.Portrait, out var portraitPin))
            using (portraitPin)
                map.Apply(portrait, face);
            if (source.Keep is { } portraitKeep)
                using (var keepMat = Mat.FromPixelData(source.Portrait.Height, source.Portrait.Width, MatType.CV_8UC1, portraitKeep))
                    map.Apply(keepMat, keep);
        }

        using var faceMask = new Mat(roi.Height, roi.Width, MatType.CV_8UC1, Scalar.All(0));
        Cv2.FillConvexPoly(faceMask, Cv2.ConvexHull(MeshPoints.Outline.Select(i => ToPoint(to[i]))), Scalar.All(255), LineTypes.Link8);
        // The statistics and the shading see the portrait's own face only (not its hair).
        using var shown = new Mat();
        Cv2.Min(faceMask, keep, shown);

        using (var skin = SkinMask(shown, shapedLocal, scale, FullResolution ? 1 : FeatherFactor(scale)))
            ColorMatch.Apply(face, background, skin);
        // The target's lighting under the portrait's detail (instead of a seamless clone: measured in docs/geometric.md).
        FrequencyShading.Apply(face, background, shown, scale);

        // Self-driven (the frame's own mouth motion re-applied): the frame's own interior, moved with the lips.
        PasteMouthInterior(face, background, shapedLocal, pose is { OwnInterior: false } ? pose : null, scale);
        PasteTargetEyes(face, background, shapedLocal, scale);
        // The target's glasses rim or a strand of its hair stays in front of the portrait.
        TargetOccluders.Apply(face, background, faceMask, shapedLocal, scale);

        // Outside the outline the face is the frame itself (the shading's change extends past the mask).
        using (var outside = new Mat())
        {
            Cv2.BitwiseNot(faceMask, outside);
            background.CopyTo(face, outside);
        }
        // Where the portrait's hair is left out the face is the frame already, so no band of that hair leaks in; then
        // the face joins the frame band by band (fine detail over a narrow transition, broad shading over a wide one).
        using var seam = Seam(to, roi.Size, scale, FullResolution);
        Cv2.Multiply(seam, keep, seam, 1.0 / 255);
        MultiBandBlend.Apply(face, background, seam, keep, MultiBandBlend.Levels(scale, WidestBand), FullResolution ? 1 : FeatherFactor(scale), frameRoi);
    }

    /// <summary>
    /// The seam along the jaw and cheeks (share of the eye distance): pulled in by this and blurred by it. The outline
    /// lies on the face's own edge there.
    /// </summary>
    public const float JawSeam = 0.05f;

    /// <summary>
    /// The seam across the forehead (share of the eye distance): pulled in by twice this and blurred by it. There the
    /// outline crosses open skin and the portrait's hairline shadow lies just inside it. Measured on the tuning pairs
    /// (docs/geometric.md, "Fourth pass"): 0.04 (pulled in by 0.08) kept the most identity (0.518) but left a dark line
    /// above the brows on GRID lbax4n (the forehead profile's dip 17 grey levels, the single wide feather's 7); 0.06
    /// keeps 0.500 with the wide feather's dip (7); 0.08 falls to 0.475.
    /// </summary>
    public const float ForeheadSeam = 0.06f;

    /// <summary>
    /// The coarsest band's transition as a share of the eye distance (<see cref="MultiBandBlend.Levels"/>): 3 levels at
    /// GRID size. One more level (0.5) measured the same identity (0.517 against 0.518): the frequency split has
    /// already matched the broad shading, so the coarsest bands carry little.
    /// </summary>
    public const float WidestBand = 0.25f;

    /// <summary>
    /// The multi-band blend's seam: the smaller of a narrow mask of the whole outline (<see cref="JawSeam"/>) and a
    /// mask whose only edge near the face is the forehead (<see cref="ForeheadSeam"/>), both exact polygon insets
    /// blurred; on large faces computed on the region scaled down by <see cref="FeatherFactor"/>.
    /// </summary>
    internal static Mat Seam(Vector2[] to, Size size, float scale, bool fullResolution = false)
    {
        // The outline with its jaw pushed far down and out: its only edge near the face is the forehead.
        var centre = FaceGeometry.Mean(to, 0, MeshPoints.Landmarks);
        var down = FaceGeometry.Down(to.AsSpan(0, MeshPoints.Landmarks));
        var forehead = Cv2.ConvexHull(MeshPoints.Outline.Select(i => i < 17 ? to[i] + (to[i] - centre) * 2 + down * (3 * scale) : to[i]).Select(ToPoint));
        var faceHull = Cv2.ConvexHull(MeshPoints.Outline.Select(i => ToPoint(to[i])));
        var factor = fullResolution ? 1 : FeatherFactor(scale);
        using var jaw = ScaledSoft(size, faceHull, Math.Max(1, (int)Math.Round(JawSeam * scale)), Math.Max(0.7, JawSeam * scale), factor, clearFrame: true);
        var seam = ScaledSoft(size, forehead, Math.Max(1, (int)Math.Round(2 * ForeheadSeam * scale)), Math.Max(0.7, ForeheadSeam * scale), factor, clearFrame: false);
        Cv2.Min(seam, jaw, seam);
        return seam;
    }

    /// <summary>
    /// The eye distance (pixels) the seam's blurs run at on large faces: the jaw's sigma is then 2.4 px, the
    /// forehead's 2.9 px, smooth enough that the region scaled down by a whole factor and back loses nothing that shows
    /// (tested against the full-resolution feather on 1080p faces: GeometricSpeedTests). At GRID size (eye distance
    /// about 35 px) the factor is 1 and the feather runs at full resolution as before.
    /// </summary>
    public const float FeatherEyeDistance = 48f;

    /// <summary>The whole factor the feather's region is scaled down by for a face of <paramref name="scale"/> (1: none).</summary>
    internal static int FeatherFactor(float scale) => Math.Max(1, (int)Math.Floor(scale / FeatherEyeDistance));

    /// <summary>
    /// The convex polygon <paramref name="hull"/> pulled in by <paramref name="inset"/> and blurred by <paramref name="sigma"/>, on the region scaled down by <paramref name="factor"/>,
    /// returned at <paramref name="size"/>: the erosion is exact geometry (each edge moved in by
    /// <paramref name="inset"/>: a convex polygon eroded by a disk), filled at full resolution, averaged down by whole
    /// blocks, blurred there (the blocks' own spread taken off the sigma) and scaled back up. The erosion of a
    /// 1080p forehead by an elliptical kernel (about 60 px across) was most of the swap stage's time.
    /// </summary>
    private static Mat ScaledSoft(Size size, Point[] hull, int inset, double sigma, int factor, bool clearFrame)
    {
        int smallWidth = (size.Width + factor - 1) / factor, smallHeight = (size.Height + factor - 1) / factor;
        using var mask = new Mat(smallHeight * factor, smallWidth * factor, MatType.CV_8UC1, Scalar.All(0));
        const int shift = 8;
        var inner = Inset(hull, inset);
        if (inner.Length >= 3)
            Cv2.FillConvexPoly(mask, inner.Select(p => new Point((int)Math.Round(p.X * (1 << shift)), (int)Math.Round(p.Y * (1 << shift)))), Scalar.All(255), LineTypes.Link8, shift);
        if (clearFrame) Cv2.Rectangle(mask, new Rect(0, 0, size.Width, size.Height), Scalar.All(0), 2);
        using var small = new Mat();
        Cv2.Resize(mask, small, new Size(smallWidth, smallHeight), 0, 0, InterpolationFlags.Area);
        // Averaging k x k blocks spreads by a variance of (k^2 - 1) / 12 px^2: taken off the blur's.
        var smallSigma = Math.Sqrt(Math.Max(sigma * sigma - (factor * factor - 1) / 12.0, 0.25)) / factor;
        Cv2.GaussianBlur(small, small, new Size(0, 0), smallSigma);
        using var up = new Mat();
        Cv2.Resize(small, up, mask.Size(), 0, 0, InterpolationFlags.Linear);
        using var region = new Mat(up, new Rect(0, 0, size.Width, size.Height));
        return region.Clone();
    }

    /// <summary>
    /// The convex polygon <paramref name="hull"/> with every edge moved inwards by <paramref name="distance"/> (its
    /// erosion by a disk of that radius): the polygon clipped by each edge's shifted half-plane in turn. Empty when
    /// nothing is left.
    /// </summary>
    internal static Vector2[] Inset(IReadOnlyList<Point> hull, float distance)
    {
        var n = hull.Count;
        var area = 0f;
        for (var i = 0; i < n; i++) area += hull[i].X * (float)hull[(i + 1) % n].Y - hull[(i + 1) % n].X * (float)hull[i].Y;
        var inward = area > 0 ? 1f : -1f;
        var polygon = new List<Vector2>(hull.Select(p => new Vector2(p.X, p.Y)));
        for (var i = 0; i < n && polygon.Count > 0; i++)
        {
            var a = new Vector2(hull[i].X, hull[i].Y);
            var edge = new Vector2(hull[(i + 1) % n].X, hull[(i + 1) % n].Y) - a;
            if (edge.LengthSquared() < 1e-6f) continue;
            var normal = Vector2.Normalize(new Vector2(-edge.Y, edge.X)) * inward;
            float Side(Vector2 p) => Vector2.Dot(p - a, normal) - distance; // >= 0: kept
            var clipped = new List<Vector2>(polygon.Count + 1);
            for (var j = 0; j < polygon.Count; j++)
            {
                Vector2 p = polygon[j], q = polygon[(j + 1) % polygon.Count];
                float sp = Side(p), sq = Side(q);
                if (sp >= 0) clipped.Add(p);
                if ((sp >= 0) != (sq >= 0)) clipped.Add(p + (q - p) * (sp / (sp - sq)));
            }
            polygon = clipped;
        }
        return [.. polygon];
    }

    /// <summary>The target's own face moved with the new landmarks (the frame region's edges stay put).</summary>
    private static void MoveTargetFace(Mat frameRoi, Vector2[] original, Mat background, Vector2[] to)
    {
        var border = Border(frameRoi.Cols, frameRoi.Rows);
        var from = original.Concat(border).ToArray();
        var dest = to.Concat(border).ToArray();
        var mesh = FaceMesh.WithLipsApart(from);
        // Only triangles with a moved corner change; the rest would map every pixel onto itself.
        var moved = new bool[from.Length];
        for (var i = 0; i < from.Length; i++) moved[i] = Vector2.DistanceSquared(from[i], dest[i]) > 1e-6f;
        var tri = mesh.Triangles;
        mesh.Warp(frameRoi, from, background, dest, t => !moved[tri[3 * t]] && !moved[tri[3 * t + 1]] && !moved[tri[3 * t + 2]]);
    }

    /// <summary>The anchors that keep the face region's edges in place when the target's face moves: corners and edge middles.</summary>
    public static Vector2[] Border(int width, int height)
    {
        var w = width - 1f;
        var h = height - 1f;
        return [new(0, 0), new(w / 2, 0), new(w, 0), new(w, h / 2), new(w, h), new(w / 2, h), new(0, h), new(0, h / 2)];
    }

    /// <summary>
    /// The skin for colour statistics: the face outline without the mouth and eyes (their colours are not skin). On a
    /// grid <paramref name="step"/> times coarser for large faces (<see cref="ColorMatch.Apply"/> samples the images
    /// on it): a statistic needs no full-resolution mask, and the erosion there was a tenth of a 1080p swap.
    /// </summary>
    private static Mat SkinMask(Mat faceMask, ReadOnlySpan<Vector2> l, float scale, int step = 1)
    {
        var skin = new Mat();
        var grid = faceMask;
        var sample = new Vector2(1, 1);
        if (step > 1)
        {
            grid = new Mat();
            Cv2.Resize(faceMask, grid, new Size((faceMask.Cols + step - 1) / step, (faceMask.Rows + step - 1) / step), 0, 0, InterpolationFlags.Nearest);
            sample = new Vector2((float)grid.Cols / faceMask.Cols, (float)grid.Rows / faceMask.Rows);
        }
        var inset = Math.Max(1, (int)Math.Round(0.08 * scale * sample.X));
        using (var kernel = Cv2.GetStructuringElement(MorphShapes.Ellipse, new Size(2 * inset + 1, 2 * inset + 1)))
            Cv2.Erode(grid, skin, kernel);
        if (!ReferenceEquals(grid, faceMask)) grid.Dispose();
        foreach (var (first, count) in new[] { (48, 12), (36, 6), (42, 6) })
        {
            var poly = new Point[count];
            for (var i = 0; i < count; i++) poly[i] = ToPoint(l[first + i] * sample);
            Cv2.FillConvexPoly(skin, Cv2.ConvexHull(poly), Scalar.All(0));
        }
        return skin;
    }

    /// <summary>Inside the inner lips: the bank's mouth for the pose's opening and teeth (cross-driven, <see cref="Mouth.MouthInteriors"/>) or the frame's own (self-driven).</summary>
    private void PasteMouthInterior(Mat face, Mat background, ReadOnlySpan<Vector2> l, Mouth.MouthPose? pose, float scale)
    {
        if (FaceGeometry.MouthOpening(l) < 1.0f) return; // lips together: nothing shows between them
        var inner = new Vector2[InnerLips.Length + 1];
        for (var i = 0; i < InnerLips.Length; i++) inner[i] = l[InnerLips[i]];
        inner[^1] = FaceGeometry.Mean(inner, 0, InnerLips.Length);

        using var interior = background.Clone();
        var sample = pose is { OwnInterior: false } p ? _interiors.Choose(p) : null;
        if (pose is { OwnInterior: false })
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
    internal static void BlendWhere(Mat top, Mat bottom, Mat alpha, Mat result)
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
        // In float, rounded once at the end. OpenCV's BlendLinear (one pass, no float copies) was measured about 3 ms
        // faster on a 1080p face but rounds one level differently; a level anywhere changes the encoded video and the
        // mouth read back from it (self-driven amplitude 0.94 -> 0.88 on bbaf2n), so GRID-size output stays bit for bit.
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
