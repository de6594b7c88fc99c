using System.Numerics;

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
}

/// <summary>
/// Simple overlays for contact sheets and debugging images: points, lines, boxes, discs, mask tints and
/// contours, copies, and a built-in 5x7 pixel font (digits, capitals, common punctuation). Coordinates
/// follow the kernels' convention (pixel centres at integers); everything is clipped to the image, so
/// shapes partly or wholly outside it are fine. Not a hot path: plain scalar code.
/// </summary>
public static class Drawing
{
    public const int GlyphWidth = 5;
    public const int GlyphHeight = 7;
    /// <summary>Horizontal advance per character and line height, at scale 1.</summary>
    public const int CharAdvance = GlyphWidth + 1;
    public const int LineHeight = GlyphHeight + 2;

    public static void SetPixel(PixelBuffer image, int x, int y, RgbColor color)
    {
        if ((uint)x >= (uint)image.Width || (uint)y >= (uint)image.Height) return;
        var p = image.Pixels.Slice((y * image.Width + x) * 3, 3);
        if (image.Order == ColorOrder.Rgb) { p[0] = color.R; p[1] = color.G; p[2] = color.B; }
        else { p[0] = color.B; p[1] = color.G; p[2] = color.R; }
    }

    public static void FillRectangle(PixelBuffer image, RectI rect, RgbColor color)
    {
        var r = rect.Intersect(RectI.Of(image));
        if (r.IsEmpty) return;
        Span<byte> pattern = stackalloc byte[3];
        if (image.Order == ColorOrder.Rgb) { pattern[0] = color.R; pattern[1] = color.G; pattern[2] = color.B; }
        else { pattern[0] = color.B; pattern[1] = color.G; pattern[2] = color.R; }
        for (var y = r.Y; y < r.Bottom; y++)
        {
            var row = image.Row(y).Slice(r.X * 3, r.Width * 3);
            for (var i = 0; i < row.Length; i += 3) pattern.CopyTo(row[i..]);
        }
    }

    /// <summary>The outline of a box; its edges run through the box's corner pixels.</summary>
    public static void Rectangle(PixelBuffer image, RectF box, RgbColor color, int thickness = 1)
    {
        Vector2 a = new(box.X, box.Y), b = new(box.Right, box.Y), c = new(box.Right, box.Bottom), d = new(box.X, box.Bottom);
        Polyline(image, [a, b, c, d], color, closed: true, thickness);
    }

    /// <summary>A straight line from <paramref name="from"/> to <paramref name="to"/>, both ends included, <paramref name="thickness"/> pixels wide.</summary>
    public static void Line(PixelBuffer image, Vector2 from, Vector2 to, RgbColor color, int thickness = 1)
    {
        if (thickness < 1 || !IsFinite(from) || !IsFinite(to)) return;
        var reach = thickness / 2 + 1;
        if (!ClipToBox(ref from, ref to, -reach, -reach, image.Width - 1 + reach, image.Height - 1 + reach)) return;
        var delta = to - from;
        var steps = (int)MathF.Ceiling(MathF.Max(MathF.Abs(delta.X), MathF.Abs(delta.Y)));
        for (var i = 0; i <= steps; i++)
        {
            var p = steps == 0 ? from : from + delta * ((float)i / steps);
            Stamp(image, (int)MathF.Round(p.X), (int)MathF.Round(p.Y), color, thickness);
        }
    }

    /// <summary>Lines through consecutive points, and back to the first when <paramref name="closed"/>.</summary>
    public static void Polyline(PixelBuffer image, ReadOnlySpan<Vector2> points, RgbColor color, bool closed, int thickness = 1)
    {
        for (var i = 0; i + 1 < points.Length; i++) Line(image, points[i], points[i + 1], color, thickness);
        if (closed && points.Length > 2) Line(image, points[^1], points[0], color, thickness);
    }

