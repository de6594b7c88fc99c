using SwapTalk.Core.Imaging;

namespace SwapTalk.Tests.Imaging;

public class AffineWarpTests
{
    internal static PixelBuffer Noise(int width, int height, int seed)
    {
        var image = new PixelBuffer(width, height);
        new Random(seed).NextBytes(image.Pixels);
        return image;
    }

    /// <summary>Smooth content (a blurred gradient pattern): where bilinear sampling is meaningful to compare.</summary>
    internal static PixelBuffer Smooth(int width, int height)
    {
        var image = new PixelBuffer(width, height);
        var px = image.Pixels;
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
            {
                var i = (y * width + x) * 3;
                px[i] = (byte)(127.5 + 127 * Math.Sin(x * 0.05) * Math.Cos(y * 0.03));
                px[i + 1] = (byte)(x * 255 / Math.Max(1, width - 1));
                px[i + 2] = (byte)(127.5 + 127 * Math.Cos((x + 2 * y) * 0.02));
            }
        return image;
    }

    public static TheoryData<int, BorderMode> Cases() => new()
    {
        { 1, BorderMode.Constant }, { 2, BorderMode.Replicate }, { 3, BorderMode.Constant }, { 4, BorderMode.Replicate },
        { 5, BorderMode.Reflect }, { 6, BorderMode.Replicate }, { 7, BorderMode.Reflect },
    };

    [Fact]
    public void Identity_and_integer_shifts_copy_pixels_exactly()
    {
        using var source = Noise(40, 30, 9);
        using var destination = new PixelBuffer(40, 30);
        AffineWarp.Run(source, destination, Affine2x3.Identity);
        destination.Pixels.SequenceEqual(source.Pixels).Should().BeTrue();

        AffineWarp.Run(source, destination, Affine2x3.Translation(-5, 3), BorderMode.Constant, 200);
        for (var y = 0; y < 30; y++)
            for (var x = 0; x < 40; x++)
            {
                int sx = x + 5, sy = y - 3;
                var expected = sx < 40 && sy >= 0 ? source.Pixels[(sy * 40 + sx) * 3 + 1] : (byte)200;
                destination.Pixels[(y * 40 + x) * 3 + 1].Should().Be(expected);
            }
    }

    [Fact]
    public void Replicate_border_extends_edge_pixels_and_constant_border_fills()
    {
        using var source = new PixelBuffer(4, 4);
        source.Pixels.Fill(90);
        using var destination = new PixelBuffer(12, 12);
        var shift = Affine2x3.Translation(4, 4); // the source lands in the middle
        AffineWarp.Run(source, destination, shift, BorderMode.Replicate);
        destination.Pixels.ToArray().Should().OnlyContain(v => v == 90);
        AffineWarp.Run(source, destination, shift, BorderMode.Constant, 10);
        destination.Pixels[0].Should().Be(10);
        destination.Pixels[(5 * 12 + 5) * 3].Should().Be(90);
        // half a pixel past the edge: half source, half border
        AffineWarp.Run(source, destination, Affine2x3.Translation(4.5, 4), BorderMode.Constant, 10);
        destination.Pixels[(6 * 12 + 4) * 3].Should().Be(50);
    }

    [Fact]
    public void Reflect_border_mirrors_without_repeating_the_edge_pixel()
    {
        using var source = new PixelBuffer(3, 1);
        source.Pixels[0] = 10; source.Pixels[3] = 20; source.Pixels[6] = 30;
        using var destination = new PixelBuffer(9, 1);
        AffineWarp.Run(source, destination, Affine2x3.Translation(3, 0), BorderMode.Reflect);
        Enumerable.Range(0, 9).Select(x => destination.Pixels[x * 3]).Should().Equal(new byte[] { 20, 30, 20, 10, 20, 30, 20, 10, 20 });
    }

    [Fact]
    public void Agrees_with_exact_floating_point_bilinear_sampling_within_one_level()
    {
        using var source = Smooth(300, 200);
        using var destination = new PixelBuffer(256, 256);
        var m = Affine2x3.Similarity(1.37, 0.3, -20, 10);
        AffineWarp.Run(source, destination, m);
        var inv = m.Invert();
        var worst = 0;
        for (var y = 0; y < 256; y++)
            for (var x = 0; x < 256; x++)
            {
                var (u, v) = inv.Apply(x, y);
                if (u < 0 || v < 0 || u > 298 || v > 198) continue;
                int x0 = (int)Math.Floor(u), y0 = (int)Math.Floor(v);
                double fx = u - x0, fy = v - y0;
                for (var c = 0; c < 3; c++)
                {
                    double P(int xx, int yy) => source.Pixels[(yy * 300 + xx) * 3 + c];
                    var exact = (1 - fy) * ((1 - fx) * P(x0, y0) + fx * P(x0 + 1, y0)) + fy * ((1 - fx) * P(x0, y0 + 1) + fx * P(x0 + 1, y0 + 1));
                    worst = Math.Max(worst, (int)Math.Abs(destination.Pixels[(y * 256 + x) * 3 + c] - Math.Round(exact)));
                }
            }
        worst.Should().BeLessThanOrEqualTo(1);
    }

    [Fact]
    public void Bad_arguments_name_what_is_wrong()
    {
        using var image = new PixelBuffer(8, 8);
        using var other = new PixelBuffer(8, 8);
        var singular = () => AffineWarp.Run(image, other, new Affine2x3(1, 2, 0, 2, 4, 0));
        singular.Should().Throw<InvalidOperationException>().WithMessage("*singular*");
        var inPlace = () => AffineWarp.Run(image, image, Affine2x3.Identity);
        inPlace.Should().Throw<ArgumentException>().WithMessage("*own source*");
        var region = () => AffineWarp.Run(image, other, new RectI(4, 4, 8, 8), Affine2x3.Identity);
        region.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*8x8+4+4*");
        var nan = () => AffineWarp.Run(image, other, new Affine2x3(double.NaN, 0, 0, 0, 1, 0));
        nan.Should().Throw<InvalidOperationException>().WithMessage("*not finite*");
        var absurd = () => AffineWarp.Run(image, other, Affine2x3.Scale(1e-12, 1e-12)); // invertible; samples 1e12 pixels apart
        absurd.Should().NotThrow("OpenCV samples the border for positions far outside the source");
    }
}
