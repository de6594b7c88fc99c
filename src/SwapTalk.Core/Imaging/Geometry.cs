namespace SwapTalk.Core.Imaging;

/// <summary>An integer pixel rectangle [X, X+Width) x [Y, Y+Height).</summary>
public readonly record struct RectI(int X, int Y, int Width, int Height)
{
    public int Right => X + Width;
    public int Bottom => Y + Height;
    public bool IsEmpty => Width <= 0 || Height <= 0;

    public static RectI Of(PixelBuffer image) => new(0, 0, image.Width, image.Height);

    public RectI Intersect(RectI other)
    {
        int x0 = Math.Max(X, other.X), y0 = Math.Max(Y, other.Y);
        int x1 = Math.Min(Right, other.Right), y1 = Math.Min(Bottom, other.Bottom);
        return x1 > x0 && y1 > y0 ? new RectI(x0, y0, x1 - x0, y1 - y0) : default;
    }

    public bool Contains(RectI other) =>
        other.X >= X && other.Y >= Y && other.Right <= Right && other.Bottom <= Bottom;

    public override string ToString() => $"{Width}x{Height}+{X}+{Y}";
}

/// <summary>A floating-point rectangle (detector boxes, landmark crops) in pixel coordinates.</summary>
public readonly record struct RectF(float X, float Y, float Width, float Height)
{
    public float Right => X + Width;
    public float Bottom => Y + Height;
    public float CenterX => X + Width / 2;
    public float CenterY => Y + Height / 2;
    public float Area => Math.Max(0, Width) * Math.Max(0, Height);

    /// <summary>Grows the rectangle by the given fraction of its own width and height on every side.</summary>
    public RectF Enlarge(float fraction) =>
        new(X - Width * fraction, Y - Height * fraction, Width * (1 + 2 * fraction), Height * (1 + 2 * fraction));

    public float IntersectionOverUnion(RectF other)
    {
        float x0 = Math.Max(X, other.X), y0 = Math.Max(Y, other.Y);
        float x1 = Math.Min(Right, other.Right), y1 = Math.Min(Bottom, other.Bottom);
        var inter = Math.Max(0, x1 - x0) * Math.Max(0, y1 - y0);
        var union = Area + other.Area - inter;
        return union > 0 ? inter / union : 0;
    }

    /// <summary>The smallest integer rectangle covering this one, clipped to <paramref name="bounds"/>.</summary>
    public RectI ToCoveringRect(RectI bounds)
    {
        var r = new RectI((int)MathF.Floor(X), (int)MathF.Floor(Y), 0, 0);
        var right = (int)MathF.Ceiling(Right);
        var bottom = (int)MathF.Ceiling(Bottom);
        return new RectI(r.X, r.Y, right - r.X, bottom - r.Y).Intersect(bounds);
    }

    public override string ToString() => $"{Width:0.#}x{Height:0.#}+{X:0.#}+{Y:0.#}";
}
