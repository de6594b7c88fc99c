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

    [Theory]
    [MemberData(nameof(Cases))]
    public void Simd_kernel_agrees_exactly_with_the_scalar_reference(int seed, BorderMode border)
    {
        var rng = new Random(seed);
        using var source = Noise(97 + seed * 13, 61 + seed * 7, seed);
        using var simd = new PixelBuffer(83, 71);
        using var scalar = new PixelBuffer(83, 71);
        // Random similarity-plus-shear maps that put some samples outside the source (borders, edges).
        var m = new Affine2x3(
            0.6 + rng.NextDouble(), rng.NextDouble() - 0.5, rng.NextDouble() * 40 - 20,
            rng.NextDouble() - 0.5, 0.6 + rng.NextDouble(), rng.NextDouble() * 40 - 20);
        var region = new RectI(3, 2, 77, 66);
        AffineWarp.RunSimd(source, simd, region, m.Invert(), border, 17);
        AffineWarp.RunScalar(source, scalar, region, m.Invert(), border, 17);
        simd.Pixels.SequenceEqual(scalar.Pixels).Should().BeTrue();
        simd.Pixels[0].Should().Be(0, "pixels outside the destination region are not written");
    }

    [Fact]
    public void Simd_kernel_agrees_with_the_reference_for_any_turn_scale_region_and_border()
    {
        var rng = new Random(17);
        var borders = Enum.GetValues<BorderMode>();
        for (var trial = 0; trial < 40; trial++)
        {
            using var source = Noise(20 + rng.Next(60), 10 + rng.Next(60), trial);
            int w = 1 + rng.Next(50), h = 1 + rng.Next(40);
            using var simd = new PixelBuffer(w + 2, h + 1);
            using var scalar = new PixelBuffer(w + 2, h + 1);
            var region = new RectI(rng.Next(3), rng.Next(2), w, h);
            var sourceToDestination = Affine2x3.Translation(-source.Width / 2.0, -source.Height / 2.0)
                .Then(Affine2x3.Similarity(0.2 + 3 * rng.NextDouble(), rng.NextDouble() * 2 * Math.PI, w * rng.NextDouble(), h * rng.NextDouble()));
            var border = borders[trial % borders.Length];
            AffineWarp.RunSimd(source, simd, region, sourceToDestination.Invert(), border, 33);
            AffineWarp.RunScalar(source, scalar, region, sourceToDestination.Invert(), border, 33);
            simd.Pixels.SequenceEqual(scalar.Pixels).Should().BeTrue($"trial {trial}: {border}, region {region}, {sourceToDestination}");
        }
    }

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
        var absurd = () => AffineWarp.Run(image, other, Affine2x3.Scale(1e-12, 1e-12)); // invertible, but samples 1e12 pixels apart
        absurd.Should().Throw<ArgumentException>().WithMessage("*degenerate*");
    }

    [Fact]
    public void Extreme_maps_sample_only_the_border_without_overflow()
    {
        using var source = Noise(16, 16, 3);
        using var simd = new PixelBuffer(64, 8);
        using var scalar = new PixelBuffer(64, 8);
        var far = new Affine2x3(5000, 0, -160000, 0, 1e-3, 3); // destination-to-source: columns far out on both sides
        AffineWarp.RunSimd(source, simd, RectI.Of(simd), far, BorderMode.Replicate, 0);
        AffineWarp.RunScalar(source, scalar, RectI.Of(scalar), far, BorderMode.Replicate, 0);
        simd.Pixels.SequenceEqual(scalar.Pixels).Should().BeTrue();
        simd.Pixels[0].Should().Be(source.Pixels[(3 * 16 + 0) * 3], "far left replicates column 0");
        simd.Pixels[63 * 3].Should().Be(source.Pixels[(3 * 16 + 15) * 3], "far right replicates column 15");
    }
}
