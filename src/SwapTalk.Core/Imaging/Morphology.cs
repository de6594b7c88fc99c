using OpenCvSharp;

namespace SwapTalk.Core.Imaging;

/// <summary>
/// Mask erosion with OpenCV: each weight becomes the minimum over a (2r+1) x (2r+1) square around it.
/// The window is clipped at the mask's edges (OpenCV's default border for erode), so edges do not erode by themselves.
/// </summary>
public static class Morphology
{
    public static void Erode(MaskBuffer source, MaskBuffer destination, int radius)
    {
        if (source.Width != destination.Width || source.Height != destination.Height)
            throw new ArgumentException($"erode needs equal sizes: source {source.Width}x{source.Height}, destination {destination.Width}x{destination.Height}");
        if (radius < 0) throw new ArgumentOutOfRangeException(nameof(radius), $"erode radius must be >= 0 pixels, got {radius}");
        using var src = source.AsMat();
        using var dst = destination.AsMat();
        if (radius == 0)
        {
            src.CopyTo(dst);
            return;
        }
        using var square = Cv2.GetStructuringElement(MorphShapes.Rect, new Size(2 * radius + 1, 2 * radius + 1));
        Cv2.Erode(src, dst, square);
    }
}
