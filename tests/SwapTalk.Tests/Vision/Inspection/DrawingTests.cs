using System.Numerics;
using SwapTalk.Core.Imaging;

namespace SwapTalk.Tests.Vision.Inspection;

public class DrawingTests
{
    private static readonly RgbColor Ink = new(200, 100, 10);

    /// <summary>The set of pixels that differ from black, as (x, y).</summary>
    private static HashSet<(int X, int Y)> Inked(PixelBuffer image)
    {
        var set = new HashSet<(int, int)>();
        for (var y = 0; y < image.Height; y++)
            for (var x = 0; x < image.Width; x++)
                if (image.Pixels.Slice((y * image.Width + x) * 3, 3).IndexOfAnyExcept((byte)0) >= 0) set.Add((x, y));
        return set;
    }

    [Fact]
    public void Pixels_are_written_in_the_images_channel_order_and_off_image_pixels_are_skipped()
    {
        using var rgb = new PixelBuffer(4, 3, ColorOrder.Rgb);
        using var bgr = new PixelBuffer(4, 3, ColorOrder.Bgr);
        Drawing.SetPixel(rgb, 1, 2, Ink);
        Drawing.SetPixel(bgr, 1, 2, Ink);
        rgb.Pixels.Slice((2 * 4 + 1) * 3, 3).ToArray().Should().Equal(200, 100, 10);
        bgr.Pixels.Slice((2 * 4 + 1) * 3, 3).ToArray().Should().Equal(10, 100, 200);
        foreach (var (x, y) in new[] { (-1, 0), (4, 0), (0, -1), (0, 3), (int.MinValue, int.MaxValue) }) Drawing.SetPixel(rgb, x, y, Ink);
        Inked(rgb).Should().Equal((1, 2));
    }

    [Fact]
    public void Lines_cover_exactly_the_pixels_between_their_ends_and_are_clipped()
    {
        using var image = new PixelBuffer(20, 10);
        Drawing.Line(image, new Vector2(2, 3), new Vector2(12, 3), Ink);
        Inked(image).Should().BeEquivalentTo(Enumerable.Range(2, 11).Select(x => (x, 3)));

        image.Pixels.Clear();
        Drawing.Line(image, new Vector2(0, 0), new Vector2(9, 9), Ink);
        Inked(image).Should().BeEquivalentTo(Enumerable.Range(0, 10).Select(i => (i, i)), "a 45-degree line takes one pixel per step");

        image.Pixels.Clear();
        Drawing.Line(image, new Vector2(5, 5), new Vector2(15, 5), Ink, thickness: 3);
        Inked(image).Should().Contain(from x in Enumerable.Range(5, 11) from y in Enumerable.Range(4, 3) select (x, y))
            .And.OnlyContain(p => p.X >= 3 && p.X <= 17 && p.Y >= 3 && p.Y <= 7, "a 3-pixel line with round caps");

        image.Pixels.Clear();
        Drawing.Line(image, new Vector2(-1e9f, 4), new Vector2(1e9f, 4), Ink); // clipped first: no billion-step loop
        Inked(image).Should().BeEquivalentTo(Enumerable.Range(0, 20).Select(x => (x, 4)));

        image.Pixels.Clear();
        Drawing.Line(image, new Vector2(-50, -50), new Vector2(-10, -40), Ink);
        Drawing.Line(image, new Vector2(float.NaN, 1), new Vector2(3, 3), Ink);
        Drawing.Line(image, new Vector2(1, 1), new Vector2(3, 3), Ink, thickness: 0);
        Inked(image).Should().BeEmpty();
    }

    [Fact]
    public void Rectangles_outline_a_box_and_fill_only_inside_the_image()
    {
        using var image = new PixelBuffer(12, 10);
        Drawing.Rectangle(image, new RectF(2, 3, 5, 4), Ink);
        var expected = new HashSet<(int, int)>();
        for (var x = 2; x <= 7; x++) { expected.Add((x, 3)); expected.Add((x, 7)); }
        for (var y = 3; y <= 7; y++) { expected.Add((2, y)); expected.Add((7, y)); }
        Inked(image).Should().BeEquivalentTo(expected);

        image.Pixels.Clear();
        Drawing.FillRectangle(image, new RectI(9, 8, 10, 10), Ink);
        Inked(image).Should().BeEquivalentTo(new[] { (9, 8), (10, 8), (11, 8), (9, 9), (10, 9), (11, 9) });
    }

