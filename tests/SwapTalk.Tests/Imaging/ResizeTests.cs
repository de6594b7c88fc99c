using SwapTalk.Core.Imaging;

namespace SwapTalk.Tests.Imaging;

public class ResizeTests
{
    [Fact]
    public void Area_shrink_by_two_is_the_mean_of_each_2x2_block()
    {
        using var src = new PixelBuffer(4, 2);
        byte[] values = [0, 10, 20, 30, 40, 50, 60, 70]; // one grey value per pixel
        for (var i = 0; i < 8; i++) src.Pixels.Slice(i * 3, 3).Fill(values[i]);
        using var dst = new PixelBuffer(2, 1);
        Resize.Run(src, dst, ResizeMode.Area);
        dst.Pixels[0].Should().Be(25);  // (0 + 10 + 40 + 50) / 4
        dst.Pixels[3].Should().Be(45);  // (20 + 30 + 60 + 70) / 4
    }

    [Fact]
    public void Bilinear_enlarge_keeps_a_constant_image_constant_and_interpolates_edges()
    {
        using var src = new PixelBuffer(2, 1);
        src.Pixels.Slice(0, 3).Fill(0);
        src.Pixels.Slice(3, 3).Fill(100);
        using var dst = new PixelBuffer(4, 1);
        Resize.Run(src, dst, ResizeMode.Bilinear);
        // pixel-centre alignment: x = 0.25, 0.75 map to -0.25 (clamped), 0.25, 0.75, 1.25 (clamped)
        new[] { dst.Pixels[0], dst.Pixels[3], dst.Pixels[6], dst.Pixels[9] }.Should().Equal(0, 25, 75, 100);
    }

    [Fact]
    public void Regions_outside_the_image_are_rejected_with_their_geometry()
    {
        using var src = new PixelBuffer(10, 10);
        using var dst = new PixelBuffer(5, 5);
        var act = () => Resize.Run(src, new RectI(5, 5, 10, 10), dst, RectI.Of(dst));
        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*10x10+5+5*");
    }

    [Fact]
    public void Nchw_round_trip_swaps_channel_order_and_inverts_normalisation()
    {
        using var image = new PixelBuffer(3, 2, ColorOrder.Rgb);
        new Random(1).NextBytes(image.Pixels);
        var norm = PixelNormalization.MinusOneToOne(ColorOrder.Bgr);
        var tensor = new float[3 * 6];
        TensorLayout.ToNchw(image, tensor, norm);
        tensor[0].Should().BeApproximately(image.Pixels[2] / 127.5f - 1, 1e-6f); // B plane first
        using var back = new PixelBuffer(3, 2, ColorOrder.Rgb);
        TensorLayout.FromNchw(tensor, back, norm);
        back.Pixels.ToArray().Should().Equal(image.Pixels.ToArray());
    }

    public static TheoryData<int, int, int, int, ResizeMode> Sizes() => new()
    {
        { 1920, 1080, 640, 360, ResizeMode.Auto },
        { 97, 61, 300, 200, ResizeMode.Auto },
        { 100, 80, 33, 71, ResizeMode.Area },
        { 64, 64, 160, 160, ResizeMode.Bilinear },
        { 7, 5, 3, 11, ResizeMode.Auto },
    };

    [Fact]
    public void Resizing_onto_an_overlapping_region_of_the_same_buffer_is_refused_but_disjoint_regions_work()
    {
        using var image = AffineWarpTests.Noise(8, 8, 2);
        var overlap = () => Resize.Run(image, new RectI(0, 0, 6, 6), image, new RectI(4, 4, 4, 4));
        overlap.Should().Throw<ArgumentException>().WithMessage("*6x6+0+0*4x4+4+4*overlap*");
        using var copy = image.Clone();
        using var expected = new PixelBuffer(4, 4);
        Resize.Run(copy, new RectI(0, 0, 4, 4), expected, RectI.Of(expected), ResizeMode.Area);
        Resize.Run(image, new RectI(0, 0, 4, 4), image, new RectI(4, 4, 4, 4), ResizeMode.Area);
        for (var y = 0; y < 4; y++)
            image.Pixels.Slice(((4 + y) * 8 + 4) * 3, 12).SequenceEqual(expected.Pixels.Slice(y * 12, 12)).Should().BeTrue();
    }
}
