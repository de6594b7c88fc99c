using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using SwapTalk.Core.Activities;
using SwapTalk.Core.Models;
using SwapTalk.Core.Models.Probes;
using SwapTalk.Core.Stages;
using SwapTalk.Core.Storage;
using SwapTalk.Core.Telemetry;

namespace SwapTalk.Bench;

/// <summary>
/// <c>swaptalk-bench pipeline</c>: whole dubs, each a child <c>swaptalk dub</c> process (as a user runs it), with the
/// probe SwapTalk models beside the real YuNet and 68-point models. Per clip (GRID 360x288 and the GRID clip scaled
/// into 1080p): frames/s end to end and per stage (from the job's telemetry), the latent engine's default configuration
/// (2 segments at once, 1 ORT thread each on 2 cores) against the alternative (1 segment, 2 ORT threads) and the
/// geometric engine against the latent one, all in the same run, and
/// the overhead of everything that is not a stage (end-to-end wall time of the sequential run / the sum of its stage
/// times). Memory: the dub process's peak resident set (VmHWM) for a 60 s clip against a 6 s clip.
/// </summary>
internal sealed class PipelineBench(string? repoRoot = null) : IBenchArea
{
    public string Name => "pipeline";
    public string Description => "whole dubs: frames/s end to end and per stage, overhead vs stage times, peak memory 60 s vs 6 s";

    private sealed record DubRun(double CommandSeconds, double JobSeconds, int Frames, long PeakBytes, JobReport Report, Dictionary<string, double> StageSeconds)
    {
        public double Fps => Frames / JobSeconds;
        public double StageSum => StageSeconds.Values.Sum() + Report.Stages.Where(s => s.Stage == "plan").Sum(s => s.Seconds);
    }

    public async Task<BenchReport> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var report = new BenchReport { Area = Name };
        var root = repoRoot ?? FindRepoRoot();
        var shared = SharedDataDir(root);
        string? Shared(string relative) => shared is not null && File.Exists(Path.Combine(shared, relative)) ? Path.Combine(shared, relative) : null;
        var (grid, speech, face) = (Shared("video/grid_bbaf2n.mpg"), Shared("audio/jfk.wav"), Shared("faces/astronaut.png"));
        var (yunet, peppa) = (Shared("models/yunet_n_dynamic.onnx"), Shared("models/peppa_slim_160_68pt.onnx"));
        if (grid is null || speech is null || face is null || yunet is null || peppa is null)
        {
            report.Notes.Add($"skipped: the shared sample data (GRID clip, jfk.wav, astronaut.png, YuNet, 68-point model) is not at {shared ?? "../shared/data"}");
            return report;
        }

        var work = Path.Combine(context.OutDir, "pipeline");
        Directory.CreateDirectory(work);
        var models = Path.Combine(work, "models");
        Directory.CreateDirectory(models);
        ProbeModels.WriteAll(models, ModelManifest.Default, force: false);
        foreach (var m in new[] { yunet, peppa }) File.Copy(m, Path.Combine(models, Path.GetFileName(m)), overwrite: true);
        // The geometric engine's portrait segmentation (its hair out of the face), as a models folder with it runs.
        if (Shared("models/masks/skin_clothes_hair_pan_mnv3s.onnx") is { } masks)
        {
            Directory.CreateDirectory(Path.Combine(models, "masks"));
            File.Copy(masks, Path.Combine(models, "masks", Path.GetFileName(masks)), overwrite: true);
        }

        var quick = context.Quick;
        var hd = await ClipAsync(work, $"grid1080-{(quick ? 1 : 3)}s.mp4", cancellationToken, "-i", grid, "-t", quick ? "1" : "3",
            "-vf", "scale=-2:1080,pad=1920:1080:(ow-iw)/2:0", "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p", "-c:a", "aac");
        var (shortSeconds, longSeconds) = quick ? (5, 20) : (6, 60);
        var shortClip = await LoopAsync(work, grid, shortSeconds, cancellationToken);
        var longClip = await LoopAsync(work, grid, longSeconds, cancellationToken);
        context.Log($"inputs in {work}: GRID {grid}, 1080p {hd}, loops of {shortSeconds} s and {longSeconds} s; models {models}");

