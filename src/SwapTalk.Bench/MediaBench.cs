using SwapTalk.Core.Imaging;
using System.Diagnostics;
using System.Globalization;
using FFMpegCore;
using FFMpegCore.Pipes;
using SwapTalk.Core.Files;
using SwapTalk.Core.Media;

namespace SwapTalk.Bench;

/// <summary>
/// <c>swaptalk-bench media</c>: decode -> encode pass-through of a synthetic 1080p clip through the
/// engine (ffmpeg decodes to packed BGR, frames cross two pipes and .NET, ffmpeg encodes) against plain
/// ffmpeg transcoding the same clip with the same encoder settings, in the same run, alternating.
/// </summary>
internal sealed class MediaBench : IBenchArea
{
    public string Name => "media";
    public string Description => "1080p decode -> encode pass-through: engine vs plain ffmpeg (same x264 settings)";

    public async Task<BenchReport> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var tools = MediaTools.FromEnvironment();
        var engine = new MediaEngine(tools);
        var seconds = context.Quick ? 2 : 10;
        var iterations = context.Quick ? 1 : 3;
        var encoding = VideoEncoding.H264(); // the production settings: CRF 18, preset medium
        var clip = await EnsureClipAsync(tools, context, seconds, cancellationToken);
        var media = await engine.ProbeAsync(clip, cancellationToken);
        var video = media.RequireVideo();
        var frames = video.FrameCount;
        context.Log($"clip {clip}: {video.Width}x{video.Height}, {frames} frames at {video.FrameRate} fps; {encoding}; {iterations} iteration(s)");

        var engineOut = Path.Combine(context.OutDir, "media-engine.mp4");
        var plainOut = Path.Combine(context.OutDir, "media-plain.mp4");
        var rgbOut = Path.Combine(context.OutDir, "media-plain-rgb.mp4");
        var corePipeOut = Path.Combine(context.OutDir, "media-ffmpegcore-pipes.mp4");
        string[] x264 =
        [
            "-c:v", "libx264", "-preset", encoding.Preset, "-crf", encoding.Crf.ToString(CultureInfo.InvariantCulture), "-bf", "0", "-pix_fmt", "yuv420p",
            "-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709", "-color_range", "tv",
        ];
        string[] plainArgs = ["-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", clip, "-map", "0:v:0", .. x264, plainOut];
        string[] rgbArgs = ["-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", clip, "-map", "0:v:0",
            "-vf", "format=bgr24,scale=out_color_matrix=bt709:out_range=tv,format=yuv420p", .. x264, rgbOut];
        string[] decodeArgs = ["-nostdin", "-hide_banner", "-loglevel", "error", "-i", clip, "-map", "0:v:0", "-pix_fmt", "bgr24", "-f", "rawvideo", "-y", "/dev/null"];

        var engineTimes = new List<double>();
        var engineCpu = new List<double>();
        var plainCpu = new List<double>();
        var plainTimes = new List<double>();
        var rgbTimes = new List<double>();
        var readTimes = new List<double>();
        var decodeTimes = new List<double>();
        var corePassTimes = new List<double>();
        var coreCpu = new List<double>();
        var coreReadTimes = new List<double>();
        long allocated = 0;
        for (var i = 0; i < iterations; i++)
        {
            // Alternate the order so drift on a shared machine does not favour one side.
            var engineFirst = i % 2 == 0;
            if (!engineFirst) await Plain();
            var before = GC.GetTotalAllocatedBytes(precise: true);
            var cpu = CpuSeconds();
            engineTimes.Add(await TimeAsync(() => PassThroughAsync(engine, media, engineOut, encoding, cancellationToken)));
            engineCpu.Add(CpuSeconds() - cpu);
            allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
            if (engineFirst) await Plain();
            rgbTimes.Add(await TimeFfmpegAsync(tools, rgbArgs, cancellationToken));
            readTimes.Add(await TimeAsync(() => ReadOnlyAsync(engine, media, cancellationToken)));
            decodeTimes.Add(await TimeFfmpegAsync(tools, decodeArgs, cancellationToken));
            coreReadTimes.Add(await TimeAsync(() => FFMpegCorePipes.ReadAsync(tools, clip, video, frame => { }, cancellationToken)));
            var coreCpuStart = CpuSeconds();
            corePassTimes.Add(await TimeAsync(() => FFMpegCorePipes.PassThroughAsync(tools, clip, video, corePipeOut, x264, cancellationToken)));
            coreCpu.Add(CpuSeconds() - coreCpuStart);
            context.Log(string.Format(CultureInfo.InvariantCulture, "iteration {0}: engine {1:0.00} s, plain {2:0.00} s, plain+rgb {3:0.00} s, read {4:0.00} s, decode {5:0.00} s, FFMpegCore pipes {6:0.00} s, FFMpegCore read {7:0.00} s",
                i + 1, engineTimes[^1], plainTimes[^1], rgbTimes[^1], readTimes[^1], decodeTimes[^1], corePassTimes[^1], coreReadTimes[^1]));
        }

