using System.Collections.Concurrent;
using SwapTalk.Core.Imaging;

namespace SwapTalk.Core.Media;

/// <summary>
/// One decoded frame: its index on the constant-rate grid, its presentation time (index / rate,
/// seconds from the stream's first frame) and its pixels. Dispose it when done: its buffer goes
/// back to the reader's pool, which keeps memory flat however long the clip.
/// </summary>
public sealed class VideoFrame : IDisposable
{
    private readonly FramePool? _pool;
    private byte[]? _buffer;

    internal VideoFrame(long index, double time, int width, int height, ColorOrder order, byte[] buffer, FramePool? pool)
    {
        Index = index;
        Time = time;
        _buffer = buffer;
        _pool = pool;
        Image = new PixelBuffer(width, height, buffer, order);
    }

    public long Index { get; }
    public double Time { get; }

    /// <summary>The pixels (packed 8-bit, 3 channels). Valid until the frame is disposed; copy with Clone() to keep.</summary>
    public PixelBuffer Image { get; }

    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer is not null) _pool?.Return(buffer);
    }
}

/// <summary>
/// A bounded pool of frame-sized buffers: at most <see cref="Capacity"/> are kept for reuse. It
/// never blocks (a consumer that holds many frames gets fresh buffers rather than a deadlock);
/// <see cref="Allocated"/> counts buffers ever created, so tests can see memory stays flat.
/// </summary>
public sealed class FramePool(int frameBytes, int capacity)
{
    private readonly ConcurrentBag<byte[]> _free = [];
    private int _allocated;

    public int FrameBytes { get; } = frameBytes;
    public int Capacity { get; } = capacity;
    public int Allocated => Volatile.Read(ref _allocated);

    public byte[] Rent()
    {
        if (_free.TryTake(out var buffer)) return buffer;
        Interlocked.Increment(ref _allocated);
        return GC.AllocateUninitializedArray<byte>(FrameBytes);
    }

    public void Return(byte[] buffer)
    {
        if (buffer.Length == FrameBytes && _free.Count < Capacity) _free.Add(buffer);
    }
}
