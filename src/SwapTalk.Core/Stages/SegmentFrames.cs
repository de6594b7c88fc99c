using Microsoft.Win32.SafeHandles;
using SwapTalk.Core.Imaging;
using SwapTalk.Core.Media;

namespace SwapTalk.Core.Stages;

/// <summary>
/// Source frames for a segment's second pass, fetched by source index in output order. Output order may go
/// backwards (ping-pong) or repeat a frame (freeze); implementations keep memory bounded either way.
/// </summary>
internal interface ISourceFrames : IAsyncDisposable
{
    /// <summary>Copies source frame <paramref name="index"/> into <paramref name="destination"/>.</summary>
    ValueTask CopyAsync(long index, PixelBuffer destination, CancellationToken cancellationToken);
}

/// <summary>
/// Frames requested in non-decreasing order (identity, freeze): one streaming read of the source range, the
/// current frame held so a repeat costs a copy, never a second decode.
/// </summary>
internal sealed class StreamedSourceFrames(
    MediaEngine media, MediaInfo info, FrameRange range, StageClock clock) : ISourceFrames
{
    private IAsyncEnumerator<VideoFrame>? _frames;
    private VideoFrame? _current;

    public async ValueTask CopyAsync(long index, PixelBuffer destination, CancellationToken cancellationToken)
    {
        if (index < range.Start || index >= range.End)
            throw new ArgumentOutOfRangeException(nameof(index), $"source frame {index} is outside the segment's source range {range}");
        if (_current is not null && index < _current.Index)
            throw new InvalidOperationException($"source frame {index} requested after frame {_current.Index}; this source only moves forward");
        _frames ??= media.ReadFramesAsync(info, range, new FrameReadOptions { Order = ColorOrder.Bgr }, cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (_current is null || _current.Index < index)
        {
            _current?.Dispose();
            _current = null;
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var more = await _frames.MoveNextAsync();
            clock.Add(PipelineStages.Decode, System.Diagnostics.Stopwatch.GetElapsedTime(started));
            if (!more) throw new InvalidOperationException($"'{info.Path}' ended before source frame {index}");
            _current = _frames.Current;
        }
        _current.Image.Pixels.CopyTo(destination.Pixels);
    }

    public async ValueTask DisposeAsync()
    {
        _current?.Dispose();
        if (_frames is not null) await _frames.DisposeAsync();
    }
}

/// <summary>
/// Frames requested in any order (ping-pong): the source range is decoded once in pass 1 into a scratch file of
/// raw frames (deleted on close) and read back by index, so memory stays one frame whatever the order.
/// </summary>
internal sealed class SpilledSourceFrames : ISourceFrames
{
    private readonly SafeFileHandle _file;
    private readonly FrameRange _range;
    private readonly int _frameBytes;
    private long _written;

    public SpilledSourceFrames(string scratchDirectory, FrameRange range, int width, int height)
    {
        Directory.CreateDirectory(scratchDirectory);
        _range = range;
        _frameBytes = width * height * 3;
        var path = Path.Combine(scratchDirectory, $"frames-{Guid.NewGuid():N}.raw");
        _file = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, FileOptions.DeleteOnClose);
    }

    /// <summary>Appends the next frame of the range (frames must come in order).</summary>
    public void Append(VideoFrame frame)
    {
        var expected = _range.Start + _written;
        if (frame.Index != expected) throw new InvalidOperationException($"spill expected source frame {expected}, got {frame.Index}");
        RandomAccess.Write(_file, frame.Image.Pixels, _written * _frameBytes);
        _written++;
    }

    public bool Wants(long index) => index >= _range.Start && index < _range.End;

    public ValueTask CopyAsync(long index, PixelBuffer destination, CancellationToken cancellationToken)
    {
        if (index < _range.Start || index >= _range.Start + _written)
            throw new ArgumentOutOfRangeException(nameof(index), $"source frame {index} was not decoded into the spill of {_range}");
        var offset = (index - _range.Start) * _frameBytes;
        var pixels = destination.Pixels;
        for (var read = 0; read < _frameBytes;)
        {
            var n = RandomAccess.Read(_file, pixels[read..], offset + read);
            if (n == 0) throw new IOException($"spilled source frame {index} is short ({read} of {_frameBytes} bytes)");
            read += n;
        }
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        _file.Dispose();
        return ValueTask.CompletedTask;
    }
}