        async Task Plain()
        {
            var cpu = CpuSeconds();
            plainTimes.Add(await TimeFfmpegAsync(tools, plainArgs, cancellationToken));
            plainCpu.Add(CpuSeconds() - cpu);
        }

        foreach (var output in new[] { engineOut, corePipeOut })
        {
            var outFrames = (await engine.ProbeAsync(output, cancellationToken)).RequireVideo().FrameCount;
            if (outFrames != frames) throw new InvalidOperationException($"{output} has {outFrames} frames, expected {frames}");
        }
        double engineTime = Median(engineTimes), plainTime = Median(plainTimes);
        var report = new BenchReport { Area = Name };
        var label = $"1080p {seconds} s pass-through";
        report.Rows.Add(new BenchRow(label, "time (median)", engineTime, "s", plainTime, "plain ffmpeg transcode", "<= 1.10"));
        report.Rows.Add(new BenchRow(label, "frames/s", frames / engineTime, "fps", frames / plainTime, "plain ffmpeg transcode"));
        report.Rows.Add(new BenchRow(label, "CPU time, all processes (median)", Median(engineCpu), "s", Median(plainCpu), "plain ffmpeg transcode"));
        report.Rows.Add(new BenchRow(label, "time, BGR round trip inside ffmpeg", Median(rgbTimes), "s", plainTime, "plain ffmpeg transcode"));
        report.Rows.Add(new BenchRow("1080p decode to BGR", "time (median)", Median(readTimes), "s", Median(decodeTimes), "plain ffmpeg decode to rawvideo"));
        report.Rows.Add(new BenchRow(label, "time, FFMpegCore pipes (Unix sockets) instead of the engine's", Median(corePassTimes), "s", engineTime, "engine pass-through"));
        report.Rows.Add(new BenchRow(label, "CPU time, FFMpegCore pipes instead of the engine's", Median(coreCpu), "s", Median(engineCpu), "engine pass-through"));
        report.Rows.Add(new BenchRow("1080p decode to BGR", "time, FFMpegCore pipe sink instead of the engine's reader", Median(coreReadTimes), "s", Median(readTimes), "engine frame reader"));
        report.Rows.Add(new BenchRow(label, "managed memory allocated", allocated / 1048576.0, "MiB", frames * video.Width * video.Height * 3 / 1048576.0, "all frames held at once"));
        report.Notes.Add($"Clip: testsrc2 {video.Width}x{video.Height}, {frames} frames at {video.FrameRate} fps (H.264). Encoder both ways: libx264 {encoding.Preset}, CRF {encoding.Crf}, no B-frames, yuv420p, BT.709 tags.");
        report.Notes.Add("Engine path: ffmpeg decodes to packed BGR -> pipe -> .NET frame pool -> pipe -> ffmpeg converts to yuv420p and encodes. BGR is the order the pipeline moves frames in (SegmentRenderer reads and writes BGR), and the one swscale converts to yuv420p on its fast unscaled path (RGB input measured ~7% slower end to end here). The 'BGR round trip inside ffmpeg' row isolates the colour conversion cost from the pipe cost.");
        report.Notes.Add("FFMpegCore pipes: the same pass-through with FFMpegCore's own pipes (StreamPipeSink out of the decoder, RawVideoPipeSource into the encoder; both Unix domain sockets, so the encoder's input whitelist reads file,pipe,unix) and a bounded queue of 4 frames between them.");
        report.Notes.Add($"{iterations} iteration(s), alternating order; medians. Wall-clock times suffer on a shared machine; CPU time (this process plus its ffmpeg children) much less.");
        return report;
    }

    private static readonly FrameReadOptions PipelineOrder = new() { Order = ColorOrder.Bgr };

    private static async Task PassThroughAsync(MediaEngine engine, MediaInfo media, string output, VideoEncoding encoding, CancellationToken ct)
    {
        await using var writer = engine.OpenWriter(output, media.RequireVideo(), encoding, ColorOrder.Bgr, ct);
        await foreach (var frame in engine.ReadFramesAsync(media, options: PipelineOrder, cancellationToken: ct))
            using (frame)
                await writer.WriteAsync(frame.Image, ct);
        await writer.CompleteAsync(ct);
    }

    private static async Task ReadOnlyAsync(MediaEngine engine, MediaInfo media, CancellationToken ct)
    {
        await foreach (var frame in engine.ReadFramesAsync(media, options: PipelineOrder, cancellationToken: ct))
            frame.Dispose();
    }

    private static async Task<string> EnsureClipAsync(MediaTools tools, BenchContext context, int seconds, CancellationToken ct)
    {
        var clip = Path.Combine(context.OutDir, $"media-testsrc2-1080p-{seconds}s.mp4");
        if (File.Exists(clip)) return clip;
        context.Log($"generating {clip}");
        await AtomicFile.WriteAsync(clip, temp => RunFfmpegAsync(tools,
        [
            "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", $"testsrc2=size=1920x1080:rate=25:duration={seconds}",
            "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p", "-f", "mp4", temp,
        ], ct));
        return clip;
    }

    /// <summary>
    /// CPU seconds used by this process and its reaped children (ffmpeg runs as a child either way):
    /// less sensitive than wall time to other work on a shared machine.
    /// </summary>
    private static double CpuSeconds()
    {
        if (!OperatingSystem.IsLinux()) return double.NaN;
        var stat = File.ReadAllText("/proc/self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // utime, stime, cutime, cstime: fields 14-17 of proc(5), in USER_HZ (100 per second) ticks.
        return Enumerable.Range(11, 4).Sum(i => long.Parse(fields[i], CultureInfo.InvariantCulture)) / 100.0;
    }

    private static async Task<double> TimeAsync(Func<Task> action)
    {
        var clock = Stopwatch.StartNew();
        await action();
        return clock.Elapsed.TotalSeconds;
    }

    private static Task<double> TimeFfmpegAsync(MediaTools tools, string[] args, CancellationToken ct) => TimeAsync(() => RunFfmpegAsync(tools, args, ct));

    /// <summary>The reference: ffmpeg as a user would run it (no engine code; started by the project's one process runner).</summary>
    private static async Task RunFfmpegAsync(MediaTools tools, string[] args, CancellationToken ct)
    {
        var (code, _, stderr) = await MediaProcess.CaptureAsync(tools.Ffmpeg, args, ct);
        if (code != 0) throw new InvalidOperationException($"ffmpeg {string.Join(' ', args)} failed: {stderr}");
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}

/// <summary>
/// The bench's FFMpegCore-pipe variant of the pass-through: ffmpeg decodes into FFMpegCore's
/// <see cref="StreamPipeSink"/>, frames cross a bounded queue, and ffmpeg encodes from FFMpegCore's
/// <see cref="RawVideoPipeSource"/>. Measured against the engine's own pipes in the same run.
/// </summary>
internal static class FFMpegCorePipes
{
    public static Task ReadAsync(MediaTools tools, string clip, VideoStreamInfo video, Action<byte[]> onFrame, CancellationToken ct)
    {
        var frameBytes = video.Width * video.Height * 3;
        var sink = new StreamPipeSink(async (stream, token) =>
        {
            var buffer = new byte[frameBytes];
            while (true)
            {
                var read = await stream.ReadAtLeastAsync(buffer, frameBytes, throwOnEndOfStream: false, token);
                if (read < frameBytes) break;
                onFrame(buffer);
            }
        }) { Format = "rawvideo" };
        var command = FFMpegArguments
            .FromFileInput(clip, verifyExists: true, o => o.WithCustomArgument("-nostdin -hide_banner -loglevel error -protocol_whitelist file,pipe"))
            .OutputToPipe(sink, o => o.WithCustomArgument("-map 0:v:0 -pix_fmt bgr24"));
        return command.CancellableThrough(ct, TimeSpan.Zero).ProcessAsynchronously(true, Options(tools), ct);
    }

    public static async Task PassThroughAsync(MediaTools tools, string clip, VideoStreamInfo video, string output, string[] x264, CancellationToken ct)
    {
        var queue = new System.Collections.Concurrent.BlockingCollection<byte[]>(boundedCapacity: 4);
        var pool = System.Buffers.ArrayPool<byte>.Shared;
        var frameBytes = video.Width * video.Height * 3;
        var decode = Task.Run(async () =>
        {
            try
            {
                await ReadAsync(tools, clip, video, frame =>
                {
                    var copy = pool.Rent(frameBytes);
                    frame.AsSpan(0, frameBytes).CopyTo(copy);
                    queue.Add(copy, ct);
                }, ct);
            }
            finally
            {
                queue.CompleteAdding();
            }
        }, ct);
        var source = new RawVideoPipeSource(Frames()) { FrameRate = video.FrameRate.Value };
        var encode = FFMpegArguments
            .FromPipeInput(source, o => o.WithCustomArgument("-nostdin -hide_banner -loglevel error -protocol_whitelist file,pipe,unix"))
            .OutputToFile(output, overwrite: true, o => o.WithCustomArgument(
                "-map 0:v:0 -vf scale=out_color_matrix=bt709:out_range=tv,format=yuv420p " + string.Join(' ', x264) + " -f mp4"));
        await encode.CancellableThrough(ct, TimeSpan.Zero).ProcessAsynchronously(true, Options(tools), ct);
        await decode;

        IEnumerable<IVideoFrame> Frames()
        {
            foreach (var buffer in queue.GetConsumingEnumerable(ct))
                yield return new BgrFrame(buffer, video.Width, video.Height, frameBytes, pool);
        }
    }

    private static FFOptions Options(MediaTools tools) => new() { BinaryFolder = Path.GetDirectoryName(tools.Ffmpeg)! };

    private sealed class BgrFrame(byte[] buffer, int width, int height, int length, System.Buffers.ArrayPool<byte> pool) : IVideoFrame
    {
        public int Width => width;
        public int Height => height;
        public string PixelFormat => "bgr24";

        public void Serialize(Stream pipe)
        {
            pipe.Write(buffer, 0, length);
            pool.Return(buffer);
        }

        public async Task SerializeAsync(Stream pipe, CancellationToken token)
        {
            await pipe.WriteAsync(buffer.AsMemory(0, length), token);
            pool.Return(buffer);
        }
    }
}
