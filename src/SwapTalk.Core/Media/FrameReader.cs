using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace SwapTalk.Core.Media;

/// <summary>
/// Streams frames [start, end) of a video as packed 8-bit RGB/BGR buffers through a pipe from
/// ffmpeg. Frame-exact for any start (see <see cref="FrameReadPlan"/>), rotation applied, variable
/// rate mapped onto the constant-rate grid. A small read-ahead overlaps decoding with the
/// consumer's work; buffers come from a bounded pool, so memory does not grow with clip length.
/// </summary>
public sealed class FrameReader(MediaTools tools)
{
    /// <summary>Frames of <paramref name="media"/> (all, or <paramref name="range"/>). Dispose each frame.</summary>
    public IAsyncEnumerable<VideoFrame> ReadAsync(MediaInfo media, FrameRange? range = null, FrameReadOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new FrameReadOptions();
        var plan = FrameReadPlan.Create(media, range, options);
        return ReadAsync(plan, options, cancellationToken);
    }

    /// <summary>Frames of a prepared plan.</summary>
    public async IAsyncEnumerable<VideoFrame> ReadAsync(FrameReadPlan plan, FrameReadOptions options, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var pool = new FramePool(plan.FrameBytes, Math.Max(1, options.PoolCapacity));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var channel = Channel.CreateBounded<VideoFrame>(new BoundedChannelOptions(Math.Max(1, options.ReadAhead))
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        var process = MediaProcess.Start(tools, MediaCommands.ReadFrames(plan), keepStdin: false, stop.Token, framePipes: true);
        var pump = Task.Factory.StartNew(() => Pump(process, plan, pool, channel.Writer, stop.Token),
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try
        {
            await foreach (var frame in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                yield return frame;
            await pump.ConfigureAwait(false);
        }
        finally
        {
            // Early exit, error or cancel: stop ffmpeg, then hand back frames nobody will read.
            await stop.CancelAsync().ConfigureAwait(false);
            process.Kill();
            try { await pump.ConfigureAwait(false); }
            catch (Exception) when (stop.IsCancellationRequested) { /* the consumer's exception or cancellation wins */ }
            while (channel.Reader.TryRead(out var unread)) unread.Dispose();
            await process.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Runs on a thread of its own and reads the pipe with blocking reads: a 6 MB 1080p frame arrives in
    /// pipe-sized pieces, and blocking reads cost measurably less CPU per piece than async ones (epoll and a
    /// thread-pool hop each), which matters when the frame pipe is the engine's overhead over plain ffmpeg.
    /// Cancellation kills ffmpeg, which ends the read with end-of-file.
    /// </summary>
    private static void Pump(MediaProcess process, FrameReadPlan plan, FramePool pool, ChannelWriter<VideoFrame> writer, CancellationToken cancellationToken)
    {
        Exception? failure = null;
        try
        {
            var output = process.StandardOutput;
            for (var index = plan.Start; index < plan.End; index++)
            {
                var buffer = pool.Rent();
                var read = output.ReadAtLeast(buffer.AsSpan(0, plan.FrameBytes), plan.FrameBytes, throwOnEndOfStream: false);
                if (read < plan.FrameBytes)
                {
                    pool.Return(buffer);
                    var code = process.WaitForExitAsync().GetAwaiter().GetResult();
                    cancellationToken.ThrowIfCancellationRequested();
                    var got = index - plan.Start;
                    throw process.Failure(code != 0
                        ? $"ffmpeg failed (exit code {code}) while decoding frames {new FrameRange(plan.Start, plan.End)}, after {got} of {plan.Count}"
                        : $"ended after {got} of the {plan.Count} frames {new FrameRange(plan.Start, plan.End)} (truncated or damaged video)");
                }
                var frame = new VideoFrame(index, index / plan.Rate.Value, plan.Width, plan.Height, plan.Order, buffer, pool);
                try
                {
                    while (!writer.TryWrite(frame))
                        if (!writer.WaitToWriteAsync(cancellationToken).AsTask().GetAwaiter().GetResult())
                            throw new ChannelClosedException();
                }
                catch
                {
                    frame.Dispose();
                    throw;
                }
            }
            process.WaitForSuccessAsync(cancellationToken, "ffmpeg failed after decoding all frames").GetAwaiter().GetResult();
        }
        catch (Exception e)
        {
            failure = e;
            throw;
        }
        finally
        {
            writer.TryComplete(failure);
        }
    }
}
