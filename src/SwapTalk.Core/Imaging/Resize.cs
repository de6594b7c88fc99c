using OpenCvSharp;

namespace SwapTalk.Core.Imaging;

public enum ResizeMode
{
    /// <summary>Area averaging when shrinking on both axes, else bilinear.</summary>
    Auto,
    Bilinear,
    Area,
}

/// <summary>Resizes a region of one image into a region of another with OpenCV (INTER_LINEAR, pixel-centre aligned; INTER_AREA).</summary>
public static class Resize
{
    public static void Run(PixelBuffer source, PixelBuffer destination, ResizeMode mode = ResizeMode.Auto) =>
        Run(source, RectI.Of(source), destination, RectI.Of(destination), mode);

    public static void Run(PixelBuffer source, RectI sourceRegion, PixelBuffer destination, RectI destinationRegion, ResizeMode mode = ResizeMode.Auto)
    {
        if (sourceRegion.IsEmpty || !RectI.Of(source).Contains(sourceRegion))
            throw new ArgumentOutOfRangeException(nameof(sourceRegion), $"source region {sourceRegion} is empty or outside the {source.Width}x{source.Height} image");
        if (destinationRegion.IsEmpty || !RectI.Of(destination).Contains(destinationRegion))
            throw new ArgumentOutOfRangeException(nameof(destinationRegion), $"destination region {destinationRegion} is empty or outside the {destination.Width}x{destination.Height} image");
        if ((ReferenceEquals(source, destination) || source.Data == destination.Data) && !sourceRegion.Intersect(destinationRegion).IsEmpty)
            throw new ArgumentException($"resize cannot write into its own source region ({sourceRegion} and {destinationRegion} overlap in one buffer)", nameof(destination));
        var shrink = destinationRegion.Width <= sourceRegion.Width && destinationRegion.Height <= sourceRegion.Height;
        var flags = mode switch
        {
            ResizeMode.Area => InterpolationFlags.Area,
            ResizeMode.Bilinear => InterpolationFlags.Linear,
            _ => shrink ? InterpolationFlags.Area : InterpolationFlags.Linear,
        };
        using var src = source.AsMat(sourceRegion);
        using var dst = destination.AsMat(destinationRegion);
        Cv2.Resize(src, dst, new Size(destinationRegion.Width, destinationRegion.Height), 0, 0, flags);
    }
}
