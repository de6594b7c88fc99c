using System.Buffers.Binary;
using OpenCvSharp;
using SwapTalk.Core.Imaging;
using SwapTalk.Tests.Support;

namespace SwapTalk.Tests.Imaging;

public class ImageFileTests
{
    /// <summary>A 61x37 BGR test card: gradients and a few hard edges (odd sizes catch stride mistakes).</summary>
    private static Mat Card()
    {
        var mat = new Mat(37, 61, MatType.CV_8UC3);
        for (var y = 0; y < 37; y++)
            for (var x = 0; x < 61; x++)
                mat.Set(y, x, new Vec3b((byte)(x * 4), (byte)(y * 6), (byte)(x < 30 ? 40 : 220)));
        return mat;
    }

    private static byte[] Encoded(string extension, Mat? image = null)
    {
        using var card = Card();
        Cv2.ImEncode(extension, image ?? card, out var bytes).Should().BeTrue();
        return bytes;
    }

    private static string Write(string name, byte[] bytes)
    {
        var dir = Path.Combine(Path.GetTempPath(), "swaptalk-imagefile-tests");
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, $"{Guid.NewGuid():N}-{name}");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Theory]
    [InlineData(".png", ImageFormat.Png, 0)]
    [InlineData(".bmp", ImageFormat.Bmp, 0)]
    [InlineData(".tif", ImageFormat.Tiff, 0)]
    [InlineData(".webp", ImageFormat.WebP, 6)] // lossy by default: mean error
    [InlineData(".jpg", ImageFormat.Jpeg, 6)]
    public void Reads_each_supported_format_in_either_channel_order(string extension, ImageFormat format, int meanError)
    {
        var path = Write("card" + extension, Encoded(extension));
        ImageHeader.Read(File.ReadAllBytes(path)).Should().Be(new ImageHeader(format, 61, 37));
        using var card = Card();
        using var bgr = ImageFile.Read(path, ColorOrder.Bgr);
        using var rgb = ImageFile.Read(path, ColorOrder.Rgb);
        (bgr.Width, bgr.Height, bgr.Order, rgb.Order).Should().Be((61, 37, ColorOrder.Bgr, ColorOrder.Rgb));
        long total = 0;
        for (var y = 0; y < 37; y++)
            for (var x = 0; x < 61; x++)
            {
                var want = card.At<Vec3b>(y, x);
                var i = (y * 61 + x) * 3;
                for (var c = 0; c < 3; c++)
                {
                    total += Math.Abs(bgr.Pixels[i + c] - want[c]);
                    rgb.Pixels[i + c].Should().Be(bgr.Pixels[i + 2 - c], "RGB is BGR with red and blue swapped");
                }
            }
        ((double)total / (61 * 37 * 3)).Should().BeLessThanOrEqualTo(meanError, "lossless formats are exact, lossy ones close");
    }

    [Fact]
    public void Write_then_read_round_trips_exactly_in_png()
    {
        using var image = new PixelBuffer(33, 17, ColorOrder.Rgb);
        new Random(3).NextBytes(image.Pixels);
        var path = Path.Combine(Path.GetTempPath(), "swaptalk-imagefile-tests", $"{Guid.NewGuid():N}.png");
        ImageFile.Write(path, image);
        using var back = ImageFile.Read(path, ColorOrder.Rgb);
        back.Pixels.SequenceEqual(image.Pixels).Should().BeTrue();
        Directory.GetFiles(Path.GetDirectoryName(path)!, "*.tmp").Should().BeEmpty("the temporary file is renamed, not left behind");
    }

    [Theory]
    [InlineData(".png")]
    [InlineData(".jpg")]
    [InlineData(".webp")]
    [InlineData(".bmp")]
    [InlineData(".tif")]
    public void A_truncated_file_is_refused_naming_it(string extension)
    {
        var bytes = Encoded(extension);
        var path = Write("cut" + extension, bytes[..(bytes.Length * 2 / 3)]);
        var act = () => ImageFile.Read(path);
        act.Should().Throw<ImageFileException>().Which.Message.Should().StartWith(path).And.Contain("truncated");
    }

    [Fact]
    public void Zero_bytes_garbage_and_missing_files_are_refused_naming_them()
    {
        var empty = Write("empty.png", []);
        FluentActions.Invoking(() => ImageFile.Read(empty)).Should().Throw<ImageFileException>()
            .Which.Message.Should().Be($"{empty}: is empty (0 bytes)");
        var text = Write("notes.png", "not an image at all"u8.ToArray());
        FluentActions.Invoking(() => ImageFile.Read(text)).Should().Throw<ImageFileException>()
            .Which.Message.Should().Contain(text).And.Contain("unknown signature");
        var missing = Path.Combine(Path.GetTempPath(), "swaptalk-imagefile-tests", "no-such.png");
        FluentActions.Invoking(() => ImageFile.Read(missing)).Should().Throw<ImageFileException>()
            .Which.Message.Should().Be($"{missing}: does not exist");
    }

    [Fact]
    public void A_png_with_corrupt_pixel_data_is_refused_naming_it()
    {
        var bytes = Encoded(".png");
        // Scramble the compressed pixels inside IDAT (after the 8-byte signature and 25-byte IHDR chunk),
        // keeping every chunk length intact: the structure is whole, the zlib stream is not.
        var idat = 8 + 25;
        BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(idat + 4)).Should().Be(0x49444154u, "IDAT follows IHDR");
        for (var i = idat + 10; i < idat + 8 + BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(idat)) - 2; i++) bytes[i] ^= 0x5A;
        var path = Write("corrupt.png", bytes);
        FluentActions.Invoking(() => ImageFile.Read(path)).Should().Throw<ImageFileException>()
            .Which.Message.Should().StartWith(path).And.Contain("corrupt");
    }

    [Theory]
    [InlineData(".png")]
    [InlineData(".bmp")]
    public void A_file_declaring_30000x30000_is_refused_before_decoding(string extension)
    {
        var bytes = Encoded(extension);
        if (extension == ".png")
        {
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(16), 30000);
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(20), 30000);
        }
        else
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(18), 30000);
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(22), 30000);
            Array.Resize(ref bytes, bytes.Length + (1 << 20)); // far short of 30000 rows of pixels: refused as well
        }
        var path = Write("huge" + extension, bytes);
        var before = GC.GetTotalAllocatedBytes();
        FluentActions.Invoking(() => ImageFile.Read(path)).Should().Throw<ImageFileException>()
            .Which.Message.Should().StartWith(path);
        if (extension == ".png")
            FluentActions.Invoking(() => ImageFile.Read(path)).Should().Throw<ImageFileException>()
                .Which.Message.Should().Contain("declares a 30000x30000 Png image");
        (GC.GetTotalAllocatedBytes() - before).Should().BeLessThan(64L << 20, "nothing near 2.7 GB of pixels is allocated");
    }

    [Fact]
    public void The_shared_portrait_decodes_exactly_as_ffmpeg_does()
    {
        var path = SharedData.Face;
        using var image = ImageFile.Read(path, ColorOrder.Rgb);
        (image.Width, image.Height).Should().Be((512, 512));
        var psi = new System.Diagnostics.ProcessStartInfo("ffmpeg") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-nostdin", "-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "rgb24", "-" }) psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi)!;
        using var ms = new MemoryStream();
        p.StandardOutput.BaseStream.CopyTo(ms);
        p.WaitForExit();
        ms.ToArray().AsSpan().SequenceEqual(image.Pixels).Should().BeTrue();
    }
}