        // GRID: cross-driven with the JFK speech (11 s: ping-pong to 275 frames); quick: self-driven, 75 frames.
        string[] gridArgs = quick ? ["--video", grid] : ["--video", grid, "--audio", speech];
        var cases = new (string Name, string[] Args)[]
        {
            (quick ? "GRID 360x288, 75 frames (self-driven)" : "GRID 360x288, 275 frames (JFK speech, ping-pong)", gridArgs),
            ($"GRID in 1080p, {(quick ? 25 : 75)} frames (self-driven)", ["--video", hd]),
        };
        foreach (var (caseName, args) in cases)
        {
            context.Log($"{caseName}: latent 2 segments x 1 thread, then 1 segment x 2 threads, then geometric (default configuration)");
            var parallel = await DubAsync(context, work, "parallel", face, models, [.. args, "--engine", "latent", "--parallel", "2", "--threads", "1"], cancellationToken);
            var sequential = await DubAsync(context, work, "sequential", face, models, [.. args, "--engine", "latent", "--parallel", "1", "--threads", "2"], cancellationToken);
            var geometric = await DubAsync(context, work, "geometric", face, models, [.. args, "--engine", "geometric", "--parallel", "2", "--threads", "1"], cancellationToken);
            report.Rows.Add(new BenchRow(caseName, "end to end, latent (probes), 2 segments x 1 ORT thread", parallel.Fps, "frames/s", sequential.Fps, "1 segment x 2 ORT threads"));
            var target = caseName.Contains("1080p", StringComparison.Ordinal) ? 5 : 25;
            report.Rows.Add(new BenchRow(caseName, "end to end, geometric engine, 2 segments", geometric.Fps, "frames/s", parallel.Fps,
                "latent engine (probes), same configuration", $">= {target} frames/s on 2 quiet cores"));
            if (geometric.StageSeconds.TryGetValue(PipelineStages.Swap, out var warp) && warp > 0)
                report.Rows.Add(new BenchRow(caseName, "geometric stage swap (mesh warp, colour match, frequency-split shading, blend; work)", geometric.Frames / warp, "frames/s"));
            foreach (var stage in PipelineStages.Render.Append(PipelineStages.Stitch))
                if (parallel.StageSeconds.TryGetValue(stage, out var seconds) && seconds > 0)
                    report.Rows.Add(new BenchRow(caseName, $"stage {stage} (work, all segments)", parallel.Frames / seconds, "frames/s"));
            report.Rows.Add(new BenchRow(caseName, "overhead: job wall time / sum of stage times (1 segment at a time)", sequential.JobSeconds, "s",
                sequential.StageSum, "sum of stage times", "ratio <= 1.10"));
            report.Rows.Add(new BenchRow(caseName, "whole command (validate, stage, run, export)", parallel.CommandSeconds, "s", parallel.JobSeconds, "the job alone"));
        }

        context.Log($"memory: {shortSeconds} s and {longSeconds} s clips (self-driven, default configuration)");
        var small = await DubAsync(context, work, "memory-short", face, models, ["--video", shortClip, "--engine", "latent"], cancellationToken, telemetry: false);
        var large = await DubAsync(context, work, "memory-long", face, models, ["--video", longClip, "--engine", "latent"], cancellationToken, telemetry: false);
        report.Rows.Add(new BenchRow($"{longSeconds} s vs {shortSeconds} s clip ({large.Frames} vs {small.Frames} frames)", "peak resident memory of the dub process",
            large.PeakBytes / 1048576.0, "MiB", small.PeakBytes / 1048576.0, $"{shortSeconds} s clip", "ratio <= 1.2"));
        report.Rows.Add(new BenchRow($"{longSeconds} s clip", "end to end", large.Fps, "frames/s"));

