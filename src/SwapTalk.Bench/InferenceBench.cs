using System.Diagnostics;
using System.Text.Json;
using SwapTalk.Core.Imaging;
using Microsoft.ML.OnnxRuntime;
using SwapTalk.Core.Inference;
using SwapTalk.Core.Models.Probes;
using SwapTalk.Core.Vision.Detection;
using SwapTalk.Core.Vision.Tracking;

namespace SwapTalk.Bench;

/// <summary>
/// <c>swaptalk-bench inference</c>: the per-run overhead of the project's sessions over ONNX Runtime's
/// .NET API (runs/s of a tiny model) and YuNet 640x640 latency, each measured beside the same model
/// run through onnxruntime-node, ONNX Runtime's own N-API binding (scripts/bench/inference-setup.sh
/// installs it), and beside ORT's IOBinding with preallocated outputs, to show whether binding pays.
/// Rounds alternate engine and reference; each row reports the median round.
/// </summary>
internal sealed class InferenceBench : IBenchArea
{
    private const string Reference = "onnxruntime-node 1.30.0";

    public string Name => "inference";
    public string Description => "ONNX Runtime's .NET API: tiny-model runs/s and YuNet 640x640 latency, against onnxruntime-node and against IOBinding";

    public async Task<BenchReport> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var report = new BenchReport { Area = Name };
        var runtime = OrtRuntime.Initialize();
        var rounds = context.Quick ? 1 : 3;
        var tinySeconds = context.Quick ? 0.5 : 2.0;
        var yunetRuns = context.Quick ? 5 : 30;

        var root = RepoRoot();
        var node = await PrepareNodeAsync(root, context, cancellationToken);
        using var temp = new TempFolder();
        var tinyPath = Path.Combine(temp.Path, "tiny.onnx");
        await File.WriteAllBytesAsync(tinyPath, ProbeModels.Tiny(), cancellationToken);
        var yunetPath = SharedModel(root, "yunet_n_640_640.onnx");

        var tiny = new List<(double Run, double RunInto, double Binding, double? Node)>();
        var yunet = new List<(double Ours, double Into, double? Node)>();
        for (var round = 0; round < rounds; round++)
        {
            context.Log($"round {round + 1}/{rounds}: tiny model");
            var (run, runInto) = TinyThroughput(runtime, tinyPath, tinySeconds);
            var binding = TinyIoBinding(tinyPath, tinySeconds);
            var nodeTiny = node is null ? null : await NodeAsync(node, root, tinyPath, "x", "1,16", "throughput", tinySeconds, 1, context, cancellationToken);
            tiny.Add((run, runInto, binding, nodeTiny?.RunsPerSecond));
            if (yunetPath is not null)
            {
                context.Log($"round {round + 1}/{rounds}: YuNet 640x640");
                var (ours, into) = YuNetLatency(runtime, yunetPath, yunetRuns);
                var nodeYunet = node is null ? null : await NodeAsync(node, root, yunetPath, "input", "1,3,640,640", "latency", yunetRuns, 0, context, cancellationToken);
                yunet.Add((ours, into, nodeYunet?.MedianMs));
            }
        }

        double Median(IEnumerable<double> values) { var v = values.OrderBy(x => x).ToArray(); return v[v.Length / 2]; }
        double? MedianOrNull(IEnumerable<double?> values) => values.All(v => v is not null) ? Median(values.Select(v => v!.Value)) : null;

        var tinyRef = MedianOrNull(tiny.Select(t => t.Node));
        report.Rows.Add(new BenchRow("tiny model (y = 2x + 1, [1,16]), 1 thread", "runs/s, Run (ORT-allocated output)",
            Median(tiny.Select(t => t.Run)), "runs/s", tinyRef, tinyRef is null ? null : Reference, "ratio >= 0.9 (binding adds no overhead)"));
        report.Rows.Add(new BenchRow("tiny model (y = 2x + 1, [1,16]), 1 thread", "runs/s, RunInto (caller buffer)",
            Median(tiny.Select(t => t.RunInto)), "runs/s", tinyRef, tinyRef is null ? null : Reference, "ratio >= 0.9"));
        report.Rows.Add(new BenchRow("tiny model, 1 thread: RunInto against ORT's IOBinding (bound once, RunWithBinding)", "runs/s, RunInto",
            Median(tiny.Select(t => t.RunInto)), "runs/s", Median(tiny.Select(t => t.Binding)), "IOBinding, same session options",
            "ratio >= 0.9: binding would not pay"));
        if (yunet.Count > 0)
        {
            var yunetRef = MedianOrNull(yunet.Select(y => y.Node));
            report.Rows.Add(new BenchRow("YuNet 640x640 (yunet_n_640_640.onnx), ORT default threads", "median latency",
                Median(yunet.Select(y => y.Ours)), "ms", yunetRef, yunetRef is null ? null : Reference, "ratio <= 1.1 (lower is better)"));
            report.Rows.Add(new BenchRow("YuNet 640x640: RunInto (12 preallocated outputs) against Run (ORT-allocated)", "median latency",
                Median(yunet.Select(y => y.Into)), "ms", Median(yunet.Select(y => y.Ours)), "Run", "ratio <= 0.95 where preallocating pays"));
            var detect = DetectLatency(runtime, yunetPath!, SharedFace(root), yunetRuns);
            if (detect is { } ms)
                report.Rows.Add(new BenchRow("YuNet adapter on astronaut.png (resize + layout + run + decode + NMS)", "median latency", ms, "ms"));
        }
        else report.Notes.Add("YuNet rows skipped: ../shared/data/models/yunet_n_640_640.onnx is absent");