    /// <summary>A filled disc: every pixel whose centre lies within <paramref name="radius"/> of <paramref name="centre"/>.</summary>
    public static void Disc(PixelBuffer image, Vector2 centre, float radius, RgbColor color)
    {
        if (!IsFinite(centre) || !(radius >= 0) || !float.IsFinite(radius)) return;
        var y0 = Math.Max(0, (int)MathF.Ceiling(centre.Y - radius));
        var y1 = Math.Min(image.Height - 1, (int)MathF.Floor(centre.Y + radius));
        for (var y = y0; y <= y1; y++)
        {
            var dy = y - centre.Y;
            var half = MathF.Sqrt(MathF.Max(0, radius * radius - dy * dy));
            var x0 = Math.Max(0, (int)MathF.Ceiling(centre.X - half));
            var x1 = Math.Min(image.Width - 1, (int)MathF.Floor(centre.X + half));
            for (var x = x0; x <= x1; x++) SetPixel(image, x, y, color);
        }
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
        var px = image.Pixels;
        var w = mask.Pixels;
        var swap = image.Order == ColorOrder.Bgr;
        int c0 = swap ? color.B : color.R, c1 = color.G, c2 = swap ? color.R : color.B;
        for (var i = 0; i < w.Length; i++)
        {
            if (w[i] == 0) continue;
            var f = strength * w[i] / 255f;
            var k = i * 3;
            px[k] = (byte)(px[k] + (c0 - px[k]) * f + 0.5f);
            px[k + 1] = (byte)(px[k + 1] + (c1 - px[k + 1]) * f + 0.5f);
            px[k + 2] = (byte)(px[k + 2] + (c2 - px[k + 2]) * f + 0.5f);
        }
    }

    /// <summary>Marks the pixels at the edge of the mask's region at or above <paramref name="level"/> (a 4-neighbour is below it, or off the mask).</summary>
    public static void Contour(PixelBuffer image, MaskBuffer mask, byte level, RgbColor color)
    {
        if (mask.Width != image.Width || mask.Height != image.Height)
            throw new ArgumentException($"contour mask is {mask.Width}x{mask.Height} but the image is {image.Width}x{image.Height}", nameof(mask));
        int w = mask.Width, h = mask.Height;
        var m = mask.Data;
        bool Inside(int x, int y) => x >= 0 && y >= 0 && x < w && y < h && m[y * w + x] >= level;
        for (var y = 0; y < h; y++)
            for (var x = 0; x < w; x++)
                if (Inside(x, y) && (!Inside(x - 1, y) || !Inside(x + 1, y) || !Inside(x, y - 1) || !Inside(x, y + 1)))
                    SetPixel(image, x, y, color);
    }

    /// <summary>Copies <paramref name="source"/> into <paramref name="destination"/> with its top-left at (x, y), clipped; channel order converted.</summary>
    public static void Blit(PixelBuffer source, PixelBuffer destination, int x, int y)
    {
        var target = new RectI(x, y, source.Width, source.Height).Intersect(RectI.Of(destination));
        if (target.IsEmpty) return;
        var swap = source.Order != destination.Order;
        for (var row = target.Y; row < target.Bottom; row++)
        {
            var from = source.Row(row - y).Slice((target.X - x) * 3, target.Width * 3);
            var to = destination.Row(row).Slice(target.X * 3, target.Width * 3);
            from.CopyTo(to);
            if (swap)
                for (var i = 0; i < to.Length; i += 3) (to[i], to[i + 2]) = (to[i + 2], to[i]);
        }
    }

    /// <summary>The size a text takes at a scale (lines split at '\n').</summary>
    public static (int Width, int Height) MeasureText(string text, int scale = 1)
    {
        var lines = text.Split('\n');
        return (lines.Max(l => l.Length) * CharAdvance * scale - (lines.Max(l => l.Length) > 0 ? scale : 0), lines.Length * LineHeight * scale - 2 * scale);
    }