        report.Notes.Add("Each dub is a child `swaptalk dub --json --telemetry` process with a fresh work folder; H.264 CRF 18 preset medium output (the default).");
        report.Notes.Add("Stage times come from the job's telemetry (swaptalk.stage.duration, summed over segments): work seconds, so stages of parallel segments add up; 'decode' and 'write' are the time the pipeline waited on ffmpeg's decoder and encoder processes.");
        report.Notes.Add("Overhead is measured on the sequential run, where stages do not overlap: what the job's wall clock spends outside any stage (planning glue, blob writes, process starts, probes).");
        report.Notes.Add("Peak memory is the dub process's VmHWM (ffmpeg children not included: they stream and stay flat), without --telemetry (its recorder keeps every span). The CLI runs with System.GC.ConserveMemory=9 and glibc's mmap threshold pinned at 1 MiB (see docs/pipeline.md).");
        return report;
    }

    /// <param name="telemetry">Record spans and metrics (for stage times); off for memory runs, since the recorder keeps every span.</param>
    private static async Task<DubRun> DubAsync(BenchContext context, string work, string name, string face, string models, string[] args,
        CancellationToken cancellationToken, bool telemetry = true)
    {
        var dir = Path.Combine(work, "runs", name);
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        Directory.CreateDirectory(dir);
        var telemetryPath = Path.Combine(dir, "telemetry.json");
        string[] all = ["dub", "--face", face, "--models", models, "--out", Path.Combine(dir, "dub.mp4"), "--work", Path.Combine(dir, "work"),
            "--json", .. (telemetry ? new[] { "--telemetry", telemetryPath } : []), .. args];
        var (json, peak) = await RunSelfAsync(all, cancellationToken);
        using var result = JsonDocument.Parse(json);
        var r = result.RootElement;
        var jobReport = JsonSerializer.Deserialize<JobReport>(await File.ReadAllTextAsync(r.GetProperty("report").GetString()!, cancellationToken), StoredJson.Options)!;
        var stages = new Dictionary<string, double>(StringComparer.Ordinal);
        if (telemetry)
        {
            using var recorded = JsonDocument.Parse(await File.ReadAllTextAsync(telemetryPath, cancellationToken));
            foreach (var metric in recorded.RootElement.GetProperty("metrics").EnumerateArray())
                if (metric.GetProperty("instrument").GetString() == SwapTalkTelemetry.StageDuration.Name
                    && metric.GetProperty("tags").TryGetProperty(SwapTalkTelemetry.Tags.Stage, out var stage))
                    stages[stage.GetString()!] = stages.GetValueOrDefault(stage.GetString()!) + metric.GetProperty("sum").GetDouble();
        }
        var run = new DubRun(r.GetProperty("seconds").GetDouble(), jobReport.WallSeconds, r.GetProperty("frames").GetInt32(),
            Math.Max(peak, r.GetProperty("peakMemoryBytes").GetInt64()), jobReport, stages);
        context.Log(string.Format(CultureInfo.InvariantCulture, "  {0}: {1} frames in {2:0.00} s (job) = {3:0.0} frames/s; stages {4:0.00} s; peak {5:0} MiB",
            name, run.Frames, run.JobSeconds, run.Fps, run.StageSum, run.PeakBytes / 1048576.0));
        return run;
    }

    /// <summary>Runs swaptalk as a child process, polling its peak resident memory while it runs.</summary>
    private static async Task<(string Stdout, long PeakBytes)> RunSelfAsync(string[] args, CancellationToken cancellationToken)
    {
        var psi = SwaptalkProcess.StartInfo(args);
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        long peak = 0;
        try
        {
            while (!process.HasExited)
            {
                peak = Math.Max(peak, PeakOf(process.Id));
                await Task.WhenAny(process.WaitForExitAsync(cancellationToken), Task.Delay(100, cancellationToken));
            }
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"swaptalk {string.Join(' ', args)} exited {process.ExitCode}: {await stderr}");
        return (await stdout, peak);
    }

    private static long PeakOf(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return 0;
    }

    /// <summary>The GRID clip looped to <paramref name="seconds"/> (a long talking-head clip with a face throughout).</summary>
    private static Task<string> LoopAsync(string work, string grid, int seconds, CancellationToken cancellationToken) =>
        ClipAsync(work, $"grid-loop-{seconds}s.mp4", cancellationToken, "-stream_loop", "-1", "-i", grid, "-t", seconds.ToString(CultureInfo.InvariantCulture),
            "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p", "-c:a", "aac");

    /// <summary>Makes a clip once with ffmpeg (kept in the bench folder; written under a temporary name, renamed when complete).</summary>
    private static async Task<string> ClipAsync(string work, string name, CancellationToken cancellationToken, params string[] args)
    {
        var path = Path.Combine(work, name);
        if (File.Exists(path)) return path;
        var temp = Path.Combine(work, $".{name}.partial.mp4");
        var psi = new ProcessStartInfo(Core.Media.MediaTools.FromEnvironment().Ffmpeg) { RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-nostdin", "-hide_banner", "-loglevel", "error", "-y" }.Concat(args).Append(temp)) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var stderr = await process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0) throw new InvalidOperationException($"ffmpeg could not make {name}: {stderr}");
        File.Move(temp, path, overwrite: true);
        return path;
    }

    /// <summary>The shared sample data: <c>$SWAPTALK_SHARED_DATA</c>, else ../shared/data beside the repository.</summary>
    internal static string? SharedDataDir(string? root) =>
        Environment.GetEnvironmentVariable("SWAPTALK_SHARED_DATA") is { Length: > 0 } fromEnv ? fromEnv
            : root is null ? null : Path.GetFullPath(Path.Combine(root, "..", "shared", "data"));

    internal static string? FindRepoRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "SwapTalk.Functions.sln"))) return dir.FullName;
        return null;
    }
}
