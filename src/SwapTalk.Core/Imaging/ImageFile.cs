using OpenCvSharp;

namespace SwapTalk.Core.Imaging;

/// <summary>An image file that cannot be used: the message names the file and says what is wrong with it.</summary>
public sealed class ImageFileException(string path, string problem, Exception? inner = null)
    : IOException($"{path}: {problem}", inner)
{
    /// <summary>The file, as the caller named it.</summary>
    public string Path { get; } = path;
    /// <summary>What is wrong, without the file name.</summary>
    public string Problem { get; } = problem;
}

/// <summary>
/// Still images (portraits, sheets, stills) read and written through OpenCV: PNG, JPEG, WebP, BMP and
/// TIFF. Before OpenCV sees a byte, <see cref="ImageHeader"/> checks the file is complete and declares a
/// size within <see cref="MaxSide"/> and <see cref="MaxPixels"/>, so a corrupt, truncated or huge file
/// gets an <see cref="ImageFileException"/> naming it, never a crash, a half-grey picture or an
/// out-of-memory. (OpenCV's own limit, OPENCV_IO_MAX_IMAGE_PIXELS, is 2^30 pixels by default and is
/// read from the native environment, which .NET cannot change after start-up.)
/// </summary>
public static class ImageFile
{
    /// <summary>The longest side accepted.</summary>
    public const int MaxSide = 16384;
    /// <summary>The most pixels accepted: 64 MP (192 MB decoded), beyond any portrait camera.</summary>
    public const long MaxPixels = 64L * 1024 * 1024;
    /// <summary>The largest file read.</summary>
    public const long MaxFileBytes = 512L * 1024 * 1024;

    /// <summary>Reads and decodes <paramref name="path"/> into a new buffer in <paramref name="order"/>.</summary>
    public static PixelBuffer Read(string path, ColorOrder order = ColorOrder.Rgb) => Decode(ReadBytes(path), path, order);

    /// <summary>As <see cref="Read"/>, reading the file asynchronously.</summary>
    public static async Task<PixelBuffer> ReadAsync(string path, ColorOrder order = ColorOrder.Rgb, CancellationToken cancellationToken = default)
    {
        CheckLength(path);
        byte[] bytes;
        try { bytes = await File.ReadAllBytesAsync(path, cancellationToken); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ImageFileException(path, $"cannot be read: {e.Message}", e);
        }
        return Decode(bytes, path, order);
    }

    /// <summary>Decodes an encoded image; <paramref name="name"/> names it in errors.</summary>
    public static PixelBuffer Decode(ReadOnlySpan<byte> encoded, string name, ColorOrder order = ColorOrder.Rgb)
    {
        ImageHeader header;
        try { header = ImageHeader.Read(encoded); }
        catch (InvalidDataException e) { throw new ImageFileException(name, e.Message, e); }
        if (header.Width <= 0 || header.Height <= 0)
            throw new ImageFileException(name, $"declares an empty {header.Format} image ({header.Width}x{header.Height})");
        if (header.Width > MaxSide || header.Height > MaxSide || (long)header.Width * header.Height > MaxPixels)
            throw new ImageFileException(name,
                $"declares a {header.Width}x{header.Height} {header.Format} image; at most {MaxSide} pixels a side and {MaxPixels / (1024 * 1024)} megapixels are accepted");

        CvMat.EnsureLoaded();
        // IMREAD_COLOR: 8-bit BGR whatever is stored (grey, alpha, 16-bit), EXIF orientation applied.
        using var decoded = Cv2.ImDecode(encoded, ImreadModes.Color);
        if (decoded.Empty() || decoded.Type() != MatType.CV_8UC3)
            throw new ImageFileException(name, $"is a corrupt {header.Format} file (OpenCV could not decode its {header.Width}x{header.Height} pixels)");
        var rotated = decoded.Width == header.Height && decoded.Height == header.Width;
        if (!rotated && (decoded.Width != header.Width || decoded.Height != header.Height))
            throw new ImageFileException(name, $"declares {header.Width}x{header.Height} but decodes to {decoded.Width}x{decoded.Height}");

        var image = new PixelBuffer(decoded.Width, decoded.Height, order);
        using var target = image.AsMat();
        if (order == ColorOrder.Bgr) decoded.CopyTo(target);
        else Cv2.CvtColor(decoded, target, ColorConversionCodes.BGR2RGB);
        return image;
    }

    /// <summary>Encodes the image in the format <paramref name="extension"/> names (".png", ".jpg", ".webp", ".bmp", ".tif").</summary>
    public static byte[] Encode(PixelBuffer image, string extension = ".png")
    {
        using var bgr = ToBgr(image);
        if (!Cv2.ImEncode(extension, bgr, out var bytes))
            throw new ArgumentException($"OpenCV cannot encode a {image.Width}x{image.Height} image as '{extension}'", nameof(extension));
        return bytes;
    }

    /// <summary>Writes the image, its format from the file's extension; atomically (a temporary file, then a rename), so a half-written file is never left under <paramref name="path"/>.</summary>
    public static void Write(string path, PixelBuffer image)
    {
        var extension = System.IO.Path.GetExtension(path);
        if (string.IsNullOrEmpty(extension)) throw new ArgumentException($"{path}: no extension to choose the image format by (.png, .jpg, .webp, .bmp, .tif)", nameof(path));
        var bytes = Encode(image, extension);
        var full = System.IO.Path.GetFullPath(path);
        var dir = System.IO.Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        var temp = System.IO.Path.Combine(dir, $".{System.IO.Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllBytes(temp, bytes);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    private static byte[] ReadBytes(string path)
    {
        CheckLength(path);
        try { return File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ImageFileException(path, $"cannot be read: {e.Message}", e);
        }
    }

    private static void CheckLength(string path)
    {
        FileInfo info;
        try { info = new FileInfo(path); }
        catch (Exception e) when (e is ArgumentException or PathTooLongException or NotSupportedException)
        {
            throw new ImageFileException(path, $"is not a usable file name: {e.Message}", e);
        }
        if (!info.Exists) throw new ImageFileException(path, Directory.Exists(path) ? "is a folder, not an image file" : "does not exist");
        if (info.Length > MaxFileBytes) throw new ImageFileException(path, $"is {info.Length} bytes; image files over {MaxFileBytes / (1024 * 1024)} MB are not read");
    }

    /// <summary>The image as a BGR Mat: a view when it already is BGR, else a converted copy. Dispose it.</summary>
    internal static Mat ToBgr(PixelBuffer image)
    {
        var view = image.AsMat();
        if (image.Order == ColorOrder.Bgr) return view;
        using (view)
        {
            var bgr = new Mat();
            Cv2.CvtColor(view, bgr, ColorConversionCodes.RGB2BGR);
            return bgr;
        }
    }
}
