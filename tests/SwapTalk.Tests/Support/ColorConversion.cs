using OpenCvSharp;

using SwapTalk.Core.Imaging;

namespace SwapTalk.Tests.Support;

/// <summary>Channel order changes (RGB and BGR) with OpenCV, in place or into another buffer.</summary>
public static class ColorConversion
{
    /// <summary>
    /// Writes <paramref name="source"/> into <paramref name="destination"/> (the same buffer is allowed)
    /// in channel order <paramref name="order"/>, swapping red and blue when the orders differ.
    /// </summary>
    public static void Convert(PixelBuffer source, PixelBuffer destination, ColorOrder order)
    {
        if (source.Width != destination.Width || source.Height != destination.Height)
            throw new ArgumentException($"colour conversion needs equal sizes: source {source.Width}x{source.Height}, destination {destination.Width}x{destination.Height}");
        if (source.Order == order)
        {
            if (source.Data != destination.Data) source.Pixels.CopyTo(destination.Pixels);
        }
        else
        {
            using var src = source.AsMat();
            using var dst = destination.AsMat();
            Cv2.CvtColor(src, dst, ColorConversionCodes.BGR2RGB); // the same swap both ways
        }
        destination.Order = order;
    }
}
