using System.Numerics;
using OpenCvSharp;

namespace SwapTalk.Core.Imaging;

/// <summary>An 8-bit colour for drawing; written in the target image's channel order.</summary>
public readonly record struct RgbColor(byte R, byte G, byte B)
{
    public static RgbColor Black => new(0, 0, 0);
    public static RgbColor White => new(255, 255, 255);
    public static RgbColor Grey => new(150, 150, 150);
    public static RgbColor DarkGrey => new(60, 60, 60);
    public static RgbColor Red => new(235, 40, 40);
    public static RgbColor Green => new(40, 220, 60);
    public static RgbColor Blue => new(50, 110, 255);
    public static RgbColor Yellow => new(250, 220, 30);
    public static RgbColor Cyan => new(30, 230, 240);
    public static RgbColor Magenta => new(240, 60, 230);
    public static RgbColor Orange => new(255, 150, 20);

    /// <summary>The colour as an OpenCV scalar in <paramref name="order"/>.</summary>
    public Scalar In(ColorOrder order) => order == ColorOrder.Bgr ? new Scalar(B, G, R) : new Scalar(R, G, B);
}

/// <summary>
/// Overlays for contact sheets and previews, drawn with OpenCV (line, circle, rectangle, polylines,
/// putText in Hershey Simplex, contours): points, lines, boxes, discs, mask tints and contours, copies
/// and text. Coordinates follow the project's convention (pixel centres at integers; sub-pixel positions
/// kept to 1/16 pixel); OpenCV clips every shape to the image.
/// </summary>
public static class Drawing
{
    /// <summary>Vertical distance between text lines at scale 1.</summary>
    public const int LineHeight = 14;
    /// <summary>A typical character's advance at scale 1 (for laying out space for text).</summary>
    public const int CharAdvance = 8;

    private const HersheyFonts Font = HersheyFonts.HersheySimplex;
    private const double FontScale = 0.4;
    private const int Shift = 4; // fractional bits of drawing coordinates
    private const float Limit = 1 << 22; // keeps coordinates << Shift inside int

    public static void SetPixel(PixelBuffer image, int x, int y, RgbColor color)
    {
        if ((uint)x >= (uint)image.Width || (uint)y >= (uint)image.Height) return;
        var k = (y * image.Width + x) * 3;
        var swap = image.Order == ColorOrder.Bgr;
        image.Pixels[k] = swap ? color.B : color.R;
        image.Pixels[k + 1] = color.G;
        image.Pixels[k + 2] = swap ? color.R : color.B;
    }

    public static void FillRectangle(PixelBuffer image, RectI rect, RgbColor color)
    {
        var r = rect.Intersect(RectI.Of(image));
        if (r.IsEmpty) return;
        using var roi = image.AsMat(r);
        roi.SetTo(color.In(image.Order));
    }

    /// <summary>The outline of a box whose edges run through the given pixel-centre coordinates.</summary>
    public static void Rectangle(PixelBuffer image, RectF box, RgbColor color, int thickness = 1)
    {
        if (thickness < 1 || !IsFinite(new Vector2(box.X, box.Y)) || !IsFinite(new Vector2(box.Right, box.Bottom))) return;
        using var mat = image.AsMat();
        Cv2.Rectangle(mat, Fixed(new Vector2(box.X, box.Y)), Fixed(new Vector2(box.Right, box.Bottom)), color.In(image.Order), thickness, LineTypes.Link8, Shift);
    }

    public static void Line(PixelBuffer image, Vector2 from, Vector2 to, RgbColor color, int thickness = 1)
    {
        if (thickness < 1 || !IsFinite(from) || !IsFinite(to)) return;
        using var mat = image.AsMat();
        Cv2.Line(mat, Fixed(from), Fixed(to), color.In(image.Order), thickness, LineTypes.Link8, Shift);
    }

    public static void Polyline(PixelBuffer image, ReadOnlySpan<Vector2> points, RgbColor color, bool closed, int thickness = 1)
    {
        if (thickness < 1 || points.Length == 0) return;
        foreach (var p in points) if (!IsFinite(p)) return;
        var fixedPoints = new Point[points.Length];
        for (var i = 0; i < points.Length; i++) fixedPoints[i] = Fixed(points[i]);
        using var mat = image.AsMat();
        Cv2.Polylines(mat, [fixedPoints], closed, color.In(image.Order), thickness, LineTypes.Link8, Shift);
    }

    /// <summary>A filled disc of the pixels within <paramref name="radius"/> of the centre.</summary>
    public static void Disc(PixelBuffer image, Vector2 centre, float radius, RgbColor color)
    {
        if (!IsFinite(centre) || !(radius >= 0) || radius > Limit) return;
        using var mat = image.AsMat();
        Cv2.Circle(mat, Fixed(centre), (int)MathF.Round(radius * (1 << Shift)), color.In(image.Order), -1, LineTypes.Link8, Shift);
    }

