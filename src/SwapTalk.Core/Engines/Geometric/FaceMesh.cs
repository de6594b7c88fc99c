using System.Buffers;
using System.Numerics;
using OpenCvSharp;

namespace SwapTalk.Core.Engines.Geometric;

/// <summary>
/// The points the geometric engine warps by: the 68 iBUG landmarks plus <see cref="ForeheadPoints"/> points above
/// the brows (the landmarker stops at the brows, so without them the forehead would keep the target's skin in a hard
/// line). Every face, portrait or frame, gets the same construction, so one triangulation fits all.
/// </summary>
public static class MeshPoints
{
    public const int Landmarks = 68;
    public const int ForeheadPoints = 5;
    public const int Count = Landmarks + ForeheadPoints;

    // Brow points the forehead points sit above (outer ends, middles, centre).
    private static readonly int[] ForeheadBase = [17, 19, 27, 24, 26];

    /// <summary>
    /// How far above the brows' middles and centre the forehead points sit (share of the eye-to-mouth distance): high
    /// enough that the forehead's seam (<see cref="GeometricFaceRenderer.ForeheadSeam"/>, which reaches about zero at
    /// the outline) fades out above the brows, not across them. The portrait's hair up there is left out by its keep
    /// mask (<see cref="FaceSegmentation"/>); was 0.16 with a feather half-on at the outline, which left a line.
    /// </summary>
    public const float ForeheadLift = 0.26f;

    /// <summary>The same at the brows' outer ends (the forehead narrows towards the temples).</summary>
    public const float OuterForeheadLift = 0.16f;

    /// <summary>The 68 landmarks plus the forehead points: brow points raised by a share of the eye-to-mouth distance.</summary>
    public static Vector2[] Of(ReadOnlySpan<Vector2> landmarks)
    {
        if (landmarks.Length != Landmarks) throw new ArgumentException($"expected {Landmarks} landmarks, got {landmarks.Length}", nameof(landmarks));
        var points = new Vector2[Count];
        landmarks.CopyTo(points);
        var up = FaceGeometry.EyeCentre(landmarks) - FaceGeometry.MouthCentre(landmarks);
        for (var i = 0; i < ForeheadPoints; i++)
        {
            var b = ForeheadBase[i];
            // The bridge (27) sits low between the eyes: raise it to the brow line first.
            var basePoint = b == 27 ? (landmarks[21] + landmarks[22]) / 2 : landmarks[b];
            var lift = i is 0 or 4 ? OuterForeheadLift : ForeheadLift;
            points[Landmarks + i] = basePoint + up * lift;
        }
        return points;
    }

    /// <summary>The face's outline for masks: jaw 0..16, then the forehead points right to left.</summary>
    public static int[] Outline { get; } = [.. Enumerable.Range(0, 17), Landmarks + 4, Landmarks + 3, Landmarks + 2, Landmarks + 1, Landmarks];
}

/// <summary>Measures on the 68 iBUG points.</summary>
public static class FaceGeometry
{
    public static Vector2 Mean(ReadOnlySpan<Vector2> points, int first, int count)
    {
        var sum = Vector2.Zero;
        for (var i = first; i < first + count; i++) sum += points[i];
        return sum / count;
    }

    public static Vector2 LeftEye(ReadOnlySpan<Vector2> l) => Mean(l, 36, 6);
    public static Vector2 RightEye(ReadOnlySpan<Vector2> l) => Mean(l, 42, 6);
    public static Vector2 EyeCentre(ReadOnlySpan<Vector2> l) => (LeftEye(l) + RightEye(l)) / 2;
    public static Vector2 MouthCentre(ReadOnlySpan<Vector2> l) => (l[48] + l[54]) / 2;

    /// <summary>Distance between the eye centres: the face's scale.</summary>
    public static float EyeDistance(ReadOnlySpan<Vector2> l) => Vector2.Distance(LeftEye(l), RightEye(l));

    /// <summary>Unit vector pointing down the face (eyes to mouth).</summary>
    public static Vector2 Down(ReadOnlySpan<Vector2> l) => Vector2.Normalize(MouthCentre(l) - EyeCentre(l));

    /// <summary>The inner-lip gap along the face's down axis (pairs 61-67, 62-66, 63-65), in pixels; 0 for closed lips.</summary>
    public static float MouthOpening(ReadOnlySpan<Vector2> l)
    {
        var down = Down(l);
        var gap = Vector2.Dot(l[67] - l[61], down) + Vector2.Dot(l[66] - l[62], down) + Vector2.Dot(l[65] - l[63], down);
        return Math.Max(0, gap / 3);
    }

    /// <summary>The mouth opening as a share of the eye distance (scale-free).</summary>
    public static float RelativeMouthOpening(ReadOnlySpan<Vector2> l) => MouthOpening(l) / Math.Max(1e-3f, EyeDistance(l));