    /// <summary>
    /// Writes <paramref name="text"/> with its top-left at (x, y) in the built-in 5x7 font, each font pixel a
    /// <paramref name="scale"/> x <paramref name="scale"/> block. Lower case is drawn as capitals; characters
    /// the font lacks as '?'. Returns the width drawn.
    /// </summary>
    public static int Text(PixelBuffer image, int x, int y, string text, RgbColor color, int scale = 1)
    {
        if (scale < 1) throw new ArgumentOutOfRangeException(nameof(scale), $"text scale must be 1 or more, got {scale}");
        int cx = x, cy = y, widest = 0;
        foreach (var ch in text)
        {
            if (ch == '\n') { cy += LineHeight * scale; cx = x; continue; }
            var glyph = Font.Glyph(ch);
            for (var row = 0; row < GlyphHeight; row++)
                for (var col = 0; col < GlyphWidth; col++)
                    if ((glyph[row] & (1 << (GlyphWidth - 1 - col))) != 0)
                        FillRectangle(image, new RectI(cx + col * scale, cy + row * scale, scale, scale), color);
            cx += CharAdvance * scale;
            widest = Math.Max(widest, cx - x - scale);
        }
        return widest;
    }

    private static void Stamp(PixelBuffer image, int x, int y, RgbColor color, int thickness)
    {
        if (thickness == 1) { SetPixel(image, x, y, color); return; }
        var start = -(thickness - 1) / 2;
        FillRectangle(image, new RectI(x + start, y + start, thickness, thickness), color);
    }

    private static bool IsFinite(Vector2 p) => float.IsFinite(p.X) && float.IsFinite(p.Y);

    /// <summary>Liang-Barsky, in doubles (far-off ends lose no precision): clips the segment to the box; false when nothing of it is inside.</summary>
    private static bool ClipToBox(ref Vector2 a, ref Vector2 b, double xMin, double yMin, double xMax, double yMax)
    {
        double t0 = 0, t1 = 1;
        double ax = a.X, ay = a.Y, dx = (double)b.X - a.X, dy = (double)b.Y - a.Y;
        bool Edge(double p, double q)
        {
            if (p == 0) return q >= 0;
            var r = q / p;
            if (p < 0) { if (r > t1) return false; if (r > t0) t0 = r; }
            else { if (r < t0) return false; if (r < t1) t1 = r; }
            return true;
        }
        if (!Edge(-dx, ax - xMin) || !Edge(dx, xMax - ax) || !Edge(-dy, ay - yMin) || !Edge(dy, yMax - ay)) return false;
        a = new Vector2((float)(ax + dx * t0), (float)(ay + dy * t0));
        b = new Vector2((float)(ax + dx * t1), (float)(ay + dy * t1));
        return true;
    }

    /// <summary>The 5x7 font: each glyph is seven rows, '#' set, drawn from these pictures once.</summary>
    private static class Font
    {
        private static readonly Dictionary<char, byte[]> Glyphs = Build();

        public static byte[] Glyph(char c) =>
            Glyphs.TryGetValue(char.ToUpperInvariant(c), out var g) ? g : Glyphs['?'];

