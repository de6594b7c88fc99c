using SwapTalk.Core.Imaging;
using SwapTalk.Core.Files;

namespace SwapTalk.Core.Media;

/// <summary>
/// Frames in, a video file out: raw frames go through a pipe into ffmpeg, which encodes to H.264
/// (yuv420p, MP4) or the lossless FFV1 intermediate (Matroska). Frame i is stamped i / rate. The file
/// appears under its name only when <see cref="CompleteAsync"/> succeeds (written to a temporary
/// name, then renamed); a writer disposed before that, or failing, leaves nothing behind.
/// </summary>
public sealed class FrameWriter : IAsyncDisposable
{
    private readonly MediaProcess _process;
    private readonly string _tempPath;
    private readonly byte[]? _padded;
    private bool _completed;
    private bool _disposed;

    private FrameWriter(MediaProcess process, string outputPath, string tempPath, FrameWriterSettings settings)
    {
        _process = process;
        OutputPath = outputPath;
        _tempPath = tempPath;
        Settings = settings;
        if (settings.EncodedWidth != settings.Width || settings.EncodedHeight != settings.Height)
            _padded = new byte[settings.EncodedWidth * settings.EncodedHeight * 3];
    }

    public string OutputPath { get; }
    public FrameWriterSettings Settings { get; }
    public long FramesWritten { get; private set; }

    public static FrameWriter Open(MediaTools tools, string outputPath, FrameWriterSettings settings, CancellationToken cancellationToken = default)
    {
        if (settings.Width <= 0 || settings.Height <= 0)
            throw new ArgumentOutOfRangeException(nameof(settings), $"frame size must be positive, got {settings.Width}x{settings.Height}");
        if (!settings.FrameRate.IsValid)
            throw new ArgumentOutOfRangeException(nameof(settings), $"frame rate {settings.FrameRate} is not a positive ratio");
        var full = Path.GetFullPath(outputPath);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = AtomicFile.TempPathFor(full);
        var process = MediaProcess.Start(tools, MediaCommands.WriteFrames(settings, temp, outputPath), keepStdin: true, cancellationToken, framePipes: true);
        return new FrameWriter(process, full, temp, settings);
    }

    /// <summary>Appends one frame; its size and channel order must match the settings.</summary>
    public async ValueTask WriteAsync(PixelBuffer frame, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed || _completed, this);
        if (frame.Width != Settings.Width || frame.Height != Settings.Height)
            throw new ArgumentException($"frame is {frame.Width}x{frame.Height}, the writer for '{OutputPath}' takes {Settings.Width}x{Settings.Height}", nameof(frame));
        if (frame.Order != Settings.InputOrder)
            throw new ArgumentException($"frame is {frame.Order}, the writer for '{OutputPath}' takes {Settings.InputOrder}", nameof(frame));
        ReadOnlyMemory<byte> bytes = _padded is null ? frame.Data.AsMemory(0, frame.ByteLength) : PadToEven(frame);
        try
        {
            await _process.StandardInput.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            // ffmpeg closed its end: it failed; its stderr says why.
            var code = await _process.WaitForExitAsync().ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            throw new MediaException(OutputPath, $"ffmpeg stopped taking frames after {FramesWritten} (exit code {code})", _process.StderrTail(), e);
        }
        FramesWritten++;
    }

    /// <summary>Finishes the file and gives it its name; the writer is done afterwards.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed || _completed, this);
        if (FramesWritten == 0) throw new MediaException(OutputPath, "no frames were written; refusing to create an empty video");
        try { await _process.StandardInput.FlushAsync(cancellationToken).ConfigureAwait(false); }
        catch (IOException) { /* reported by the exit code below */ }
        _process.CloseStdin();
        await _process.WaitForSuccessAsync(cancellationToken, $"ffmpeg failed to finish the video after {FramesWritten} frames").ConfigureAwait(false);
        File.Move(_tempPath, OutputPath, overwrite: true);
        _completed = true;
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        await _process.DisposeAsync().ConfigureAwait(false);
        if (!_completed) TryDelete(_tempPath);
    }

    /// <summary>Copies an odd-sized frame into the even-sized buffer, repeating the last column and row.</summary>
    private byte[] PadToEven(PixelBuffer frame)
    {
        var padded = _padded!;
        int w = frame.Width, h = frame.Height, stride = Settings.EncodedWidth * 3;
        for (var y = 0; y < Settings.EncodedHeight; y++)
        {
            var src = frame.Row(Math.Min(y, h - 1));
            var dst = padded.AsSpan(y * stride, stride);
            src.CopyTo(dst);
            if (Settings.EncodedWidth > w) src.Slice((w - 1) * 3, 3).CopyTo(dst[(w * 3)..]);
        }
        return padded;
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
