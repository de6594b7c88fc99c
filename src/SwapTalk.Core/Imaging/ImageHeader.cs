using System.Buffers.Binary;

namespace SwapTalk.Core.Imaging;

public enum ImageFormat
{
    Png,
    Jpeg,
    WebP,
    Bmp,
    Tiff,
}

/// <summary>
/// What an image file says about itself before any pixel is decoded: its format, its declared size, and
/// whether the bytes it declares are all there. <see cref="ImageFile"/> checks this first, so a file that
/// declares 30000x30000 is refused without OpenCV allocating 2.7 GB, and a file cut short is refused
/// rather than decoded into a half-grey picture (libjpeg fills a truncated scan and only warns).
/// </summary>
public readonly record struct ImageHeader(ImageFormat Format, int Width, int Height)
{
    /// <summary>Reads the header; throws <see cref="InvalidDataException"/> with the reason (no file name: the caller adds it).</summary>
    public static ImageHeader Read(ReadOnlySpan<byte> file)
    {
        if (file.Length == 0) throw new InvalidDataException("is empty (0 bytes)");
        if (file.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A])) return Png(file);
        if (file.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF])) return Jpeg(file);
        if (file.Length >= 12 && file.StartsWith("RIFF"u8) && file.Slice(8, 4).SequenceEqual("WEBP"u8)) return WebP(file);
        if (file.StartsWith("BM"u8)) return Bmp(file);
        if (file.StartsWith("II*\0"u8) || file.StartsWith("MM\0*"u8)) return Tiff(file);
        throw new InvalidDataException("is not a PNG, JPEG, WebP, BMP or TIFF image (unknown signature)");
    }

    private static InvalidDataException Truncated(string format, string what) => new($"is a truncated {format} file ({what})");

    private static ImageHeader Png(ReadOnlySpan<byte> f)
    {
        if (f.Length < 33 || !f.Slice(12, 4).SequenceEqual("IHDR"u8)) throw Truncated("PNG", "no complete IHDR chunk");
        var header = new ImageHeader(ImageFormat.Png, BinaryPrimitives.ReadInt32BigEndian(f[16..]), BinaryPrimitives.ReadInt32BigEndian(f[20..]));
        // Walk the chunks: each must fit in the file, and the last must be IEND.
        var pos = 8;
        while (true)
        {
            if (pos + 12 > f.Length) throw Truncated("PNG", $"chunk at byte {pos} is cut off");
            var length = BinaryPrimitives.ReadUInt32BigEndian(f[pos..]);
            if (length > int.MaxValue || pos + 12L + length > f.Length) throw Truncated("PNG", $"chunk at byte {pos} runs past the end");
            if (f.Slice(pos + 4, 4).SequenceEqual("IEND"u8)) return header;
            pos += 12 + (int)length;
        }
    }

    private static ImageHeader Jpeg(ReadOnlySpan<byte> f)
    {
        int pos = 2, width = -1, height = -1;
        while (true)
        {
            while (pos < f.Length && f[pos] == 0xFF && pos + 1 < f.Length && f[pos + 1] == 0xFF) pos++; // fill bytes
            if (pos + 4 > f.Length) throw Truncated("JPEG", "ends inside its headers");
            if (f[pos] != 0xFF) throw new InvalidDataException($"is a corrupt JPEG file (no marker at byte {pos})");
            var marker = f[pos + 1];
            if (marker is 0x01 or >= 0xD0 and <= 0xD7) { pos += 2; continue; }
            var length = BinaryPrimitives.ReadUInt16BigEndian(f[(pos + 2)..]);
            if (length < 2 || pos + 2 + length > f.Length) throw Truncated("JPEG", $"segment at byte {pos} runs past the end");
            if (marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC)
            {
                if (length < 7) throw new InvalidDataException("is a corrupt JPEG file (short frame header)");
                height = BinaryPrimitives.ReadUInt16BigEndian(f[(pos + 5)..]);
                width = BinaryPrimitives.ReadUInt16BigEndian(f[(pos + 7)..]);
            }
            pos += 2 + length;
            if (marker == 0xDA) break; // start of scan: entropy-coded data follows
        }
        if (width < 0) throw new InvalidDataException("is a corrupt JPEG file (no frame header before the scan)");
        // In entropy-coded data every 0xFF is followed by 0x00 or a restart marker, so FF D9 is the end of image.
        if (f[pos..].IndexOf((ReadOnlySpan<byte>)[0xFF, 0xD9]) < 0) throw Truncated("JPEG", "no end-of-image marker after the scan");
        return new ImageHeader(ImageFormat.Jpeg, width, height);
    }

    private static ImageHeader WebP(ReadOnlySpan<byte> f)
    {
        var riff = BinaryPrimitives.ReadUInt32LittleEndian(f[4..]);
        if (8L + riff > f.Length) throw Truncated("WebP", $"RIFF declares {8L + riff} bytes, the file has {f.Length}");
        if (f.Length < 30) throw Truncated("WebP", "no complete image chunk");
        var chunk = f.Slice(12, 4);
        if (chunk.SequenceEqual("VP8 "u8))
            return new(ImageFormat.WebP, BinaryPrimitives.ReadUInt16LittleEndian(f[26..]) & 0x3FFF, BinaryPrimitives.ReadUInt16LittleEndian(f[28..]) & 0x3FFF);
        if (chunk.SequenceEqual("VP8L"u8))
        {
            var bits = BinaryPrimitives.ReadUInt32LittleEndian(f[21..]);
            return new(ImageFormat.WebP, (int)(bits & 0x3FFF) + 1, (int)((bits >> 14) & 0x3FFF) + 1);
        }
        if (chunk.SequenceEqual("VP8X"u8))
            return new(ImageFormat.WebP, (f[24] | f[25] << 8 | f[26] << 16) + 1, (f[27] | f[28] << 8 | f[29] << 16) + 1);
        throw new InvalidDataException("is a corrupt WebP file (unknown first chunk)");
    }

    private static ImageHeader Bmp(ReadOnlySpan<byte> f)
    {
        if (f.Length < 26) throw Truncated("BMP", "no complete header");
        var offset = BinaryPrimitives.ReadUInt32LittleEndian(f[10..]);
        var dib = BinaryPrimitives.ReadUInt32LittleEndian(f[14..]);
        long width, height;
        int bits, compression = 0;
        if (dib == 12)
        {
            width = BinaryPrimitives.ReadUInt16LittleEndian(f[18..]);
            height = BinaryPrimitives.ReadUInt16LittleEndian(f[20..]);
            bits = BinaryPrimitives.ReadUInt16LittleEndian(f[24..]);
        }
        else
        {
            if (f.Length < 34) throw Truncated("BMP", "no complete header");
            width = BinaryPrimitives.ReadInt32LittleEndian(f[18..]);
            height = Math.Abs((long)BinaryPrimitives.ReadInt32LittleEndian(f[22..])); // negative: stored top-down
            bits = BinaryPrimitives.ReadUInt16LittleEndian(f[28..]);
            compression = BinaryPrimitives.ReadInt32LittleEndian(f[30..]);
        }
        // Uncompressed (BI_RGB, BI_BITFIELDS) rows are padded to 4 bytes: the pixel array's size is known.
        if (compression is 0 or 3 && width > 0 && bits is 1 or 4 or 8 or 16 or 24 or 32)
        {
            var need = offset + (width * bits + 31) / 32 * 4 * height;
            if (need > f.Length) throw Truncated("BMP", $"pixels need {need} bytes, the file has {f.Length}");
        }
        return new(ImageFormat.Bmp, (int)Math.Min(width, int.MaxValue), (int)Math.Min(height, int.MaxValue));
    }

    private static ImageHeader Tiff(ReadOnlySpan<byte> f)
    {
        var little = f[0] == (byte)'I';
        if (f.Length < 8) throw Truncated("TIFF", "no complete header");
        long ifd = U32(f, 4, little);
        int count = U16(f, ifd, little);
        long width = -1, height = -1;
        long[]? offsets = null, sizes = null;
        for (var i = 0; i < count; i++)
        {
            var entry = ifd + 2 + 12L * i;
            switch (U16(f, entry, little))
            {
                case 256: width = TiffValues(f, entry, little, 1)[0]; break;
                case 257: height = TiffValues(f, entry, little, 1)[0]; break;
                case 273 or 324: offsets = TiffValues(f, entry, little, int.MaxValue); break; // strip or tile offsets
                case 279 or 325: sizes = TiffValues(f, entry, little, int.MaxValue); break;   // their byte counts
            }
        }
        if (width < 0 || height < 0) throw new InvalidDataException("is a corrupt TIFF file (no width or height tag)");
        if (offsets is not null && sizes is not null)
            for (var i = 0; i < Math.Min(offsets.Length, sizes.Length); i++)
                if (offsets[i] + sizes[i] > f.Length)
                    throw Truncated("TIFF", $"strip {i} needs bytes up to {offsets[i] + sizes[i]}, the file has {f.Length}");
        return new(ImageFormat.Tiff, (int)Math.Min(width, int.MaxValue), (int)Math.Min(height, int.MaxValue));
    }

    /// <summary>The first <paramref name="most"/> values of an IFD entry (SHORT or LONG), inline or at their offset.</summary>
    private static long[] TiffValues(ReadOnlySpan<byte> f, long entry, bool little, int most)
    {
        int type = U16(f, entry + 2, little);
        long n = U32(f, entry + 4, little);
        if (n < 1 || n > 1_000_000) throw new InvalidDataException($"is a corrupt TIFF file ({n} values in one tag)");
        var size = type == 3 ? 2 : 4;
        var at = n * size <= 4 ? entry + 8 : U32(f, entry + 8, little);
        var values = new long[Math.Min(n, most)];
        for (var k = 0; k < values.Length; k++)
            values[k] = type == 3 ? U16(f, at + k * size, little) : U32(f, at + k * size, little);
        return values;
    }

    private static uint U32(ReadOnlySpan<byte> f, long at, bool little) => at < 0 || at + 4 > f.Length
        ? throw Truncated("TIFF", $"field at byte {at} is cut off")
        : little ? BinaryPrimitives.ReadUInt32LittleEndian(f[(int)at..]) : BinaryPrimitives.ReadUInt32BigEndian(f[(int)at..]);

    private static ushort U16(ReadOnlySpan<byte> f, long at, bool little) => at < 0 || at + 2 > f.Length
        ? throw Truncated("TIFF", $"field at byte {at} is cut off")
        : little ? BinaryPrimitives.ReadUInt16LittleEndian(f[(int)at..]) : BinaryPrimitives.ReadUInt16BigEndian(f[(int)at..]);
}