    [Fact]
    public void Discs_hold_the_pixels_within_the_radius()
    {
        using var image = new PixelBuffer(40, 40);
        Drawing.Disc(image, new Vector2(20, 20), 10, Ink);
        var inked = Inked(image);
        inked.Should().Contain(from x in Enumerable.Range(0, 40) from y in Enumerable.Range(0, 40) where (x - 20) * (x - 20) + (y - 20) * (y - 20) <= 81 select (x, y))
            .And.OnlyContain(p => (p.X - 20) * (p.X - 20) + (p.Y - 20) * (p.Y - 20) <= 121, "the disc's edge lies within a pixel of the radius");
        inked.Count.Should().BeInRange(300, 370, "about pi r^2 (314) plus part of the edge ring");

        image.Pixels.Clear();
        Drawing.Disc(image, new Vector2(-3, 20), 5, Ink);
        Inked(image).Should().NotBeEmpty().And.OnlyContain(p => p.X <= 3 && (p.X + 3) * (p.X + 3) + (p.Y - 20) * (p.Y - 20) <= 36, "only the part inside the image");
    }

    [Fact]
    public void Tint_moves_towards_the_colour_by_the_masks_weight_and_contour_marks_the_edge()
    {
        using var image = new PixelBuffer(4, 1, ColorOrder.Bgr);
        image.Pixels.Fill(100);
        using var mask = new MaskBuffer(4, 1);
        mask.Pixels[1] = 255;
        mask.Pixels[2] = 128;
        Drawing.Tint(image, mask, new RgbColor(200, 0, 100), 1);
        image.Pixels.ToArray().Should().Equal(100, 100, 100, /* B G R */ 100, 0, 200, 100, 50, 150, 100, 100, 100);
        var wrong = () => Drawing.Tint(image, new MaskBuffer(3, 1), Ink, 1);
        wrong.Should().Throw<ArgumentException>().WithMessage("tint mask is 3x1 but the image is 4x1*");
        var strength = () => Drawing.Tint(image, mask, Ink, 2);
        strength.Should().Throw<ArgumentOutOfRangeException>();

        using var canvas = new PixelBuffer(8, 8);
        using var square = new MaskBuffer(8, 8);
        for (var y = 2; y < 6; y++) square.Row(y)[2..6].Fill(200);
        Drawing.Contour(canvas, square, 128, Ink);
        Inked(canvas).Should().BeEquivalentTo(from x in Enumerable.Range(2, 4) from y in Enumerable.Range(2, 4)
                                               where x is 2 or 5 || y is 2 or 5 select (x, y));
    }

    [Fact]
    public void Blit_copies_clipped_and_converts_channel_order()
    {
        using var source = new PixelBuffer(3, 2, ColorOrder.Bgr);
        for (var i = 0; i < 6; i++) { source.Pixels[i * 3] = (byte)i; source.Pixels[i * 3 + 1] = 50; source.Pixels[i * 3 + 2] = 99; }
        using var target = new PixelBuffer(4, 3, ColorOrder.Rgb);
        Drawing.Blit(source, target, 2, 2);
        Inked(target).Should().BeEquivalentTo(new[] { (2, 2), (3, 2) });
        target.Pixels.Slice((2 * 4 + 2) * 3, 6).ToArray().Should().Equal(99, 50, 0, 99, 50, 1);
        Drawing.Blit(source, target, 10, 10); // wholly outside: nothing
        Drawing.Blit(source, target, -2, -1);
        target.Pixels.Slice(0, 3).ToArray().Should().Equal(99, 50, 5);
    }

    [Fact]
    public void Text_is_drawn_inside_its_line_box_and_measures_what_it_draws()
    {
        using var image = new PixelBuffer(160, 40);
        var width = Drawing.Text(image, 3, 2, "FRAME 12: OK", Ink);
        var inked = Inked(image);
        inked.Should().NotBeEmpty();
        width.Should().Be(Drawing.MeasureText("FRAME 12: OK").Width).And.BeGreaterThan(12 * 4);
        inked.Should().OnlyContain(p => p.X >= 3 && p.X <= 3 + width && p.Y >= 2 && p.Y < 2 + Drawing.LineHeight, "text stays in its line box");

        using var twice = new PixelBuffer(160, 40);
        Drawing.Text(twice, 3, 2, "FRAME 12: OK", Ink, scale: 2);
        Inked(twice).Count.Should().BeGreaterThan(inked.Count * 2, "scale 2 draws larger, thicker glyphs");
        Drawing.MeasureText("AB\nCDE", 2).Height.Should().Be(2 * 2 * Drawing.LineHeight);

        using var other = new PixelBuffer(160, 40);
        Drawing.Text(other, 3, 2, "FRAME 13: OK", Ink);
        other.Pixels.SequenceEqual(image.Pixels).Should().BeFalse("different text draws different pixels");
        var scale = () => Drawing.Text(image, 0, 0, "x", Ink, 0);
        scale.Should().Throw<ArgumentOutOfRangeException>();
    }
}
