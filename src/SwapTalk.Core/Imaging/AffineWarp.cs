using OpenCvSharp;

namespace SwapTalk.Core.Imaging;

/// <summary>What a sample outside the source image reads.</summary>
public enum BorderMode
{
    /// <summary>A fixed value (OpenCV's BORDER_CONSTANT).</summary>
    Constant,
    /// <summary>The nearest edge pixel (OpenCV's BORDER_REPLICATE).</summary>
    Replicate,
    /// <summary>The image mirrored at its edges without repeating the edge pixel (OpenCV's BORDER_REFLECT_101).</summary>
    Reflect,
}

/// <summary>
/// Bilinear affine warp of packed 3-channel images with OpenCV's warpAffine (INTER_LINEAR: positions
/// and weights in fixed point, so results are the same on every run and thread). OpenCV, not a kernel
/// of the project's own: the same-run benchmark and the 1080p stage shares in docs/kernels.md decide it.
/// </summary>
public static class AffineWarp
{
    /// <summary>
    /// Fills <paramref name="destination"/> from <paramref name="source"/>, where
    /// <paramref name="sourceToDestination"/> maps source pixel coordinates to destination ones
    /// (the matrix warpAffine takes; e.g. an aligned face's frame-to-crop matrix).
    /// </summary>
    public static void Run(PixelBuffer source, PixelBuffer destination, Affine2x3 sourceToDestination,
        BorderMode border = BorderMode.Constant, byte borderValue = 0) =>
        Run(source, destination, RectI.Of(destination), sourceToDestination, border, borderValue);

    /// <summary>As <see cref="Run(PixelBuffer, PixelBuffer, Affine2x3, BorderMode, byte)"/>, writing only <paramref name="destinationRegion"/>.</summary>
    public static void Run(PixelBuffer source, PixelBuffer destination, RectI destinationRegion, Affine2x3 sourceToDestination,
        BorderMode border = BorderMode.Constant, byte borderValue = 0)
    {
        if (destinationRegion.IsEmpty || !RectI.Of(destination).Contains(destinationRegion))
            throw new ArgumentOutOfRangeException(nameof(destinationRegion), $"destination region {destinationRegion} is empty or outside the {destination.Width}x{destination.Height} image");
        if (ReferenceEquals(source, destination) || source.Data == destination.Data)
            throw new ArgumentException("a warp cannot write into its own source image", nameof(destination));
        _ = sourceToDestination.Invert(); // refuses singular and non-finite maps with the matrix in the message
        using var src = source.AsMat();
        using var dst = destination.AsMat(destinationRegion);
        // The region's own origin: shift the map so region pixel (0, 0) is destination pixel (X, Y).
        using var map = sourceToDestination.Then(Affine2x3.Translation(-destinationRegion.X, -destinationRegion.Y)).ToMat();
        Cv2.WarpAffine(src, dst, map, new Size(destinationRegion.Width, destinationRegion.Height),
            InterpolationFlags.Linear, border.ToCv(), new Scalar(borderValue, borderValue, borderValue));
    }
}
