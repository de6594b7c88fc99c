using System.Buffers;

namespace SwapTalk.Core.Imaging;

/// <summary>Channel order of packed 8-bit 3-channel pixels.</summary>
public enum ColorOrder
{
    Rgb,
    Bgr,
}

/// <summary>
/// A packed, row-major, 8-bit, 3-channel image with no row padding (stride = width * 3).
/// The backing array may be longer than the image (pooled buffers); use <see cref="Pixels"/>.
/// This is the one frame type shared by media (decode/encode), vision kernels and stages.
/// </summary>
public sealed class PixelBuffer : IDisposable
{
    private byte[]? _data;
    private readonly bool _pooled;

    public PixelBuffer(int width, int height, ColorOrder order = ColorOrder.Rgb, bool pooled = false)
    {
        if (width <= 0 || height <= 0)
            throw new ArgumentOutOfRangeException(nameof(width), $"image size must be positive, got {width}x{height}");
        Width = width;
        Height = height;
        Order = order;
        _pooled = pooled;
        _data = pooled ? ArrayPool<byte>.Shared.Rent(width * height * 3) : new byte[width * height * 3];
    }

    /// <summary>Wraps an existing array (not pooled, not copied).</summary>
    public PixelBuffer(int width, int height, byte[] data, ColorOrder order = ColorOrder.Rgb)
    {
        if (width <= 0 || height <= 0)
            throw new ArgumentOutOfRangeException(nameof(width), $"image size must be positive, got {width}x{height}");
        if (data.Length < width * height * 3)
            throw new ArgumentException($"buffer of {data.Length} bytes is smaller than {width}x{height}x3", nameof(data));
        Width = width;
        Height = height;
        Order = order;
        _data = data;
    }

    public int Width { get; }
    public int Height { get; }
    public ColorOrder Order { get; set; }
    public int Stride => Width * 3;
    public int ByteLength => Width * Height * 3;

    /// <summary>The backing array (may be longer than <see cref="ByteLength"/>).</summary>
    public byte[] Data => _data ?? throw new ObjectDisposedException(nameof(PixelBuffer));

    public Span<byte> Pixels => Data.AsSpan(0, ByteLength);

    public Span<byte> Row(int y) => Data.AsSpan(y * Stride, Stride);

    public PixelBuffer Clone()
    {
        var copy = new PixelBuffer(Width, Height, Order);
        Pixels.CopyTo(copy.Pixels);
        return copy;
    }

    public void Dispose()
    {
        var data = Interlocked.Exchange(ref _data, null);
        if (data is not null && _pooled) ArrayPool<byte>.Shared.Return(data);
    }
}