    /// <summary>The mouth's width (corner to corner, 48-54) as a share of the eye distance.</summary>
    public static float RelativeMouthWidth(ReadOnlySpan<Vector2> l) => Vector2.Distance(l[48], l[54]) / Math.Max(1e-3f, EyeDistance(l));

    /// <summary>Eye aspect ratio (lid gap over eye width), mean of both eyes: about 0.3 open, under 0.15 closed.</summary>
    public static float EyeOpenness(ReadOnlySpan<Vector2> l)
    {
        static float One(ReadOnlySpan<Vector2> l, int o) =>
            (Vector2.Distance(l[o + 1], l[o + 5]) + Vector2.Distance(l[o + 2], l[o + 4])) / (2 * Math.Max(1e-3f, Vector2.Distance(l[o], l[o + 3])));
        return (One(l, 36) + One(l, 42)) / 2;
    }

    /// <summary>
    /// How frontal the face is: the nose tip's distance to the two jaw ends along the eye line, smaller over larger
    /// (1 frontal, under about 0.35 a profile: one cheek is hidden behind the nose).
    /// </summary>
    public static float Frontality(ReadOnlySpan<Vector2> l)
    {
        var axis = Vector2.Normalize(RightEye(l) - LeftEye(l));
        var left = Math.Abs(Vector2.Dot(l[30] - l[0], axis));
        var right = Math.Abs(Vector2.Dot(l[16] - l[30], axis));
        return Math.Min(left, right) / Math.Max(1e-3f, Math.Max(left, right));
    }
}

/// <summary>
/// A fixed triangulation of the mesh points (Delaunay, computed once on the portrait with its lips held apart so the
/// mouth's triangles are well shaped) and the piecewise-affine warp through it: each triangle's pixels move by the
/// affine map of its three corners.
/// </summary>
public sealed class FaceMesh
{
    private FaceMesh(int[] triangles) => Triangles = triangles;

    /// <summary>Triangles as index triples into the mesh points (length a multiple of 3).</summary>
    public int[] Triangles { get; }

    public int TriangleCount => Triangles.Length / 3;

    /// <summary>Delaunay triangulation (OpenCV's Subdiv2D) of the points, as indices.</summary>
    public static FaceMesh Triangulate(IReadOnlyList<Vector2> points)
    {
        var minX = points.Min(p => p.X) - 10;
        var minY = points.Min(p => p.Y) - 10;
        var maxX = points.Max(p => p.X) + 10;
        var maxY = points.Max(p => p.Y) + 10;
        using var subdiv = new Subdiv2D(new Rect((int)Math.Floor(minX), (int)Math.Floor(minY), (int)Math.Ceiling(maxX - minX) + 1, (int)Math.Ceiling(maxY - minY) + 1));
        foreach (var p in points) subdiv.Insert(new Point2f(p.X, p.Y));
        var triangles = new List<int>();
        foreach (var t in subdiv.GetTriangleList())
        {
            var a = Nearest(points, t.Item0, t.Item1);
            var b = Nearest(points, t.Item2, t.Item3);
            var c = Nearest(points, t.Item4, t.Item5);
            if (a < 0 || b < 0 || c < 0 || a == b || b == c || a == c) continue; // a corner of Subdiv2D's outer triangle
            triangles.AddRange([a, b, c]);
        }
        return new FaceMesh([.. triangles]);
    }

    /// <summary>The face's mesh: the points of <paramref name="landmarks"/> with the inner lips held apart before triangulating.</summary>
    public static FaceMesh ForFace(ReadOnlySpan<Vector2> landmarks)
    {
        var opened = landmarks.ToArray();
        var down = FaceGeometry.Down(landmarks);
        var lift = 0.12f * FaceGeometry.EyeDistance(landmarks);
        foreach (var i in new[] { 61, 62, 63 }) opened[i] -= down * lift;
        foreach (var i in new[] { 65, 66, 67 }) opened[i] += down * lift;
        return Triangulate(MeshPoints.Of(opened));
    }

    /// <summary>
    /// Delaunay of any points whose first 68 are a face's landmarks, triangulated with the inner lips held apart (as
    /// <see cref="ForFace"/>): closed lips would otherwise give sliver triangles across the lip line that flip
    /// orientation under sub-pixel moves. Used for the target's own face moved onto new points.
    /// </summary>
    public static FaceMesh WithLipsApart(IReadOnlyList<Vector2> points)
    {
        var opened = points.ToArray();
        var landmarks = opened.AsSpan(0, MeshPoints.Landmarks);
        var down = FaceGeometry.Down(landmarks);
        var lift = 0.12f * FaceGeometry.EyeDistance(landmarks);
        foreach (var i in new[] { 61, 62, 63 }) opened[i] -= down * lift;
        foreach (var i in new[] { 65, 66, 67 }) opened[i] += down * lift;
        return Triangulate(opened);
    }

