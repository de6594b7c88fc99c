using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using SwapTalk.Cli.Commands;
using SwapTalk.Core.Activities;
using SwapTalk.Core.Storage;

namespace SwapTalk.Bench;

/// <summary>What the fleet bench dubs: a portrait, a clip, its driving speech (null: self-driven), the models and the segment length.</summary>
internal sealed record FleetBenchInputs(string Face, string Video, string? Audio, string Models, int SegmentFrames, string Description);

/// <summary>
/// <c>swaptalk-bench fleet</c>: one dub three ways in the same run, each a child <c>swaptalk</c> process as a user
/// runs it: embedded (<c>swaptalk dub</c>), and on a fleet of 1 and of 2 <c>swaptalk worker</c> processes sharing a
/// task hub on an Azurite of its own (loopback, throw-away folder, stopped by PID). Every side renders one segment at
/// a time with one ONNX Runtime thread, so a worker is the same unit of work as the embedded run: fleet overhead is
/// the 1-worker time over the embedded time; scaling is the 1-worker time over the 2-worker time. The embedded run
/// with 2 segments at once is the reference for the 2 workers (the same cores, one process).
/// </summary>
internal sealed class FleetBench(string? repoRoot = null, FleetBenchInputs? inputs = null) : IBenchArea
{
    public string Name => "fleet";
    public string Description => "the same dub embedded and on 1 and 2 fleet workers (Azurite on loopback): fleet overhead and scaling";

    /// <param name="BusyCoreSeconds">CPU time of the whole machine while the command ran (every process: dub, workers, ffmpeg, Azurite).</param>
    /// <param name="AzuriteCoreSeconds">Of that, Azurite's (0 for the embedded runs).</param>
    private sealed record Run(string Name, double CommandSeconds, JobReport Report, double BusyCoreSeconds, double AzuriteCoreSeconds)
    {
        public double JobSeconds => Report.WallSeconds;
        public double Fps => Report.OutputFrames / CommandSeconds;
        public double BusyCores => BusyCoreSeconds / CommandSeconds;
    }

    public async Task<BenchReport> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var report = new BenchReport { Area = Name };
        var root = repoRoot ?? PipelineBench.FindRepoRoot();
        var script = LocalAzurite.ScriptPath(root);
        if (!File.Exists(script))
        {
            report.Notes.Add($"skipped: Azurite is not installed at {script} (./scripts/setup.sh installs it, or set {LocalAzurite.ScriptVariable})");
            return report;
        }
        var work = Path.Combine(context.OutDir, "fleet");
        Directory.CreateDirectory(work);
        var dub = inputs ?? DefaultInputs(root, work, context.Quick);
        if (dub is null)
        {
            report.Notes.Add("skipped: the shared sample data (GRID clip, jfk.wav, astronaut.png, YuNet, 68-point model) is not at ../shared/data");
            return report;
        }
        var rounds = context.Quick ? 1 : 2;
        context.Log($"{dub.Description}; {rounds} round(s), the fastest of each kept; {Environment.ProcessorCount} cores, load {LoadAverage()}");

        await using var azurite = await LocalAzurite.StartAsync(script, Path.Combine(work, "azurite"));
        var runs = new Dictionary<string, Run>();
        void Keep(Run run) => runs[run.Name] = runs.TryGetValue(run.Name, out var best) && best.CommandSeconds <= run.CommandSeconds ? best : run;
        for (var round = 1; round <= rounds; round++)
        {
            // Interleaved, so a change in the machine's load falls on every side alike.
            Keep(await EmbeddedAsync(context, work, dub, "embedded", parallel: 1, round, cancellationToken));
            Keep(await FleetAsync(context, work, dub, azurite, workers: 1, round, cancellationToken));
            Keep(await FleetAsync(context, work, dub, azurite, workers: 2, round, cancellationToken));
            Keep(await EmbeddedAsync(context, work, dub, "embedded-2", parallel: 2, round, cancellationToken));
        }
        var (embedded, one, two, embedded2) = (runs["embedded"], runs["fleet-1"], runs["fleet-2"], runs["embedded-2"]);