    /// <summary>
    /// Moves each pixel towards <paramref name="color"/> by <paramref name="strength"/> x the mask's weight
    /// (0..255): a see-through overlay of a blend mask. Mask and image are the same size.
    /// </summary>
    public static void Tint(PixelBuffer image, MaskBuffer mask, RgbColor color, float strength)
    {
        if (mask.Width != image.Width || mask.Height != image.Height)
            throw new ArgumentException($"tint mask is {mask.Width}x{mask.Height} but the image is {image.Width}x{image.Height}", nameof(mask));
        if (!(strength >= 0 && strength <= 1))
            throw new ArgumentOutOfRangeException(nameof(strength), $"tint strength must be 0..1, got {strength}");
        using var mat = image.AsMat();
        using var weights = mask.AsMat();
        using var towards = new Mat();
        weights.ConvertTo(towards, MatType.CV_32FC1, strength / 255.0);
        using var keep = new Mat();
        weights.ConvertTo(keep, MatType.CV_32FC1, -strength / 255.0, 1);
        using var ink = new Mat(image.Height, image.Width, MatType.CV_8UC3, color.In(image.Order));
        Cv2.BlendLinear(ink, mat, towards, keep, mat);
    }

    /// <summary>Outlines the mask's regions at or above <paramref name="level"/>, one pixel wide, on their inner edge.</summary>
    public static void Contour(PixelBuffer image, MaskBuffer mask, byte level, RgbColor color)
    {
        if (mask.Width != image.Width || mask.Height != image.Height)
            throw new ArgumentException($"contour mask is {mask.Width}x{mask.Height} but the image is {image.Width}x{image.Height}", nameof(mask));
        using var weights = mask.AsMat();
        using var inside = new Mat();
        Cv2.Threshold(weights, inside, level - 1, 255, ThresholdTypes.Binary);
        Cv2.FindContours(inside, out Point[][] contours, out _, RetrievalModes.List, ContourApproximationModes.ApproxNone);
        using var mat = image.AsMat();
        Cv2.DrawContours(mat, contours, -1, color.In(image.Order), 1, LineTypes.Link8);
    }

    /// <summary>Copies <paramref name="source"/> into <paramref name="destination"/> with its top-left at (x, y), clipped; channel order converted.</summary>
    public static void Blit(PixelBuffer source, PixelBuffer destination, int x, int y)
    {
        var target = new RectI(x, y, source.Width, source.Height).Intersect(RectI.Of(destination));
        if (target.IsEmpty) return;
        using var from = source.AsMat(new RectI(target.X - x, target.Y - y, target.Width, target.Height));
        using var to = destination.AsMat(target);
        if (source.Order == destination.Order) from.CopyTo(to);
        else Cv2.CvtColor(from, to, ColorConversionCodes.BGR2RGB);
    }

    /// <summary>The size a text takes at a scale (lines split at '\n').</summary>
    public static (int Width, int Height) MeasureText(string text, int scale = 1)
    {
        CvMat.EnsureLoaded();
        var lines = text.Split('\n');
        var width = lines.Max(l => l.Length == 0 ? 0 : Cv2.GetTextSize(l, Font, FontScale * scale, scale, out _).Width);
        return (width, lines.Length * LineHeight * scale);
    }

    /// <summary>
    /// Writes <paramref name="text"/> with the top of its line box at (x, y) (lines split at '\n'), in OpenCV's
    /// Hershey Simplex font; <paramref name="scale"/> enlarges it. Returns the width drawn.
    /// </summary>
    public static int Text(PixelBuffer image, int x, int y, string text, RgbColor color, int scale = 1)
    {
        if (scale < 1) throw new ArgumentOutOfRangeException(nameof(scale), $"text scale must be 1 or more, got {scale}");
        using var mat = image.AsMat();
        var widest = 0;
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].Length == 0) continue;
            var size = Cv2.GetTextSize(lines[i], Font, FontScale * scale, scale, out _);
            // putText's origin is the baseline's left end; centre the glyphs' height in the line box.
            var baseline = y + i * LineHeight * scale + (LineHeight * scale + size.Height) / 2 - scale;
            Cv2.PutText(mat, lines[i], new Point(x, baseline), Font, FontScale * scale, color.In(image.Order), scale, LineTypes.AntiAlias);
            widest = Math.Max(widest, size.Width);
        }
        return widest;
    }

    private static bool IsFinite(Vector2 p) => float.IsFinite(p.X) && float.IsFinite(p.Y);

    private static Point Fixed(Vector2 p) => new(
        (int)MathF.Round(Math.Clamp(p.X, -Limit, Limit) * (1 << Shift)),
        (int)MathF.Round(Math.Clamp(p.Y, -Limit, Limit) * (1 << Shift)));
}
