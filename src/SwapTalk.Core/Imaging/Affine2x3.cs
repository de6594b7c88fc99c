using System.Numerics;

namespace SwapTalk.Core.Imaging;

/// <summary>
/// A 2-D affine map x' = M11 x + M12 y + M13, y' = M21 x + M22 y + M23, in pixel coordinates where
/// pixel (i, j) has its centre at (i, j) (OpenCV's convention). Doubles: matrices are composed and
/// inverted per frame, and the warp turns them into fixed point itself.
/// </summary>
public readonly record struct Affine2x3(double M11, double M12, double M13, double M21, double M22, double M23)
{
    public static Affine2x3 Identity => new(1, 0, 0, 0, 1, 0);

    public static Affine2x3 Translation(double dx, double dy) => new(1, 0, dx, 0, 1, dy);

    public static Affine2x3 Scale(double sx, double sy) => new(sx, 0, 0, 0, sy, 0);

    /// <summary>Uniform scale and rotation by <paramref name="radians"/> (from +x towards +y: clockwise on screen, where y points down), then translation.</summary>
    public static Affine2x3 Similarity(double scale, double radians, double dx, double dy)
    {
        double c = scale * Math.Cos(radians), s = scale * Math.Sin(radians);
        return new(c, -s, dx, s, c, dy);
    }

    public double Determinant => M11 * M22 - M12 * M21;

    public bool IsFinite =>
        double.IsFinite(M11) && double.IsFinite(M12) && double.IsFinite(M13) &&
        double.IsFinite(M21) && double.IsFinite(M22) && double.IsFinite(M23);

    /// <summary>The uniform scale factor sqrt(|det|): how many destination pixels one source pixel spans.</summary>
    public double ScaleFactor => Math.Sqrt(Math.Abs(Determinant));

    public (double X, double Y) Apply(double x, double y) => (M11 * x + M12 * y + M13, M21 * x + M22 * y + M23);

    public Vector2 Apply(Vector2 p)
    {
        var (x, y) = Apply(p.X, p.Y);
        return new Vector2((float)x, (float)y);
    }

    /// <summary>The inverse map; throws when the matrix is singular or not finite (a degenerate face quad, a zero scale).</summary>
    public Affine2x3 Invert()
    {
        var det = Determinant;
        var norm = Math.Max(Math.Max(Math.Abs(M11), Math.Abs(M12)), Math.Max(Math.Abs(M21), Math.Abs(M22)));
        if (!IsFinite || !(Math.Abs(det) > 1e-12 * Math.Max(norm * norm, 1e-300)))
            throw new InvalidOperationException($"affine matrix {this} is singular or not finite and cannot be inverted");
        double i11 = M22 / det, i12 = -M12 / det, i21 = -M21 / det, i22 = M11 / det;
        return new(i11, i12, -(i11 * M13 + i12 * M23), i21, i22, -(i21 * M13 + i22 * M23));
    }

    /// <summary>This map followed by <paramref name="next"/>: (a.Then(b)).Apply(p) == b.Apply(a.Apply(p)).</summary>
    public Affine2x3 Then(Affine2x3 next) => next * this;

    /// <summary>The matrix product: (a * b).Apply(p) == a.Apply(b.Apply(p)).</summary>
    public static Affine2x3 operator *(Affine2x3 a, Affine2x3 b) => new(
        a.M11 * b.M11 + a.M12 * b.M21, a.M11 * b.M12 + a.M12 * b.M22, a.M11 * b.M13 + a.M12 * b.M23 + a.M13,
        a.M21 * b.M11 + a.M22 * b.M21, a.M21 * b.M12 + a.M22 * b.M22, a.M21 * b.M13 + a.M22 * b.M23 + a.M23);

    /// <summary>
    /// The similarity (rotation, uniform scale, translation; no reflection) that maps
    /// <paramref name="from"/> onto <paramref name="to"/> in the least-squares sense (Umeyama without reflection).
    /// </summary>
    public static Affine2x3 FitSimilarity(ReadOnlySpan<Vector2> from, ReadOnlySpan<Vector2> to)
    {
        if (from.Length != to.Length || from.Length < 2)
            throw new ArgumentException($"a similarity needs at least 2 point pairs of equal count, got {from.Length} and {to.Length}");
        double fx = 0, fy = 0, tx = 0, ty = 0;
        for (var i = 0; i < from.Length; i++) { fx += from[i].X; fy += from[i].Y; tx += to[i].X; ty += to[i].Y; }
        fx /= from.Length; fy /= from.Length; tx /= to.Length; ty /= to.Length;
        double a = 0, b = 0, n = 0;
        for (var i = 0; i < from.Length; i++)
        {
            double px = from[i].X - fx, py = from[i].Y - fy, qx = to[i].X - tx, qy = to[i].Y - ty;
            a += px * qx + py * qy;
            b += px * qy - py * qx;
            n += px * px + py * py;
        }
        if (!(n > 0)) throw new ArgumentException("the source points of a similarity fit all coincide");
        double c = a / n, s = b / n; // scale*cos, scale*sin
        return new(c, -s, tx - (c * fx - s * fy), s, c, ty - (s * fx + c * fy));
    }

    public override string ToString() =>
        FormattableString.Invariant($"[{M11:G6} {M12:G6} {M13:G6}; {M21:G6} {M22:G6} {M23:G6}]");
}
