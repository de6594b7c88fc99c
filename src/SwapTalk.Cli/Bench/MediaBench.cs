using SwapTalk.Core.Imaging;
using System.Diagnostics;
using System.Globalization;
using SwapTalk.Core.Media;

namespace SwapTalk.Cli.Bench;

/// <summary>
/// <c>swaptalk bench media</c>: decode -> encode pass-through of a synthetic 1080p clip through the
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
            context.Log(string.Format(CultureInfo.InvariantCulture, "iteration {0}: engine {1:0.00} s, plain {2:0.00} s, plain+rgb {3:0.00} s, read {4:0.00} s, decode {5:0.00} s",
                i + 1, engineTimes[^1], plainTimes[^1], rgbTimes[^1], readTimes[^1], decodeTimes[^1]));
        }

        async Task Plain()
        {
            var cpu = CpuSeconds();
            plainTimes.Add(await TimeFfmpegAsync(tools, plainArgs, cancellationToken));
            plainCpu.Add(CpuSeconds() - cpu);
        }

        var outFrames = (await engine.ProbeAsync(engineOut, cancellationToken)).RequireVideo().FrameCount;
        if (outFrames != frames) throw new InvalidOperationException($"engine output has {outFrames} frames, expected {frames}");
        double engineTime = Median(engineTimes), plainTime = Median(plainTimes);
        var report = new BenchReport { Area = Name };
        var label = $"1080p {seconds} s pass-through";
        report.Rows.Add(new BenchRow(label, "time (median)", engineTime, "s", plainTime, "plain ffmpeg transcode", "<= 1.10"));
        report.Rows.Add(new BenchRow(label, "frames/s", frames / engineTime, "fps", frames / plainTime, "plain ffmpeg transcode"));
        report.Rows.Add(new BenchRow(label, "CPU time, all processes (median)", Median(engineCpu), "s", Median(plainCpu), "plain ffmpeg transcode"));
        report.Rows.Add(new BenchRow(label, "time, BGR round trip inside ffmpeg", Median(rgbTimes), "s", plainTime, "plain ffmpeg transcode"));
        report.Rows.Add(new BenchRow("1080p decode to BGR", "time (median)", Median(readTimes), "s", Median(decodeTimes), "plain ffmpeg decode to rawvideo"));
        report.Rows.Add(new BenchRow(label, "managed memory allocated", allocated / 1048576.0, "MiB", frames * video.Width * video.Height * 3 / 1048576.0, "all frames held at once"));
        report.Notes.Add($"Clip: testsrc2 {video.Width}x{video.Height}, {frames} frames at {video.FrameRate} fps (H.264). Encoder both ways: libx264 {encoding.Preset}, CRF {encoding.Crf}, no B-frames, yuv420p, BT.709 tags.");
        report.Notes.Add("Engine path: ffmpeg decodes to packed BGR -> pipe -> .NET frame pool -> pipe -> ffmpeg converts to yuv420p and encodes. BGR is the order the pipeline moves frames in (SegmentRenderer reads and writes BGR), and the one swscale converts to yuv420p on its fast unscaled path (RGB input measured ~7% slower end to end here). The 'BGR round trip inside ffmpeg' row isolates the colour conversion cost from the pipe cost.");
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
