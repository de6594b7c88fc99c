using SwapTalk.Core.Imaging;
using SwapTalk.Tests.Support;

namespace SwapTalk.Tests.Imaging;

public class TensorLayoutTests
{
    public static TheoryData<int, int, bool> Shapes() => new() { { 37, 19, false }, { 64, 16, true }, { 5, 3, true }, { 512, 2, false } };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Simd_to_nchw_agrees_exactly_with_the_scalar_reference(int width, int height, bool swap)
    {
        using var image = AffineWarpTests.Noise(width, height, width);
        var plane = width * height;
        foreach (var norm in new[] { PixelNormalization.MinusOneToOne(ColorOrder.Rgb), new PixelNormalization(ColorOrder.Rgb, 1f / 127f, -127f / 127f), PixelNormalization.ZeroToOne(ColorOrder.Rgb) })
        {
            var simd = new float[3 * plane];
            var scalar = new float[3 * plane];
            var done = TensorLayout.ToNchwSimd(image.Pixels, simd, plane, swap, norm);
            TensorLayout.ToNchwScalar(image.Pixels, simd, plane, swap, norm, done);
            TensorLayout.ToNchwScalar(image.Pixels, scalar, plane, swap, norm);
            done.Should().Be(System.Runtime.Intrinsics.X86.Avx2.IsSupported ? plane / 16 * 16 : 0);
            simd.Select(BitConverter.SingleToInt32Bits).Should().Equal(scalar.Select(BitConverter.SingleToInt32Bits));
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Simd_from_nchw_agrees_exactly_with_the_scalar_reference_even_for_wild_values(int width, int height, bool swap)
    {
        var plane = width * height;
        var rng = new Random(plane);
        var tensor = new float[3 * plane];
        float[] special = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, 1e30f, -1e30f, -0f, 0.5f / 127.5f - 1, 254.5f / 127.5f - 1, 1.0000001f, -1.0000001f];
        for (var i = 0; i < tensor.Length; i++)
            tensor[i] = i % 7 == 0 ? special[i / 7 % special.Length] : (float)(rng.NextDouble() * 2.4 - 1.2);
        var norm = PixelNormalization.MinusOneToOne(ColorOrder.Bgr);
        var simd = new byte[3 * plane];
        var scalar = new byte[3 * plane];
        var done = TensorLayout.FromNchwSimd(tensor, simd, plane, swap, norm);
        TensorLayout.FromNchwScalar(tensor, simd, plane, swap, norm, done);
        TensorLayout.FromNchwScalar(tensor, scalar, plane, swap, norm);
        simd.Should().Equal(scalar);
    }

    [Fact]
    public void Planes_follow_the_models_channel_order_and_round_trip()
    {
        using var image = AffineWarpTests.Noise(40, 8, 4); // RGB, 320 pixels: SIMD blocks and nothing left over
        var tensor = new float[3 * 320];
        TensorLayout.ToNchw(image, tensor, PixelNormalization.Raw(ColorOrder.Bgr));
        tensor[0].Should().Be(image.Pixels[2], "plane 0 is blue for a BGR model");
        tensor[2 * 320 + 5].Should().Be(image.Pixels[5 * 3], "plane 2 is red");
        using var back = new PixelBuffer(40, 8, ColorOrder.Rgb);
        TensorLayout.FromNchw(tensor, back, PixelNormalization.Raw(ColorOrder.Bgr));
        back.Pixels.SequenceEqual(image.Pixels).Should().BeTrue();
        var small = () => TensorLayout.ToNchw(image, new float[10], PixelNormalization.Raw(ColorOrder.Rgb));
        small.Should().Throw<ArgumentException>().WithMessage("*10 floats*3x8x40*");
    }
}

public class ColorConversionTests
{

    [Fact]
    public void Convert_sets_the_order_and_copies_when_it_already_matches()
    {
        using var rgb = AffineWarpTests.Noise(7, 3, 1);
        using var bgr = new PixelBuffer(7, 3);
        ColorConversion.Convert(rgb, bgr, ColorOrder.Bgr);
        bgr.Order.Should().Be(ColorOrder.Bgr);
        bgr.Pixels[0].Should().Be(rgb.Pixels[2]);
        using var same = new PixelBuffer(7, 3, ColorOrder.Bgr);
        ColorConversion.Convert(rgb, same, ColorOrder.Rgb);
        same.Pixels.SequenceEqual(rgb.Pixels).Should().BeTrue();
        same.Order.Should().Be(ColorOrder.Rgb);
        using var wrong = new PixelBuffer(3, 7);
        var act = () => ColorConversion.Convert(rgb, wrong, ColorOrder.Rgb);
        act.Should().Throw<ArgumentException>().WithMessage("*7x3*3x7*");
    }
}