        private static Dictionary<char, byte[]> Build()
        {
            var pictures = new Dictionary<char, string>
            {
                ['0'] = ".###. #...# #..## #.#.# ##..# #...# .###.",
                ['1'] = "..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###.",
                ['2'] = ".###. #...# ....# ...#. ..#.. .#... #####",
                ['3'] = "##### ...#. ..#.. ...#. ....# #...# .###.",
                ['4'] = "...#. ..##. .#.#. #..#. ##### ...#. ...#.",
                ['5'] = "##### #.... ####. ....# ....# #...# .###.",
                ['6'] = "..##. .#... #.... ####. #...# #...# .###.",
                ['7'] = "##### ....# ...#. ..#.. .#... .#... .#...",
                ['8'] = ".###. #...# #...# .###. #...# #...# .###.",
                ['9'] = ".###. #...# #...# .#### ....# ...#. .##..",
                ['A'] = ".###. #...# #...# ##### #...# #...# #...#",
                ['B'] = "####. #...# #...# ####. #...# #...# ####.",
                ['C'] = ".###. #...# #.... #.... #.... #...# .###.",
                ['D'] = "###.. #..#. #...# #...# #...# #..#. ###..",
                ['E'] = "##### #.... #.... ####. #.... #.... #####",
                ['F'] = "##### #.... #.... ####. #.... #.... #....",
                ['G'] = ".###. #...# #.... #.### #...# #...# .####",
                ['H'] = "#...# #...# #...# ##### #...# #...# #...#",
                ['I'] = ".###. ..#.. ..#.. ..#.. ..#.. ..#.. .###.",
                ['J'] = "..### ...#. ...#. ...#. ...#. #..#. .##..",
                ['K'] = "#...# #..#. #.#.. ##... #.#.. #..#. #...#",
                ['L'] = "#.... #.... #.... #.... #.... #.... #####",
                ['M'] = "#...# ##.## #.#.# #.#.# #...# #...# #...#",
                ['N'] = "#...# #...# ##..# #.#.# #..## #...# #...#",
                ['O'] = ".###. #...# #...# #...# #...# #...# .###.",
                ['P'] = "####. #...# #...# ####. #.... #.... #....",
                ['Q'] = ".###. #...# #...# #...# #.#.# #..#. .##.#",
                ['R'] = "####. #...# #...# ####. #.#.. #..#. #...#",
                ['S'] = ".#### #.... #.... .###. ....# ....# ####.",
                ['T'] = "##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#..",
                ['U'] = "#...# #...# #...# #...# #...# #...# .###.",
                ['V'] = "#...# #...# #...# #...# #...# .#.#. ..#..",
                ['W'] = "#...# #...# #...# #.#.# #.#.# #.#.# .#.#.",
                ['X'] = "#...# #...# .#.#. ..#.. .#.#. #...# #...#",
                ['Y'] = "#...# #...# .#.#. ..#.. ..#.. ..#.. ..#..",
                ['Z'] = "##### ....# ...#. ..#.. .#... #.... #####",
                [' '] = "..... ..... ..... ..... ..... ..... .....",
                ['.'] = "..... ..... ..... ..... ..... .##.. .##..",
                [','] = "..... ..... ..... ..... .##.. ..#.. .#...",
                [':'] = "..... .##.. .##.. ..... .##.. .##.. .....",
                [';'] = "..... .##.. .##.. ..... .##.. ..#.. .#...",
                ['-'] = "..... ..... ..... ##### ..... ..... .....",
                ['_'] = "..... ..... ..... ..... ..... ..... #####",
                ['+'] = "..... ..#.. ..#.. ##### ..#.. ..#.. .....",
                ['='] = "..... ..... ##### ..... ##### ..... .....",
                ['/'] = "..... ....# ...#. ..#.. .#... #.... .....",
                ['('] = "...#. ..#.. .#... .#... .#... ..#.. ...#.",
                [')'] = ".#... ..#.. ...#. ...#. ...#. ..#.. .#...",
                ['['] = ".###. .#... .#... .#... .#... .#... .###.",
                [']'] = ".###. ...#. ...#. ...#. ...#. ...#. .###.",
                ['<'] = "...#. ..#.. .#... #.... .#... ..#.. ...#.",
                ['>'] = ".#... ..#.. ...#. ....# ...#. ..#.. .#...",
                ['%'] = "##... ##..# ...#. ..#.. .#... #..## ...##",
                ['#'] = ".#.#. .#.#. ##### .#.#. ##### .#.#. .#.#.",
                ['!'] = "..#.. ..#.. ..#.. ..#.. ..#.. ..... ..#..",
                ['?'] = ".###. #...# ....# ...#. ..#.. ..... ..#..",
                ['\''] = "..#.. ..#.. .#... ..... ..... ..... .....",
            };
            var glyphs = new Dictionary<char, byte[]>();
            foreach (var (c, picture) in pictures)
            {
                var rows = picture.Split(' ');
                if (rows.Length != GlyphHeight || rows.Any(r => r.Length != GlyphWidth))
                    throw new InvalidOperationException($"font glyph '{c}' is not {GlyphWidth}x{GlyphHeight}");
                glyphs[c] = rows.Select(r => (byte)r.Aggregate(0, (bits, p) => bits << 1 | (p == '#' ? 1 : 0))).ToArray();
            }
            return glyphs;
        }
    }
}
