using OpenCvSharp;
using SwapTalk.Core.Imaging;

namespace SwapTalk.Core.Evaluation;

/// <summary>One frame's image quality against the original: SSIM and PSNR inside and outside the face mask.</summary>
public sealed record FrameQuality(double? SsimFace, double? SsimOutside, double? MseFace, double? MseOutside);

/// <summary>
/// Full-reference image quality with OpenCV. SSIM after Wang, Bovik, Sheikh and Simoncelli (2004): luma,
/// an 11x11 Gaussian window with sigma 1.5, C1 = (0.01 x 255)^2, C2 = (0.03 x 255)^2; the SSIM map is averaged
/// inside and outside the face mask. PSNR from the mean squared error over the region's pixels and all three
/// channels; identical regions have MSE 0 and an infinite PSNR. Sharpness: the variance of the Laplacian of
/// the luma inside the face mask (higher is sharper; compare output and original of the same size).
/// </summary>
public static class ImageQuality
{
    private const double C1 = 0.01 * 255 * 0.01 * 255;
    private const double C2 = 0.03 * 255 * 0.03 * 255;

    /// <summary>The face mask (255 inside): the convex hull of the 68 landmarks, or an empty mask without a face.</summary>
    public static Mat FaceMask(int width, int height, ObservedFace? face)
    {
        var mask = new Mat(height, width, MatType.CV_8UC1, Scalar.All(0));
        if (face is null) return mask;
        var hull = Cv2.ConvexHull(face.Landmarks.Select(p => new Point((int)MathF.Round(p.X), (int)MathF.Round(p.Y))));
        Cv2.FillConvexPoly(mask, hull, Scalar.All(255));
        return mask;
    }

    /// <summary>Compares two BGR frames of one size inside and outside <paramref name="faceMask"/>.</summary>
    public static FrameQuality Compare(PixelBuffer output, PixelBuffer original, Mat faceMask)
    {
        if (output.Width != original.Width || output.Height != original.Height)
            throw new ArgumentException($"frames of {output.Width}x{output.Height} and {original.Width}x{original.Height} cannot be compared pixel by pixel");
        using var a = Wrap(output);
        using var b = Wrap(original);
        using var outside = new Mat();
        Cv2.BitwiseNot(faceMask, outside);
        using var ssim = SsimMap(a, b);
        using var error = SquaredError(a, b);
        var inside = Cv2.CountNonZero(faceMask);
        var rest = Cv2.CountNonZero(outside);
        return new FrameQuality(
            inside > 0 ? Cv2.Mean(ssim, faceMask).Val0 : null,
            rest > 0 ? Cv2.Mean(ssim, outside).Val0 : null,
            inside > 0 ? MeanOverChannels(Cv2.Mean(error, faceMask)) : null,
            rest > 0 ? MeanOverChannels(Cv2.Mean(error, outside)) : null);
    }

    /// <summary>PSNR in dB for 8-bit images from a mean squared error; +infinity for 0.</summary>
    public static double Psnr(double mse) => mse <= 0 ? double.PositiveInfinity : 10 * Math.Log10(255.0 * 255.0 / mse);

    /// <summary>Variance of the Laplacian of the luma inside the mask; null for an empty mask.</summary>
    public static double? Sharpness(PixelBuffer frame, Mat faceMask)
    {
        if (Cv2.CountNonZero(faceMask) == 0) return null;
        using var image = Wrap(frame);
        using var gray = Luma(image);
        using var laplacian = new Mat();
        Cv2.Laplacian(gray, laplacian, MatType.CV_64F);
        Cv2.MeanStdDev(laplacian, out _, out var std, faceMask);
        return std.Val0 * std.Val0;
    }

    /// <summary>The SSIM map (CV_64F) of the luma of two BGR images.</summary>
    public static Mat SsimMap(Mat a, Mat b)
    {
        using var x = Luma(a);
        using var y = Luma(b);
        using var mx = Blur(x);
        using var my = Blur(y);
        using var sxx = Blur(Product(x, x), owned: true);
        using var syy = Blur(Product(y, y), owned: true);
        using var sxy = Blur(Product(x, y), owned: true);
        using var mx2 = Product(mx, mx);
        using var my2 = Product(my, my);
        using var mxy = Product(mx, my);
        using var varX = Difference(sxx, mx2);
        using var varY = Difference(syy, my2);
        using var cov = Difference(sxy, mxy);
        using var num1 = Affine(mxy, 2, C1);
        using var num2 = Affine(cov, 2, C2);
        using var den1 = Sum(mx2, my2, C1);
        using var den2 = Sum(varX, varY, C2);
        using var num = Product(num1, num2);
        using var den = Product(den1, den2);
        var map = new Mat();
        Cv2.Divide(num, den, map);
        return map;
    }

    private static Mat Product(Mat p, Mat q)
    {
        var result = new Mat();
        Cv2.Multiply(p, q, result);
        return result;
    }

    private static Mat Difference(Mat p, Mat q)
    {
        var result = new Mat();
        Cv2.Subtract(p, q, result);
        return result;
    }

    /// <summary>scale x p + offset.</summary>
    private static Mat Affine(Mat p, double scale, double offset)
    {
        var result = new Mat();
        p.ConvertTo(result, MatType.CV_64F, scale, offset);
        return result;
    }

    /// <summary>p + q + offset.</summary>
    private static Mat Sum(Mat p, Mat q, double offset)
    {
        using var sum = new Mat();
        Cv2.Add(p, q, sum);
        return Affine(sum, 1, offset);
    }

    internal static Mat Wrap(PixelBuffer frame) =>
        Mat.FromPixelData(frame.Height, frame.Width, MatType.CV_8UC3, frame.Data, frame.Stride);

    private static Mat Luma(Mat bgr)
    {
        using var gray = new Mat();
        Cv2.CvtColor(bgr, gray, ColorConversionCodes.BGR2GRAY);
        var result = new Mat();
        gray.ConvertTo(result, MatType.CV_64F);
        return result;
    }

    /// <summary>The 11x11 Gaussian window (sigma 1.5); takes ownership of <paramref name="m"/> when asked.</summary>
    private static Mat Blur(Mat m, bool owned = false)
    {
        var result = new Mat();
        Cv2.GaussianBlur(m, result, new Size(11, 11), 1.5, 1.5, BorderTypes.Reflect);
        if (owned) m.Dispose();
        return result;
    }

    private static Mat SquaredError(Mat a, Mat b)
    {
        using var fa = new Mat();
        using var fb = new Mat();
        a.ConvertTo(fa, MatType.CV_64FC3);
        b.ConvertTo(fb, MatType.CV_64FC3);
        using var diff = Difference(fa, fb);
        return Product(diff, diff);
    }

    private static double MeanOverChannels(Scalar s) => (s.Val0 + s.Val1 + s.Val2) / 3;
}
