using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace SwapTalk.Core.Stages;

/// <summary>
/// The source latents a job stores once (work/source-latent.bin): the portrait's latent, and for self-driven
/// jobs the lip syncer's fixed reference (the swapped first frame with a face). Little-endian:
/// "STLATNT1", int32 count, int32 C, H, W, then count x C x H x W float32.
/// </summary>
public sealed record SourceLatents(int Channels, int Height, int Width, float[] Source, float[]? Reference)
{
    private static readonly byte[] Magic = "STLATNT1"u8.ToArray();
    private const int HeaderBytes = 8 + 4 * 4;

    public int Values => Channels * Height * Width;

    public async Task WriteAsync(Stream stream, CancellationToken cancellationToken)
    {
        var header = new byte[HeaderBytes];
        Magic.CopyTo(header, 0);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(8), Reference is null ? 1 : 2);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(12), Channels);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(16), Height);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(20), Width);
        await stream.WriteAsync(header, cancellationToken);
        await stream.WriteAsync(MemoryMarshal.AsBytes(Source.AsSpan()).ToArray(), cancellationToken);
        if (Reference is not null) await stream.WriteAsync(MemoryMarshal.AsBytes(Reference.AsSpan()).ToArray(), cancellationToken);
    }

    /// <exception cref="InvalidDataException">The stream is not a source-latent file (the message names <paramref name="name"/>).</exception>
    public static async Task<SourceLatents> ReadAsync(Stream stream, string name, CancellationToken cancellationToken)
    {
        var header = new byte[HeaderBytes];
        await ReadExactly(stream, header, name, cancellationToken);
        if (!header.AsSpan(0, 8).SequenceEqual(Magic)) throw new InvalidDataException($"'{name}' is not a source-latent file (bad magic)");
        var count = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(8));
        var c = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(12));
        var h = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(16));
        var w = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(20));
        if (count is < 1 or > 2 || c is < 1 or > 65536 || h is < 1 or > 4096 || w is < 1 or > 4096)
            throw new InvalidDataException($"'{name}' has an impossible header ({count} latents of {c}x{h}x{w})");
        var source = await ReadFloats(stream, c * h * w, name, cancellationToken);
        var reference = count == 2 ? await ReadFloats(stream, c * h * w, name, cancellationToken) : null;
        return new SourceLatents(c, h, w, source, reference);
    }

    internal static async Task<float[]> ReadFloats(Stream stream, int count, string name, CancellationToken cancellationToken)
    {
        var values = new float[count];
        var bytes = new byte[count * 4];
        await ReadExactly(stream, bytes, name, cancellationToken);
        MemoryMarshal.Cast<byte, float>(bytes).CopyTo(values);
        return values;
    }

    internal static async Task ReadExactly(Stream stream, byte[] buffer, string name, CancellationToken cancellationToken)
    {
        try
        {
            await stream.ReadExactlyAsync(buffer, cancellationToken);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"'{name}' ends early (truncated)", e);
        }
    }
}

/// <summary>
/// Audio features of a whole driving track (work/audio-features.bin), [count, dim] float32 rows at
/// the file's feature rate (Hz), so a segment can read only the rows its frames' windows need. Little-endian:
/// "STFEAT01", int32 dim, int64 count, float64 feature rate, then the rows.
/// </summary>
public static class AudioFeatureFile
{
    private static readonly byte[] Magic = "STFEAT01"u8.ToArray();
    public const int HeaderBytes = 8 + 4 + 8 + 8;

    public static byte[] Header(int dim, long count, double featureRate)
    {
        var header = new byte[HeaderBytes];
        Magic.CopyTo(header, 0);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(8), dim);
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(12), count);
        BinaryPrimitives.WriteDoubleLittleEndian(header.AsSpan(20), featureRate);
        return header;
    }

    public sealed record Info(int Dim, long Count, double FeatureRate);

    public static async Task<Info> ReadHeaderAsync(Stream stream, string name, CancellationToken cancellationToken)
    {
        var header = new byte[HeaderBytes];
        await SourceLatents.ReadExactly(stream, header, name, cancellationToken);
        if (!header.AsSpan(0, 8).SequenceEqual(Magic)) throw new InvalidDataException($"'{name}' is not an audio-feature file (bad magic)");
        var info = new Info(BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(8)), BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(12)),
            BinaryPrimitives.ReadDoubleLittleEndian(header.AsSpan(20)));
        if (info.Dim is < 1 or > 65536 || info.Count < 0 || !(info.FeatureRate > 0))
            throw new InvalidDataException($"'{name}' has an impossible header ({info.Count} features of {info.Dim} at {info.FeatureRate} Hz)");
        return info;
    }

    /// <summary>
    /// Reads rows [start, end) (clamped to the file) from a stream positioned after the header: seeks where the
    /// stream can, else skips. Returns the rows and the first row's index.
    /// </summary>
    public static async Task<(float[] Rows, long First)> ReadRowsAsync(Stream stream, Info info, long start, long end, string name, CancellationToken cancellationToken)
    {
        start = Math.Clamp(start, 0, info.Count);
        end = Math.Clamp(end, start, info.Count);
        var rowBytes = (long)info.Dim * 4;
        var skip = start * rowBytes;
        if (stream.CanSeek) stream.Seek(HeaderBytes + skip, SeekOrigin.Begin);
        else
        {
            var sink = new byte[1 << 16];
            while (skip > 0)
            {
                var n = await stream.ReadAsync(sink.AsMemory(0, (int)Math.Min(sink.Length, skip)), cancellationToken);
                if (n == 0) throw new InvalidDataException($"'{name}' ends early (truncated)");
                skip -= n;
            }
        }
        var rows = await SourceLatents.ReadFloats(stream, checked((int)((end - start) * info.Dim)), name, cancellationToken);
        return (rows, start);
    }
}
