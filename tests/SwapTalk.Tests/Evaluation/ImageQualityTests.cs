using OpenCvSharp;
using SwapTalk.Core.Evaluation;
using SwapTalk.Core.Imaging;

namespace SwapTalk.Tests.Evaluation;

/// <summary>SSIM and PSNR on images whose answer is known.</summary>
public sealed class ImageQualityTests
{
    private static PixelBuffer Pattern(int width, int height, Func<int, int, int> value)
    {
        var image = new PixelBuffer(width, height, ColorOrder.Bgr);
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
                for (var c = 0; c < 3; c++)
                    image.Pixels[(y * width + x) * 3 + c] = (byte)Math.Clamp(value(x, y), 0, 255);
        return image;
    }

    private static Mat Mask(int width, int height, Rect inside)
    {
        var mask = new Mat(height, width, MatType.CV_8UC1, Scalar.All(0));
        if (inside.Width == 0 || inside.Height == 0) return mask;
        using var region = new Mat(mask, inside);
        region.SetTo(Scalar.All(255));
        return mask;
    }

    [Fact]
    public void A_uniform_offset_of_10_has_MSE_100_and_PSNR_28_13_dB()
    {
        using var a = Pattern(64, 48, (x, y) => 100 + (x * 7 + y * 3) % 50);
        using var b = Pattern(64, 48, (x, y) => 110 + (x * 7 + y * 3) % 50);
        using var mask = Mask(64, 48, new Rect(16, 12, 32, 24));
        var q = ImageQuality.Compare(a, b, mask);
        q.MseFace.Should().BeApproximately(100, 1e-9);
        q.MseOutside.Should().BeApproximately(100, 1e-9);
        ImageQuality.Psnr(100).Should().BeApproximately(10 * Math.Log10(65025.0 / 100), 1e-12).And.BeApproximately(28.1308, 1e-4);
        ImageQuality.Psnr(0).Should().Be(double.PositiveInfinity);
    }

    [Fact]
    public void SSIM_is_1_for_identical_images_and_drops_only_where_they_differ()
    {
        using var a = Pattern(96, 96, (x, y) => ((x / 4 + y / 4) % 2) * 200 + 20);
        // Noise inside the centre square only.
        var random = new Random(7);
        using var b = Pattern(96, 96, (x, y) => x is >= 32 and < 64 && y is >= 32 and < 64 ? random.Next(0, 256) : ((x / 4 + y / 4) % 2) * 200 + 20);
        using var mask = Mask(96, 96, new Rect(32, 32, 32, 32));
        var same = ImageQuality.Compare(a, a, mask);
        same.SsimFace.Should().BeApproximately(1, 1e-12);
        same.SsimOutside.Should().BeApproximately(1, 1e-12);
        var noisy = ImageQuality.Compare(a, b, mask);
        noisy.SsimFace.Should().BeLessThan(0.3);
        noisy.SsimOutside.Should().BeGreaterThan(0.8, "only the window's reach around the square sees the noise");
    }

    [Fact]
    public void An_empty_face_mask_leaves_the_inside_unmeasured()
    {
        using var a = Pattern(32, 32, (x, y) => x * 8);
        using var mask = Mask(32, 32, new Rect(0, 0, 0, 0));
        var q = ImageQuality.Compare(a, a, mask);
        q.SsimFace.Should().BeNull();
        q.MseFace.Should().BeNull();
        q.SsimOutside.Should().BeApproximately(1, 1e-12);
        ImageQuality.Sharpness(a, mask).Should().BeNull();
    }
}