    /// <summary>A polygon of <paramref name="corners"/> points fanned from a centre point (index <paramref name="corners"/>).</summary>
    public static FaceMesh Fan(int corners)
    {
        var triangles = new int[3 * corners];
        for (var i = 0; i < corners; i++) (triangles[3 * i], triangles[3 * i + 1], triangles[3 * i + 2]) = (i, (i + 1) % corners, corners);
        return new FaceMesh(triangles);
    }

    private static int Nearest(IReadOnlyList<Vector2> points, float x, float y)
    {
        for (var i = 0; i < points.Count; i++)
            if (Math.Abs(points[i].X - x) < 0.01f && Math.Abs(points[i].Y - y) < 0.01f) return i;
        return -1;
    }

    /// <summary>
    /// Warps <paramref name="source"/> (points <paramref name="from"/>) onto <paramref name="target"/> (points
    /// <paramref name="to"/>, in the target's pixel coordinates), triangle by triangle; pixels outside every drawn
    /// triangle keep what the target held. <paramref name="skip"/>: triangles not to draw. One dense map is rasterised
    /// (each target pixel's source position by its triangle's barycentric coordinates) and applied with one
    /// Cv2.Remap: measured here about 4x faster than a WarpAffine per triangle, and the same result on every run.
    /// </summary>
    public void Warp(Mat source, ReadOnlySpan<Vector2> from, Mat target, ReadOnlySpan<Vector2> to, Func<int, bool>? skip = null)
    {
        using var map = Map(from, to, target.Cols, target.Rows, skip);
        map?.Apply(source, target);
    }

    /// <summary>
    /// The dense map of <see cref="Warp"/> for a <paramref name="width"/> x <paramref name="height"/> target, to apply
    /// to several images on the same points (the portrait and its keep mask); null when no triangle covers a pixel.
    /// </summary>
    public WarpMap? Map(ReadOnlySpan<Vector2> from, ReadOnlySpan<Vector2> to, int width, int height, Func<int, bool>? skip = null)
    {
        int w = width, h = height;
        // Pooled: a 1080p face's maps are megabytes, fresh each frame they cost more in page faults than the raster.
        var mapX = ArrayPool<float>.Shared.Rent(w * h);
        var mapY = ArrayPool<float>.Shared.Rent(w * h);
        var covered = ArrayPool<byte>.Shared.Rent(w * h);
        Array.Clear(mapX, 0, w * h);
        Array.Clear(mapY, 0, w * h);
        Array.Clear(covered, 0, w * h);
        int left = w, top = h, right = -1, bottom = -1; // the covered pixels' box
        for (var t = 0; t < TriangleCount; t++)
        {
            if (skip?.Invoke(t) == true) continue;
            int ia = Triangles[3 * t], ib = Triangles[3 * t + 1], ic = Triangles[3 * t + 2];
            Vector2 sa = from[ia], sb = from[ib], sc = from[ic];
            Vector2 da = to[ia], db = to[ib], dc = to[ic];
            var area = Cross(db - da, dc - da);
            if (Math.Abs(area) < 1e-3f || Math.Abs(Cross(sb - sa, sc - sa)) < 1e-3f) continue; // no area to map
            var x0 = Math.Max(0, (int)Math.Floor(Math.Min(da.X, Math.Min(db.X, dc.X))));
            var y0 = Math.Max(0, (int)Math.Floor(Math.Min(da.Y, Math.Min(db.Y, dc.Y))));
            var x1 = Math.Min(w - 1, (int)Math.Ceiling(Math.Max(da.X, Math.Max(db.X, dc.X))));
            var y1 = Math.Min(h - 1, (int)Math.Ceiling(Math.Max(da.Y, Math.Max(db.Y, dc.Y))));
            var inv = 1f / area;
            // The weights' terms that do not change along a row are taken out of the pixel loop (the same float
            // operations in the same order as Cross(p - da, dc - da) and Cross(db - da, p - da): the same map).
            float bX = db.X - da.X, bY = db.Y - da.Y, cX = dc.X - da.X, cY = dc.Y - da.Y;
            for (var y = y0; y <= y1; y++)
            {
                // The row's span inside the triangle, solved from the three weights (linear in x) and widened by a
                // pixel each side: the exact test below decides, the span only saves testing the rest of the box.
                var (from0, to0) = Span(y, da, db, dc, inv, x0, x1);
                var dy = y - da.Y;
                var rowB = dy * cX;
                var rowC = bX * dy;
                for (var x = from0; x <= to0; x++)
                {
                    var dx = x - da.X;
                    var lb = (dx * cY - rowB) * inv; // weight of b
                    var lc = (rowC - bY * dx) * inv; // weight of c
                    var la = 1 - lb - lc;
                    const float edge = -1e-4f; // pixels on a shared edge belong to both triangles: no holes
                    if (la < edge || lb < edge || lc < edge) continue;
                    var i = y * w + x;
                    mapX[i] = sa.X * la + sb.X * lb + sc.X * lc;
                    mapY[i] = sa.Y * la + sb.Y * lb + sc.Y * lc;
                    covered[i] = 255;
                    left = Math.Min(left, x);
                    right = Math.Max(right, x);
                    top = Math.Min(top, y);
                    bottom = Math.Max(bottom, y);
                }
            }
        }
        var map = new WarpMap(w, h, mapX, mapY, covered, new Rect(left, top, right - left + 1, bottom - top + 1));
        if (right >= 0) return map;
        map.Dispose();
        return null;
    }