        if (SharedModel(root, "peppa_slim_160_68pt.onnx") is { } peppa)
        {
            context.Log("Peppa landmarker: weights folded vs as exported");
            var (folded, exported) = PeppaLatency(runtime, peppa, yunetRuns * 4);
            report.Rows.Add(new BenchRow("Peppa 160 landmarker, 1 thread: weights folded (TrackerModels) against the export (weights listed as inputs)",
                "median latency", folded, "ms", exported, "as exported", "ratio <= 0.5: folding still pays"));
        }
        else report.Notes.Add("Peppa row skipped: ../shared/data/models/peppa_slim_160_68pt.onnx is absent");

        report.Notes.Add($"ONNX Runtime {runtime.Version} (NuGet Microsoft.ML.OnnxRuntime, its .NET API); the reference carries its own "
            + $"libonnxruntime ({Reference}: 1.31 is not on npm); {rounds} round(s), engine and reference alternating, median round reported.");
        report.Notes.Add("runs/s ratio = swaptalk / reference (higher is better); latency ratio = swaptalk / reference (lower is better).");
        if (node is null || tiny.Any(t => t.Node is null))
            report.Notes.Add("Reference unavailable: node or scripts/bench/inference-setup.sh failed (see the log above); absolute numbers only.");
        return report;
    }

    private static (double Run, double RunInto) TinyThroughput(OrtRuntime runtime, string path, double seconds)
    {
        using var session = runtime.OpenSession(path, new SessionSettings { IntraOpThreads = 1 }, "tiny");
        var x = Fill(16);
        var y = new float[16];
        TensorInput[] inputs = [TensorInput.Of("x", x, 1, 16)];
        TensorOutput[] outputs = [TensorOutput.Of("y", y, 1, 16)];
        float sink = 0;
        double Measure(Action run)
        {
            for (var i = 0; i < 200; i++) run();
            var watch = Stopwatch.StartNew();
            var runs = 0;
            var limit = TimeSpan.FromSeconds(seconds);
            while (watch.Elapsed < limit) { run(); runs++; }
            return runs / watch.Elapsed.TotalSeconds;
        }
        var run = Measure(() => { using var r = session.Run(inputs); sink += r[0].GetSpan<float>()[0]; });
        var runInto = Measure(() => { session.RunInto(inputs, outputs); sink += y[0]; });
        GC.KeepAlive(sink);
        return (run, runInto);
    }

    /// <summary>ORT's IOBinding on its own session: input and output bound once to pinned buffers, then RunWithBinding.</summary>
    private static double TinyIoBinding(string path, double seconds)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1, LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(path, options);
        using var runOptions = new RunOptions();
        var x = Fill(16);
        var y = new float[16];
        using var xValue = OrtValue.CreateTensorValueFromMemory(x, [1, 16]);
        using var yValue = OrtValue.CreateTensorValueFromMemory(y, [1, 16]);
        using var binding = session.CreateIoBinding();
        binding.BindInput("x", xValue);
        binding.BindOutput("y", yValue);
        float sink = 0;
        for (var i = 0; i < 200; i++) session.RunWithBinding(runOptions, binding);
        var watch = Stopwatch.StartNew();
        var runs = 0;
        var limit = TimeSpan.FromSeconds(seconds);
        while (watch.Elapsed < limit) { session.RunWithBinding(runOptions, binding); sink += y[0]; runs++; }
        GC.KeepAlive(sink);
        return runs / watch.Elapsed.TotalSeconds;
    }

    /// <summary>
    /// The Peppa export lists its 152 weights as graph inputs, so ORT must treat them as overridable and cannot fold
    /// constants; TrackerModels drops them from the inputs. Median latency of both, alternating.
    /// </summary>
    private static (double Folded, double Exported) PeppaLatency(OrtRuntime runtime, string path, int runs)
    {
        var bytes = File.ReadAllBytes(path);
        var oneThread = new SessionSettings { IntraOpThreads = 1 };
        using var folded = runtime.OpenSession(TrackerModels.WithoutInitializerInputs(bytes, out _), "peppa_folded", oneThread);
        using var exported = runtime.OpenSession(bytes, "peppa_exported", oneThread);
        TensorInput[] inputs = [TensorInput.Of("input1", Fill(3 * 160 * 160), 1, 3, 160, 160)];
        var a = new double[runs];
        var b = new double[runs];
        for (var i = -3; i < runs; i++)
        {
            var start = Stopwatch.GetTimestamp();
            using (folded.Run(inputs, "output1")) { }
            var t = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            start = Stopwatch.GetTimestamp();
            // The export's weights are inputs with defaults: only input1 is fed, as the pipeline does.
            using (exported.Run(inputs, "output1")) { }
            if (i >= 0) (a[i], b[i]) = (t, Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
        Array.Sort(a);
        Array.Sort(b);
        return (a[runs / 2], b[runs / 2]);
    }

    /// <summary>Median latency with ORT-allocated outputs (Run) and with every output preallocated (RunInto), alternating.</summary>
    private static (double Run, double RunInto) YuNetLatency(OrtRuntime runtime, string path, int runs)
    {
        using var session = runtime.OpenSession(path, new SessionSettings(), "yunet_640");
        var input = Fill(3 * 640 * 640);
        TensorInput[] inputs = [TensorInput.Of("input", input, 1, 3, 640, 640)];
        var outputs = session.Outputs.Select(o =>
        {
            var shape = o.Shape.Select(d => d.Value).ToArray();
            return TensorOutput.Of(o.Name, new float[shape.Aggregate(1L, (a, b) => a * b)], shape);
        }).ToArray();
        for (var i = 0; i < 3; i++) { session.Run(inputs).Dispose(); session.RunInto(inputs, outputs); }
        var times = new double[runs];
        var into = new double[runs];
        for (var i = 0; i < runs; i++)
        {
            var start = Stopwatch.GetTimestamp();
            using (var r = session.Run(inputs)) _ = r[0].GetSpan<float>()[0];
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            start = Stopwatch.GetTimestamp();
            session.RunInto(inputs, outputs);
            into[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        Array.Sort(times);
        Array.Sort(into);
        return (times[runs / 2], into[runs / 2]);
    }

    private static double? DetectLatency(OrtRuntime runtime, string path, string? face, int runs)
    {
        if (face is null) return null;
        using var session = runtime.OpenSession(path, new SessionSettings(), "yunet_640");
        using var image = ImageFile.Read(face);
        var detector = new YuNetDetector(session);
        for (var i = 0; i < 3; i++) detector.Detect(image);
        var times = new double[runs];
        for (var i = 0; i < runs; i++)
        {
            var start = Stopwatch.GetTimestamp();
            detector.Detect(image);
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        Array.Sort(times);
        return times[runs / 2];
    }

    /// <summary>The same deterministic fill as scripts/bench/inference-node.js.</summary>
    private static float[] Fill(int count)
    {
        var data = new float[count];
        for (var i = 0; i < count; i++) data[i] = (float)((long)i * 37 % 255);
        return data;
    }

    private sealed record NodeResult(double RunsPerSecond, double MedianMs);

    private static async Task<string?> PrepareNodeAsync(string root, BenchContext context, CancellationToken ct)
    {
        var modules = Path.Combine(root, "tools", "bench", "node_modules");
        var setup = Path.Combine(root, "scripts", "bench", "inference-setup.sh");
        var (exit, _, stderr) = await RunProcessAsync("bash", [setup], null, ct);
        if (exit != 0)
        {
            context.Log($"reference set-up failed: {stderr.Trim()}");
            return null;
        }
        return modules;
    }

    private static async Task<NodeResult?> NodeAsync(string modules, string root, string model, string input, string shape, string mode,
        double amount, int threads, BenchContext context, CancellationToken ct)
    {
        var script = Path.Combine(root, "scripts", "bench", "inference-node.js");
        var (exit, stdout, stderr) = await RunProcessAsync("node",
            [script, model, input, shape, mode, amount.ToString(System.Globalization.CultureInfo.InvariantCulture), threads.ToString()],
            new Dictionary<string, string> { ["NODE_PATH"] = modules }, ct);
        if (exit != 0)
        {
            context.Log($"reference run failed (node exit {exit}): {stderr.Trim()}");
            return null;
        }
        using var doc = JsonDocument.Parse(stdout.Trim().Split('\n')[^1]);
        return new NodeResult(doc.RootElement.GetProperty("runsPerSecond").GetDouble(), doc.RootElement.GetProperty("medianMs").GetDouble());
    }

    // The project's one process runner; stdout as text (the node reference prints JSON lines).
    private static async Task<(int Exit, string Stdout, string Stderr)> RunProcessAsync(string file, IEnumerable<string> args,
        IReadOnlyDictionary<string, string>? environment, CancellationToken ct)
    {
        var (code, stdout, stderr) = await SwapTalk.Core.Media.MediaProcess.CaptureAsync(file, args, ct, environment);
        return (code, System.Text.Encoding.UTF8.GetString(stdout), stderr);
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "SwapTalk.Functions.sln"))) return dir.FullName;
        return Directory.GetCurrentDirectory();
    }

    private static string? SharedModel(string root, string file) => SharedFile(root, Path.Combine("models", file));

    private static string? SharedFace(string root) => SharedFile(root, Path.Combine("faces", "astronaut.png"));

    private static string? SharedFile(string root, string relative)
    {
        var path = Path.GetFullPath(Path.Combine(root, "..", "shared", "data", relative));
        return File.Exists(path) ? path : null;
    }

    private sealed class TempFolder : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("swaptalk-bench-inference-").FullName;

        public void Dispose()
        {
            try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
        }
    }
}
