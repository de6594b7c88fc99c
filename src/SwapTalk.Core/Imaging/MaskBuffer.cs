using System.Buffers;
using System.Runtime.CompilerServices;

namespace SwapTalk.Core.Imaging;

/// <summary>
/// A single-channel 8-bit plane, row-major, no padding: blend masks (0 = keep the frame,
/// 255 = take the face crop) and other one-channel maps. Pooled or not, like <see cref="PixelBuffer"/>.
/// </summary>
public sealed class MaskBuffer : IDisposable
{
    private byte[]? _data;
    private readonly bool _pooled;

    public MaskBuffer(int width, int height, bool pooled = false)
    {
        if (width <= 0 || height <= 0)
            throw new ArgumentOutOfRangeException(nameof(width), $"mask size must be positive, got {width}x{height}");
        Width = width;
        Height = height;
        _pooled = pooled;
        _data = pooled ? ArrayPool<byte>.Shared.Rent(width * height) : new byte[width * height];
        if (pooled) Pixels.Clear();
    }

    public int Width { get; }
    public int Height { get; }
    public int Stride => Width;
    public int ByteLength => Width * Height;

    public byte[] Data => _data ?? throw new ObjectDisposedException(nameof(MaskBuffer));

    public Span<byte> Pixels => Data.AsSpan(0, ByteLength);

    public Span<byte> Row(int y) => Data.AsSpan(y * Width, Width);

    public MaskBuffer Clone()
    {
        var copy = new MaskBuffer(Width, Height);
        Pixels.CopyTo(copy.Pixels);
        return copy;
    }

    /// <summary>The smallest rectangle holding every non-zero weight; empty when the mask is all zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public RectI NonZeroBounds()
    {
        int x0 = Width, y0 = Height, x1 = -1, y1 = -1;
        for (var y = 0; y < Height; y++)
        {
            var row = Row(y);
            var first = row.IndexOfAnyExcept((byte)0);
            if (first < 0) continue;
            var last = row.LastIndexOfAnyExcept((byte)0);
            if (y < y0) y0 = y;
            y1 = y;
            x0 = Math.Min(x0, first);
            x1 = Math.Max(x1, last);
        }
        return y1 < 0 ? default : new RectI(x0, y0, x1 - x0 + 1, y1 - y0 + 1);
    }

    public void Dispose()
    {
        var data = Interlocked.Exchange(ref _data, null);
        if (data is not null && _pooled) ArrayPool<byte>.Shared.Return(data);
    }
}
