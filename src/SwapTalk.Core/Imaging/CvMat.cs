using OpenCvSharp;

namespace SwapTalk.Core.Imaging;

/// <summary>
/// The bridge from the project's image types to OpenCV: a <see cref="Mat"/> header over a
/// <see cref="PixelBuffer"/>'s or <see cref="MaskBuffer"/>'s own array (pinned for the Mat's life, not
/// copied). Dispose the Mat before the buffer. Every OpenCV call in the project goes through here first,
/// so the library is set up once: one OpenCV thread per call (stages run frames in parallel, one per
/// core) and a clear error where the native library cannot load.
/// </summary>
public static class CvMat
{
    private static readonly Lazy<bool> Ready = new(Initialize, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Loads OpenCV's native library and sets it up; throws <see cref="InvalidOperationException"/> naming the fix where it cannot load.</summary>
    public static void EnsureLoaded() => _ = Ready.Value;

    /// <summary>A 3-channel 8-bit Mat over the image's pixels (writes go into the buffer).</summary>
    public static Mat AsMat(this PixelBuffer image)
    {
        EnsureLoaded();
        return Mat.FromPixelData(image.Height, image.Width, MatType.CV_8UC3, image.Data, image.Stride);
    }

    /// <summary>A 1-channel 8-bit Mat over the mask's weights (writes go into the buffer).</summary>
    public static Mat AsMat(this MaskBuffer mask)
    {
        EnsureLoaded();
        return Mat.FromPixelData(mask.Height, mask.Width, MatType.CV_8UC1, mask.Data, mask.Stride);
    }

    /// <summary>A Mat over <paramref name="region"/> of the image: drawing into it is clipped at the region's edge.</summary>
    public static Mat AsMat(this PixelBuffer image, RectI region)
    {
        using var whole = image.AsMat();
        return new Mat(whole, new Rect(region.X, region.Y, region.Width, region.Height));
    }

    /// <summary>OpenCV's border mode for ours.</summary>
    public static BorderTypes ToCv(this BorderMode border) => border switch
    {
        BorderMode.Constant => BorderTypes.Constant,
        BorderMode.Replicate => BorderTypes.Replicate,
        BorderMode.Reflect => BorderTypes.Reflect101,
        _ => throw new ArgumentOutOfRangeException(nameof(border), border, "unknown border mode"),
    };

    /// <summary>The 2x3 matrix OpenCV's warps take (CV_64F).</summary>
    public static Mat ToMat(this Affine2x3 m)
    {
        EnsureLoaded();
        var mat = new Mat(2, 3, MatType.CV_64FC1);
        mat.Set(0, 0, m.M11); mat.Set(0, 1, m.M12); mat.Set(0, 2, m.M13);
        mat.Set(1, 0, m.M21); mat.Set(1, 1, m.M22); mat.Set(1, 2, m.M23);
        return mat;
    }

    private static bool Initialize()
    {
        try
        {
            Cv2.SetNumThreads(1);
            return true;
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or BadImageFormatException or EntryPointNotFoundException)
        {
            throw new InvalidOperationException(
                "OpenCV's native library (libOpenCvSharpExtern.so from OpenCvSharp4.official.runtime.linux-x64) could not be loaded; " +
                $"it needs the Debian package libgtk-3-0 (run scripts/setup.sh): {e.GetBaseException().Message}", e);
        }
    }
}