    /// <summary>
    /// The x range of row <paramref name="y"/> where all three barycentric weights of triangle (a, b, c) can be
    /// non-negative, widened by one pixel each side and clamped to [<paramref name="x0"/>, <paramref name="x1"/>];
    /// empty (from &gt; to) when the row misses the triangle.
    /// </summary>
    private static (int From, int To) Span(int y, Vector2 a, Vector2 b, Vector2 c, float inv, int x0, int x1)
    {
        double lo = x0, hi = x1;
        // Weight of b: Cross(p - a, c - a) * inv; of c: Cross(b - a, p - a) * inv; of a: 1 - both. Each is k + s x.
        double sb = (c.Y - a.Y) * (double)inv, kb = (-a.X * (double)(c.Y - a.Y) - (y - a.Y) * (double)(c.X - a.X)) * inv;
        double sc = -(b.Y - a.Y) * (double)inv, kc = ((b.X - a.X) * (double)(y - a.Y) + a.X * (double)(b.Y - a.Y)) * inv;
        double sa = -sb - sc, ka = 1 - kb - kc;
        // With the exact test's tolerance (weights down to -1e-4 count as inside).
        if (!Limit(ka + 1e-4, sa, ref lo, ref hi) || !Limit(kb + 1e-4, sb, ref lo, ref hi) || !Limit(kc + 1e-4, sc, ref lo, ref hi)) return (1, 0);
        if (lo > hi + 2) return (1, 0);
        return (Math.Max(x0, (int)Math.Floor(lo) - 1), Math.Min(x1, (int)Math.Ceiling(hi) + 1));

        // k + slope x >= 0 narrows [lo, hi]; false when no x of the row qualifies.
        static bool Limit(double k, double slope, ref double lo, ref double hi)
        {
            if (Math.Abs(slope) < 1e-12) return k >= -1e-3;
            if (slope > 0) lo = Math.Max(lo, -k / slope);
            else hi = Math.Min(hi, -k / slope);
            return true;
        }
    }

    private static float Cross(Vector2 a, Vector2 b) => a.X * b.Y - a.Y * b.X;
}

/// <summary>
/// A rasterised <see cref="FaceMesh"/> warp: each target pixel's source position, and which pixels a triangle covers
/// (all inside <paramref name="box"/>: only that part of the target is remapped). Its arrays come from the shared
/// pool; dispose it to give them back (a map left to the collector only costs the pool a reuse).
/// </summary>
public sealed class WarpMap(int width, int height, float[] mapX, float[] mapY, byte[] covered, Rect box) : IDisposable
{
    private bool _disposed;

    /// <summary>Remaps <paramref name="source"/> into the covered pixels of <paramref name="target"/> (any channel count, the same in both).</summary>
    public unsafe void Apply(Mat source, Mat target)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (target.Cols != width || target.Rows != height) throw new ArgumentException($"the map is {width}x{height}, the target {target.Cols}x{target.Rows}", nameof(target));
        fixed (float* px = mapX, py = mapY)
        fixed (byte* pc = covered)
        {
            using var mx = Mat.FromPixelData(height, width, MatType.CV_32FC1, (IntPtr)px);
            using var my = Mat.FromPixelData(height, width, MatType.CV_32FC1, (IntPtr)py);
            using var mask = Mat.FromPixelData(height, width, MatType.CV_8UC1, (IntPtr)pc);
            using var boxX = new Mat(mx, box);
            using var boxY = new Mat(my, box);
            using var boxMask = new Mat(mask, box);
            using var boxTarget = new Mat(target, box);
            using var warped = new Mat();
            Cv2.Remap(source, warped, boxX, boxY, InterpolationFlags.Linear, BorderTypes.Replicate);
            warped.CopyTo(boxTarget, boxMask);
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        ArrayPool<float>.Shared.Return(mapX);
        ArrayPool<float>.Shared.Return(mapY);
        ArrayPool<byte>.Shared.Return(covered);
    }
}