        var caseName = $"{dub.Description}: {one.Report.OutputFrames} frames in {one.Report.Segments} segments";
        report.Rows.Add(new BenchRow(caseName, "fleet overhead: 1 worker, whole command (stage, run, download)", one.CommandSeconds, "s",
            embedded.CommandSeconds, "embedded dub, 1 segment at a time", "ratio <= 1.25"));
        report.Rows.Add(new BenchRow(caseName, "fleet overhead: 1 worker, the job alone (report wall time)", one.JobSeconds, "s",
            embedded.JobSeconds, "embedded job"));
        report.Rows.Add(new BenchRow(caseName, "scaling: 2 workers, whole command", two.Fps, "frames/s", one.Fps, "1 worker",
            $"ideal 2 with 2 free cores (this machine: {Environment.ProcessorCount})"));
        report.Rows.Add(new BenchRow(caseName, "cores busy while 1 worker dubs (all processes)", one.BusyCores, "cores", embedded.BusyCores,
            $"embedded dub; the machine has {Environment.ProcessorCount}"));
        report.Rows.Add(new BenchRow(caseName, "CPU per frame, 1 worker (all processes)", one.BusyCoreSeconds / one.Report.OutputFrames * 1000, "core-ms",
            embedded.BusyCoreSeconds / embedded.Report.OutputFrames * 1000, "embedded dub"));
        report.Rows.Add(new BenchRow(caseName, "of which Azurite, 1 worker", one.AzuriteCoreSeconds / one.Report.OutputFrames * 1000, "core-ms"));
        report.Rows.Add(new BenchRow(caseName, "cores busy while 2 workers dub", two.BusyCores, "cores", one.BusyCores, "1 worker"));
        report.Rows.Add(new BenchRow(caseName, "2 workers against one process on the same cores", two.Fps, "frames/s", embedded2.Fps,
            "embedded dub, 2 segments at once"));
        report.Notes.Add($"Segments by worker with 2 workers: {string.Join(", ", two.Report.SegmentRecords.GroupBy(s => s.Worker ?? "?").OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}"))}.");
        report.Notes.Add($"Measured with {Environment.ProcessorCount} cores, load average {LoadAverage()} at the end. Each side renders 1 segment at a time with 1 ONNX Runtime thread per worker or process; each fleet run has a fresh task hub on one Azurite (loopback, its own folder), its workers started and idle before the dub is submitted and stopped with SIGTERM after it.");
        report.Notes.Add("Whole command: `swaptalk dub` from start to exit (validate, stage the inputs, run, export the output); with --storage it uploads to Azurite, follows the job and downloads the output and report. The job alone: the report's wall time, from the orchestration's first step to its last.");
        return report;
    }

    /// <summary>The GRID clip (self-driven, quick) or the GRID clip driven by the JFK speech (275 frames, ping-pong), the astronaut portrait, the geometric engine.</summary>
    private static FleetBenchInputs? DefaultInputs(string? root, string work, bool quick)
    {
        var shared = PipelineBench.SharedDataDir(root);
        string? Shared(string relative) => shared is not null && File.Exists(Path.Combine(shared, relative)) ? Path.Combine(shared, relative) : null;
        var (grid, speech, face) = (Shared("video/grid_bbaf2n.mpg"), Shared("audio/jfk.wav"), Shared("faces/astronaut.png"));
        var (yunet, peppa) = (Shared("models/yunet_n_dynamic.onnx"), Shared("models/peppa_slim_160_68pt.onnx"));
        if (grid is null || speech is null || face is null || yunet is null || peppa is null) return null;
        var models = Path.Combine(work, "models");
        Directory.CreateDirectory(models);
        foreach (var m in new[] { yunet, peppa }) File.Copy(m, Path.Combine(models, Path.GetFileName(m)), overwrite: true);
        return quick
            ? new FleetBenchInputs(face, grid, null, models, 15, "GRID 360x288, self-driven, geometric engine")
            : new FleetBenchInputs(face, grid, speech, models, 25, "GRID 360x288 driven by the JFK speech, geometric engine");
    }

    private static string[] DubArgs(FleetBenchInputs dub, string output) =>
        ["dub", "--face", dub.Face, "--video", dub.Video, .. dub.Audio is null ? Array.Empty<string>() : ["--audio", dub.Audio],
            "--models", dub.Models, "--engine", "geometric", "--segment-frames", dub.SegmentFrames.ToString(CultureInfo.InvariantCulture), "--out", output];

    private static async Task<Run> EmbeddedAsync(BenchContext context, string work, FleetBenchInputs dub, string name, int parallel, int round, CancellationToken cancellationToken)
    {
        var dir = FreshDir(work, name);
        var output = Path.Combine(dir, "dub.mp4");
        var busy = Cpu.BusyCoreSeconds();
        var watch = Stopwatch.StartNew();
        var stdout = await RunToEndAsync([.. DubArgs(dub, output), "--work", Path.Combine(dir, "work"), "--parallel", $"{parallel}", "--threads", "1", "--json"],
            null, cancellationToken);
        var seconds = watch.Elapsed.TotalSeconds;
        busy = Cpu.BusyCoreSeconds() - busy;
        using var json = JsonDocument.Parse(stdout);
        var jobReport = await ReadReportAsync(json.RootElement.GetProperty("report").GetString()!, cancellationToken);
        return Logged(context, new Run(name, seconds, jobReport, busy, 0), round);
    }

    private static async Task<Run> FleetAsync(BenchContext context, string work, FleetBenchInputs dub, LocalAzurite azurite, int workers, int round, CancellationToken cancellationToken)
    {
        var name = $"fleet-{workers}";
        var dir = FreshDir(work, name);
        // A fresh task hub per run: the same inputs are the same job, which a hub that has run it would only attach to.
        var hub = $"bench{workers}w{round}{Environment.ProcessId}";
        var fleet = new List<SwaptalkProcess>();
        try
        {
            for (var w = 1; w <= workers; w++)
                fleet.Add(SwaptalkProcess.Start(["worker", "--storage", azurite.ConnectionString, "--task-hub", hub, "--models", dub.Models, "--name", $"worker-{w}", "--slots", "1", "--threads", "1"], null));
            foreach (var worker in fleet) await worker.WaitForAsync("takes work from task hub", TimeSpan.FromMinutes(2), cancellationToken);
            var output = Path.Combine(dir, "dub.mp4");
            var (busy, storage) = (Cpu.BusyCoreSeconds(), Cpu.ProcessCoreSeconds(azurite.ProcessId));
            var watch = Stopwatch.StartNew();
            await RunToEndAsync([.. DubArgs(dub, output), "--storage", azurite.ConnectionString, "--task-hub", hub], null, cancellationToken);
            var seconds = watch.Elapsed.TotalSeconds;
            (busy, storage) = (Cpu.BusyCoreSeconds() - busy, Cpu.ProcessCoreSeconds(azurite.ProcessId) - storage);
            return Logged(context, new Run(name, seconds, await ReadReportAsync(RemoteDub.ReportPath(output), cancellationToken), busy, storage), round);
        }
        finally
        {
            foreach (var worker in fleet) await worker.DisposeAsync();
        }
    }

    private static Run Logged(BenchContext context, Run run, int round)
    {
        context.Log(string.Format(CultureInfo.InvariantCulture, "  round {0}, {1}: {2} frames, command {3:0.00} s, job {4:0.00} s, {5:0.00} cores busy (Azurite {6:0.00})",
            round, run.Name, run.Report.OutputFrames, run.CommandSeconds, run.JobSeconds, run.BusyCores, run.AzuriteCoreSeconds / run.CommandSeconds));
        return run;
    }

    private static async Task<JobReport> ReadReportAsync(string path, CancellationToken cancellationToken) =>
        JsonSerializer.Deserialize<JobReport>(await File.ReadAllTextAsync(path, cancellationToken), StoredJson.Options)
        ?? throw new InvalidOperationException($"{path} holds no job report");

    private static string FreshDir(string work, string name)
    {
        var dir = Path.Combine(work, "runs", name);
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static async Task<string> RunToEndAsync(string[] args, IReadOnlyDictionary<string, string>? environment, CancellationToken cancellationToken)
    {
        await using var child = SwaptalkProcess.Start(args, environment);
        var code = await child.WaitAsync(Timeout.InfiniteTimeSpan, cancellationToken);
        if (code != 0) throw new InvalidOperationException($"swaptalk {args[0]} exited {code}: {child.Output}");
        return child.Stdout;
    }

    /// <summary>CPU time from /proc, in core-seconds (USER_HZ is 100 on Linux).</summary>
    private static class Cpu
    {
        private const double TicksPerSecond = 100;

        /// <summary>Busy time of all cores since boot: user, nice, system, irq, softirq and steal (not idle or iowait).</summary>
        public static double BusyCoreSeconds()
        {
            var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(double.Parse).ToArray();
            return (fields[0] + fields[1] + fields[2] + fields[5] + fields[6] + fields[7]) / TicksPerSecond;
        }

        /// <summary>User and system time of one process (fields 14 and 15 of /proc/PID/stat, after the command name).</summary>
        public static double ProcessCoreSeconds(int? pid)
        {
            if (pid is null) return 0;
            try
            {
                var stat = File.ReadAllText($"/proc/{pid}/stat");
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                return (double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
            }
            catch (IOException)
            {
                return 0;
            }
        }
    }

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }
}
