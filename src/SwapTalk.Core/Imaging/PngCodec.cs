using System.Buffers.Binary;
using System.IO.Compression;

namespace SwapTalk.Core.Imaging;

/// <summary>
/// PNG read/write for portraits, contact sheets and plots. No image library restores here
/// (see REGISTRY.md), and PNG needs only zlib (in the BCL) and a CRC-32.
/// Reads 8/16-bit grey, grey+alpha, RGB, RGBA and 8-bit palette images, non-interlaced;
/// alpha is dropped. Writes 8-bit RGB.
/// </summary>
public static class PngCodec
{
    private static ReadOnlySpan<byte> Signature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    public static PixelBuffer Read(string path)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"{path}: cannot read image: {e.Message}", e);
        }
        return Decode(bytes, path);
    }

    public static PixelBuffer Decode(ReadOnlySpan<byte> png, string name = "image")
    {
        if (png.Length < 8 || !png[..8].SequenceEqual(Signature))
            throw new InvalidDataException($"{name}: not a PNG file (bad signature)");
        int pos = 8, width = 0, height = 0, bitDepth = 0, colorType = -1;
        byte[]? palette = null;
        using var idat = new MemoryStream();
        var sawEnd = false;
        while (pos + 12 <= png.Length && !sawEnd)
        {
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(png[pos..]);
            if (length < 0 || pos + 12 + length > png.Length)
                throw new InvalidDataException($"{name}: PNG chunk at byte {pos} runs past the end of the file (truncated?)");
            var type = png.Slice(pos + 4, 4);
            var data = png.Slice(pos + 8, length);
            var crc = BinaryPrimitives.ReadUInt32BigEndian(png[(pos + 8 + length)..]);
            if (Crc32.Compute(png.Slice(pos + 4, 4 + length)) != crc)
                throw new InvalidDataException($"{name}: PNG chunk '{System.Text.Encoding.ASCII.GetString(type)}' has a bad CRC (corrupt file)");
            switch (System.Text.Encoding.ASCII.GetString(type))
            {
                case "IHDR":
                    width = (int)BinaryPrimitives.ReadUInt32BigEndian(data);
                    height = (int)BinaryPrimitives.ReadUInt32BigEndian(data[4..]);
                    bitDepth = data[8];
                    colorType = data[9];
                    if (data[12] != 0) throw new InvalidDataException($"{name}: interlaced PNG is not supported; save it non-interlaced");
                    break;
                case "PLTE": palette = data.ToArray(); break;
                case "IDAT": idat.Write(data); break;
                case "IEND": sawEnd = true; break;
            }
            pos += 12 + length;
        }
        if (width <= 0 || height <= 0) throw new InvalidDataException($"{name}: PNG has no valid IHDR");
        if (!sawEnd) throw new InvalidDataException($"{name}: PNG has no IEND chunk (truncated?)");
        var channels = colorType switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, 6 => 4, _ => 0 };
        if (channels == 0 || !(bitDepth == 8 || (bitDepth == 16 && colorType != 3)))
            throw new InvalidDataException($"{name}: PNG colour type {colorType} with bit depth {bitDepth} is not supported");
        if (colorType == 3 && palette is null) throw new InvalidDataException($"{name}: palette PNG without PLTE chunk");

        var bpp = channels * bitDepth / 8; // bytes per pixel, also the filter's left distance
        var rowBytes = width * bpp;
        var raw = new byte[(rowBytes + 1) * height];
        idat.Position = 0;
        using (var z = new ZLibStream(idat, CompressionMode.Decompress))
        {
            var read = 0;
            while (read < raw.Length)
            {
                var n = z.Read(raw, read, raw.Length - read);
                if (n == 0) throw new InvalidDataException($"{name}: PNG image data is shorter than {width}x{height} (truncated?)");
                read += n;
            }
        }

        var image = new PixelBuffer(width, height, ColorOrder.Rgb);
        var prev = new byte[rowBytes];
        var cur = new byte[rowBytes];
        var output = image.Pixels;
        for (var y = 0; y < height; y++)
        {
            var filter = raw[y * (rowBytes + 1)];
            raw.AsSpan(y * (rowBytes + 1) + 1, rowBytes).CopyTo(cur);
            Unfilter(filter, cur, prev, bpp, name);
            var dst = output.Slice(y * width * 3, width * 3);
            var step = bitDepth / 8; // 16-bit samples: keep the high byte
            for (var x = 0; x < width; x++)
            {
                var s = x * bpp;
                byte r, g, b;
                switch (colorType)
                {
                    case 0: case 4: r = g = b = cur[s]; break;
                    case 3:
                        var i = cur[s] * 3;
                        if (i + 2 >= palette!.Length) throw new InvalidDataException($"{name}: palette index {cur[s]} out of range");
                        r = palette[i]; g = palette[i + 1]; b = palette[i + 2];
                        break;
                    default: r = cur[s]; g = cur[s + step]; b = cur[s + 2 * step]; break;
                }
                dst[x * 3] = r; dst[x * 3 + 1] = g; dst[x * 3 + 2] = b;
            }
            (prev, cur) = (cur, prev);
        }
        return image;
    }

    private static void Unfilter(byte filter, Span<byte> cur, ReadOnlySpan<byte> prev, int bpp, string name)
    {
        switch (filter)
        {
            case 0: break;
            case 1: for (var i = bpp; i < cur.Length; i++) cur[i] += cur[i - bpp]; break;
            case 2: for (var i = 0; i < cur.Length; i++) cur[i] += prev[i]; break;
            case 3:
                for (var i = 0; i < cur.Length; i++)
                    cur[i] += (byte)(((i >= bpp ? cur[i - bpp] : 0) + prev[i]) >> 1);
                break;
            case 4:
                for (var i = 0; i < cur.Length; i++)
                {
                    int a = i >= bpp ? cur[i - bpp] : 0, b = prev[i], c = i >= bpp ? prev[i - bpp] : 0;
                    int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
                    cur[i] += (byte)(pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
                }
                break;
            default: throw new InvalidDataException($"{name}: unknown PNG row filter {filter}");
        }
    }

    /// <summary>Writes 8-bit RGB (BGR input is reordered), atomically (temp file + rename).</summary>
    public static void Write(string path, PixelBuffer image)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = full + ".partial";
        File.WriteAllBytes(temp, Encode(image));
        File.Move(temp, full, overwrite: true);
    }

    public static byte[] Encode(PixelBuffer image)
    {
        int width = image.Width, height = image.Height, rowBytes = width * 3;
        using var compressed = new MemoryStream();
        using (var z = new ZLibStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            var row = new byte[rowBytes + 1];
            var pixels = image.Pixels;
            for (var y = 0; y < height; y++)
            {
                var src = pixels.Slice(y * rowBytes, rowBytes);
                row[0] = 1; // Sub filter: cheap and compresses photos and plots well
                if (image.Order == ColorOrder.Bgr)
                    for (var x = 0; x < rowBytes; x += 3) { row[1 + x] = src[x + 2]; row[2 + x] = src[x + 1]; row[3 + x] = src[x]; }
                else src.CopyTo(row.AsSpan(1));
                for (var i = rowBytes; i > 3; i--) row[i] -= row[i - 3];
                z.Write(row);
            }
        }

        using var png = new MemoryStream();
        png.Write(Signature);
        Span<byte> ihdr = stackalloc byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(ihdr, (uint)width);
        BinaryPrimitives.WriteUInt32BigEndian(ihdr[4..], (uint)height);
        ihdr[8] = 8; ihdr[9] = 2; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;
        WriteChunk(png, "IHDR", ihdr);
        WriteChunk(png, "IDAT", compressed.GetBuffer().AsSpan(0, (int)compressed.Length));
        WriteChunk(png, "IEND", ReadOnlySpan<byte>.Empty);
        return png.ToArray();
    }

    private static void WriteChunk(Stream s, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> head = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(head, (uint)data.Length);
        System.Text.Encoding.ASCII.GetBytes(type, head[4..]);
        s.Write(head);
        s.Write(data);
        var crc = Crc32.Append(Crc32.Compute(head[4..]), data);
        Span<byte> tail = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(tail, crc);
        s.Write(tail);
    }

    /// <summary>CRC-32 (ISO-HDLC, as PNG uses); System.IO.Hashing does not restore here.</summary>
    private static class Crc32
    {
        private static readonly uint[] Table = BuildTable();

        private static uint[] BuildTable()
        {
            var table = new uint[256];
            for (uint n = 0; n < 256; n++)
            {
                var c = n;
                for (var k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
                table[n] = c;
            }
            return table;
        }

        public static uint Compute(ReadOnlySpan<byte> data) => Append(0, data);

        public static uint Append(uint crc, ReadOnlySpan<byte> data)
        {
            var c = ~crc;
            foreach (var b in data) c = Table[(c ^ b) & 0xFF] ^ (c >> 8);
            return ~c;
        }
    }
}
