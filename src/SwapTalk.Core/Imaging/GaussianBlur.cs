using OpenCvSharp;

namespace SwapTalk.Core.Imaging;

/// <summary>Gaussian blur of 8-bit images and masks with OpenCV, borders mirrored without repeating the edge pixel (BORDER_REFLECT_101).</summary>
public static class GaussianBlur
{
    /// <summary>The kernel radius used when none is given: ceil(3 sigma), covering 99.7% of the weight.</summary>
    public static int DefaultRadius(double sigma) => (int)Math.Ceiling(3 * sigma);

    public static void Run(PixelBuffer source, PixelBuffer destination, double sigma, int? radius = null)
    {
        Check(source.Width, source.Height, destination.Width, destination.Height, sigma, radius);
        destination.Order = source.Order;
        using var src = source.AsMat();
        using var dst = destination.AsMat();
        Blur(src, dst, sigma, radius);
    }

    public static void Run(MaskBuffer source, MaskBuffer destination, double sigma, int? radius = null)
    {
        Check(source.Width, source.Height, destination.Width, destination.Height, sigma, radius);
        using var src = source.AsMat();
        using var dst = destination.AsMat();
        Blur(src, dst, sigma, radius);
    }

    private static void Blur(Mat src, Mat dst, double sigma, int? radius)
    {
        var r = radius ?? DefaultRadius(sigma);
        Cv2.GaussianBlur(src, dst, new Size(2 * r + 1, 2 * r + 1), sigma, sigma, BorderTypes.Reflect101);
    }

    private static void Check(int sw, int sh, int dw, int dh, double sigma, int? radius)
    {
        if (sw != dw || sh != dh)
            throw new ArgumentException($"blur needs equal sizes: source {sw}x{sh}, destination {dw}x{dh}");
        if (!(sigma > 0) || !double.IsFinite(sigma))
            throw new ArgumentOutOfRangeException(nameof(sigma), $"blur sigma must be a positive number of pixels, got {sigma}");
        if (radius is < 0) throw new ArgumentOutOfRangeException(nameof(radius), $"blur radius must be >= 0 pixels, got {radius}");
    }
}
