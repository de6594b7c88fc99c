using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using SwapTalk.Core.Activities;
using SwapTalk.Core.Execution;
using SwapTalk.Core.Inference;
using SwapTalk.Core.Jobs;
using MediaEngine = SwapTalk.Core.Media.MediaEngine;
using MediaException = SwapTalk.Core.Media.MediaException;
using SwapTalk.Core.Models;
using SwapTalk.Core.Stages;
using SwapTalk.Core.Storage;
using SwapTalk.Core.Telemetry;

namespace SwapTalk.Cli.Commands;

/// <summary>What <c>swaptalk dub --json</c> prints: one object, nothing else on stdout.</summary>
internal sealed record DubJsonResult(
    string Output,
    string Report,
    string JobId,
    int Frames,
    int FramesWithFace,
    int SegmentsRendered,
    int SegmentsReused,
    double Seconds,
    long PeakMemoryBytes,
    string? Preview,
    string? EvaluationImage = null);

/// <summary>
/// <c>swaptalk dub --face F --video V [--audio A] [--models DIR] --out O [--work DIR]</c>: the whole job on this
/// machine (validate, plan, prepare, render segments in parallel, stitch, report), with progress, the report's
/// path at the end and meaningful exit codes: 0 ok, 2 bad input or usage, 3 cancelled (run the same command again
/// to resume: finished segments stay in the work folder), 1 anything else.
/// </summary>
internal static class DubCommand
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int BadInput = 2;
    public const int Cancelled = 3;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.Never };

    public static Command Create()
    {
        var face = new Option<FileInfo>("--face") { Description = "the portrait whose face the output shows (PNG, JPEG, WebP, BMP or TIFF)", Required = true };
        var video = new Option<FileInfo>("--video") { Description = "the target video: someone talking", Required = true };
        var audio = new Option<FileInfo?>("--audio") { Description = "the driving speech (cross-driven); omit to re-sync the video's own audio (self-driven)" };
        var models = new Option<DirectoryInfo?>("--models") { Description = $"the models folder (default: ${ModelCatalog.DirectoryVariable}, else ./models)" };
        var output = new Option<FileInfo>("--out") { Description = "the result: an H.264/AAC .mp4 (or .mkv with --lossless)", Required = true };
        var work = new Option<DirectoryInfo?>("--work") { Description = "where the job's blobs live (inputs, plan, segments, report); default: .swaptalk-work beside the output. Keep it to resume." };
        var segmentFrames = new Option<int>("--segment-frames") { Description = "output frames per segment (the unit of parallel work and of resume)", DefaultValueFactory = _ => new JobOptions().SegmentFrames };
        var policy = new Option<string>("--policy") { Description = "when the audio is longer than the video: ping-pong, freeze or trim", DefaultValueFactory = _ => "ping-pong" };
        policy.AcceptOnlyFromAmong("ping-pong", "freeze", "trim");
        var selection = new Option<string>("--face-selection") { Description = $"which face when there are several: {string.Join(", ", FaceSelectors.Names)}", DefaultValueFactory = _ => FaceSelectors.Names[0] };
        selection.AcceptOnlyFromAmong([.. FaceSelectors.Names]);
        var crf = new Option<int>("--crf") { Description = "H.264 quality, 0..51 (lower is better)", DefaultValueFactory = _ => new OutputQuality().Crf };
        var preset = new Option<string>("--preset") { Description = "x264 preset (ultrafast .. veryslow)", DefaultValueFactory = _ => new OutputQuality().Preset };
        var lossless = new Option<bool>("--lossless") { Description = "FFV1 segments and a lossless .mkv output (exact frames; large files)" };
        var json = new Option<bool>("--json") { Description = "print one JSON result object on stdout and nothing else (progress goes to stderr)" };
        var telemetry = new Option<FileInfo?>("--telemetry") { Description = "save the job's spans and metrics (OpenTelemetry-style) as JSON to this file" };
        var parallel = new Option<int?>("--parallel") { Description = $"segments rendered at once (default {PipelineOptions.DefaultSegmentParallelism(Environment.ProcessorCount)} on this machine)" };
        var threads = new Option<int?>("--threads") { Description = $"ONNX Runtime threads per model (default {PipelineOptions.DefaultIntraOpThreads(Environment.ProcessorCount)} on this machine)" };
        var batch = new Option<int>("--batch") { Description = "aligned faces per model run", DefaultValueFactory = _ => 8 };
        var preview = new Option<FileInfo?>("--preview") { Description = "where to write the before/after PNG sheet (default: the output's name + .preview.png)" };
        var noPreview = new Option<bool>("--no-preview") { Description = "write no preview sheet" };
        var engine = new Option<string>("--engine") { Description = "geometric (no trained weights), latent (the SwapTalk models) or auto (latent for trained exports, else geometric)", DefaultValueFactory = _ => "auto" };
        engine.AcceptOnlyFromAmong("auto", "geometric", "latent");
        var credit = new Option<string?>("--credit") { Description = "a credit line for the preview sheet (e.g. the target video's licence attribution)" };
        var evaluate = new Option<bool>("--eval") { Description = "evaluate the output afterwards (swaptalk eval against the portrait, the target video and the driving audio); adds it to report.json and writes OUT.eval.png" };
        var storage = FleetCommandOptions.Storage();
        storage.Description = "run the job on a fleet of 'swaptalk worker's through this storage account (connection string or account URL) instead of here";
        var taskHub = FleetCommandOptions.TaskHub();

        var command = new Command("dub", "Dub a video: the portrait's face on the target video, lips synced to the driving audio");
        foreach (var o in new Option[] { face, video, audio, models, output, work, segmentFrames, policy, selection, engine, crf, preset, lossless, json, telemetry, parallel, threads, batch, preview, noPreview, credit, evaluate, storage, taskHub })
            command.Options.Add(o);
        command.SetAction(async (parse, ct) =>
        {
            var outFile = parse.GetValue(output)!;
            var request = new JobRequest
            {
                Portrait = parse.GetValue(face)!.FullName,
                Video = parse.GetValue(video)!.FullName,
                Audio = parse.GetValue(audio)?.FullName,
                Models = parse.GetValue(models)?.FullName ?? ModelCatalog.ResolveDirectory(null),
                Output = outFile.FullName,
                Options = new JobOptions
                {
                    SegmentFrames = parse.GetValue(segmentFrames),
                    LengthPolicy = ParsePolicy(parse.GetValue(policy)!),
                    FaceSelection = FaceSelectors.Parse(parse.GetValue(selection)!),
                    Engine = ParseEngine(parse.GetValue(engine)!),
                    Quality = new OutputQuality { Crf = parse.GetValue(crf), Preset = parse.GetValue(preset)!, Lossless = parse.GetValue(lossless) },
                },
            };
            if (parse.GetValue(storage) is not null)
                return FleetCommandOptions.Resolve(parse, storage, taskHub, parse.InvocationConfiguration.Error, "dub") is { } fleet
                    ? await RemoteDub.RunAsync(request, fleet, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, ct)
                    : BadInput;
            var settings = new DubSettings(
                WorkDirectory: parse.GetValue(work)?.FullName ?? Path.Combine(outFile.DirectoryName ?? ".", ".swaptalk-work"),
                Json: parse.GetValue(json),
                TelemetryPath: parse.GetValue(telemetry)?.FullName,
                Parallelism: parse.GetValue(parallel),
                Threads: parse.GetValue(threads),
                Batch: parse.GetValue(batch),
                PreviewPath: parse.GetValue(noPreview) ? null : (parse.GetValue(preview)?.FullName ?? PreviewPathFor(outFile.FullName)),
                Credit: parse.GetValue(credit),
                Evaluate: parse.GetValue(evaluate));
            return await RunAsync(request, settings, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, ct);
        });
        return command;
    }

    internal sealed record DubSettings(string WorkDirectory, bool Json, string? TelemetryPath, int? Parallelism, int? Threads, int Batch,
        string? PreviewPath = null, string? Credit = null, bool Evaluate = false);

    /// <summary>out.mp4 -> out.preview.png, beside the output.</summary>
    internal static string PreviewPathFor(string output) =>
        Path.Combine(Path.GetDirectoryName(output) ?? ".", Path.GetFileNameWithoutExtension(output) + ".preview.png");

    internal static async Task<int> RunAsync(JobRequest request, DubSettings settings, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var limits = JobLimits.Default;
        if (settings.Parallelism is < 1 or > 64) return Usage(stderr, $"--parallel {settings.Parallelism} is out of range; use 1..64");
        if (settings.Threads is < 0 or > 256) return Usage(stderr, $"--threads {settings.Threads} is out of range; use 0 (ORT's choice) .. 256");
        if (settings.Batch is < 1 or > 64) return Usage(stderr, $"--batch {settings.Batch} is out of range; use 1..64");

        PipelineServices.ReturnLargeBlocksToTheSystem(); // flat memory over long jobs (see there)

        // Every problem with the request itself at once, before anything heavy starts.
        var problems = new JobValidator(limits).CheckRequest(request);
        if (problems.Count > 0) return Report(stderr, new BadInputException(problems));

        OrtRuntime runtime;
        using var loggers = CliLogging.Create();
        try
        {
            runtime = OrtRuntime.Initialize(new OrtRuntimeOptions(), loggers);
        }
        catch (OrtLibraryException e)
        {
            stderr.WriteLine($"dub: {e.Message}");
            return Failed;
        }

        var options = new PipelineOptions { BatchSize = settings.Batch, Limits = limits };
        options = options with
        {
            SegmentParallelism = settings.Parallelism ?? options.SegmentParallelism,
            IntraOpThreads = settings.Threads ?? options.IntraOpThreads,
            ScratchDirectory = Path.Combine(settings.WorkDirectory, ".scratch"),
        };
        Directory.CreateDirectory(settings.WorkDirectory);
        var store = new FileSystemBlobStore(settings.WorkDirectory);
        using var services = new PipelineServices(store, MediaEngine.FromEnvironment(), runtime, modelsDirectory: null, loggers, options);
        using var recorder = settings.TelemetryPath is null ? null : new TelemetryRecorder(); // keeps every span: only when asked
        var progress = new DubProgress(settings.Json ? stderr : stdout, interactive: !settings.Json && ReferenceEquals(stdout, Console.Out) && !Console.IsOutputRedirected);
        string? jobId = null;
        try
        {
            var inspector = PipelineActivities.UpFrontInspector(services, request.Models);
            var registry = PipelineActivities.Register(new ActivityRegistry(), services);
            var tracker = new JobProgressTracker(progress.Update);
            var events = new Progress(e =>
            {
                // The root instance's id is the job id (children are "{jobId}:render:NNNN").
                if (e is WorkflowStarted started && !started.InstanceId.Contains(':')) jobId = started.InstanceId;
                tracker.Report(e);
            });
            var runner = new LocalJobRunner(store, registry,
                new LocalExecutorOptions { MaxParallelActivities = options.SegmentParallelism, Progress = events },
                inspector, PipelineActivities.Inventory(services), limits);

            progress.Start(settings.WorkDirectory);
            LocalJobResult result;
            using (progress)
                result = await runner.RunAsync(request, cancellationToken: cancellationToken);

            var reportPath = Path.Combine(settings.WorkDirectory, result.Result.ReportBlob);
            var report = await store.ReadJsonAsync<JobReport>(result.Result.ReportBlob, cancellationToken: CancellationToken.None);
            if (recorder is not null) await recorder.SaveAsync(settings.TelemetryPath!, CancellationToken.None);
            var previewPath = await WritePreviewAsync(request, settings, services, store, result, stderr);
            var (evalCode, evaluation) = settings.Evaluate
                ? await EvaluateAsync(request, result, store, stderr, cancellationToken)
                : (Ok, null);
            var peak = PeakMemoryBytes();
            if (settings.Json)
            {
                stdout.WriteLine(JsonSerializer.Serialize(new DubJsonResult(result.OutputPath!, reportPath, result.Result.JobId, result.Result.OutputFrames,
                    result.Result.FramesWithFace, result.Result.SegmentsRendered, result.Result.SegmentsReused, watch.Elapsed.TotalSeconds, peak, previewPath,
                    evaluation?.Image), Json));
            }
            else
            {
                DubProgress.Summary(stdout, report, result.OutputPath!, reportPath, watch.Elapsed, settings.TelemetryPath);
                if (previewPath is not null) stdout.WriteLine($"dub: preview: {previewPath}");
                if (evaluation is not null) EvalCommand.Summary(stdout, evaluation);
            }
            return evalCode;
        }
        catch (BadInputException e)
        {
            progress.Stop();
            return Report(stderr, e);
        }
        catch (WorkflowFailedException e)
        {
            progress.Stop();
            var cause = e.RootCause;
            stderr.WriteLine($"dub: the job failed: {cause.ErrorMessage}");
            if (jobId is not null) stderr.WriteLine($"dub: report: {Path.Combine(settings.WorkDirectory, BlobNames.Report(jobId))}");
            if (!e.IsPermanent) stderr.WriteLine("dub: run the same command again to retry; finished segments are kept");
            return e.IsPermanent ? BadInput : Failed;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            progress.Stop();
            stderr.WriteLine($"dub: cancelled. Finished segments are kept in {settings.WorkDirectory}; run the same command again to resume.");
            return Cancelled;
        }
        catch (MediaException e) when (e.IsBadInput)
        {
            progress.Stop();
            stderr.WriteLine($"dub: bad input: {e.Message}");
            return BadInput;
        }
    }

    /// <summary>
    /// The before/after sheet. The job has succeeded by now, so a preview that cannot be written is a warning,
    /// never a failed dub.
    /// </summary>
    private static async Task<string?> WritePreviewAsync(JobRequest request, DubSettings settings, PipelineServices services, IBlobStore store,
        LocalJobResult result, TextWriter stderr)
    {
        if (settings.PreviewPath is null || result.OutputPath is null) return null;
        try
        {
            var plan = await store.ReadJsonAsync<JobPlan>(BlobNames.Plan(result.Result.JobId));
            var header = new List<string>
            {
                $"SWAPTALK DUB  {result.Result.JobId}",
                $"PORTRAIT {Path.GetFileName(request.Portrait)}   VIDEO {Path.GetFileName(request.Video)}   AUDIO {(request.Audio is null ? "(THE VIDEO'S OWN)" : Path.GetFileName(request.Audio))}",
                $"{plan.OutputFrameCount} FRAMES AT {plan.FrameRate} FPS, {plan.Width}X{plan.Height}, {JsonName(plan.Mode)}, {JsonName(plan.LengthPolicy)}",
                $"ENGINE {Core.Engines.EngineSelection.Name(plan.Engine).ToUpperInvariant()}",
            };
            if (!string.IsNullOrWhiteSpace(settings.Credit)) header.Add(settings.Credit!);
            await DubPreview.WriteAsync(services.Media, plan, request.Portrait, request.Video, result.OutputPath, settings.PreviewPath, header);
            return settings.PreviewPath;
        }
        catch (Exception e) when (e is MediaException or IOException or InvalidDataException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"dub: warning: the preview sheet was not written ({e.Message}); the dub itself is complete");
            return null;
        }
    }

    /// <summary>
    /// <c>--eval</c>: the output against the portrait, the target video (the original) and the driving audio, added to
    /// report.json as "evaluation". The dub is complete either way; an evaluation that cannot run says why and exits non-zero.
    /// </summary>
    private static async Task<(int, Core.Evaluation.EvaluationResult?)> EvaluateAsync(JobRequest request, LocalJobResult result, IBlobStore store,
        TextWriter stderr, CancellationToken cancellationToken)
    {
        var evalRequest = new Core.Evaluation.EvaluationRequest
        {
            Video = result.OutputPath!, Portrait = request.Portrait, Original = request.Video, Audio = request.Audio,
            LongerOutput = EvalCommand.RuleFor(request.Options.LengthPolicy),
        };
        var (code, evaluation) = await EvalCommand.EvaluateAsync(evalRequest, request.Models, identityModel: null,
            EvalCommand.ImagePathFor(result.OutputPath!, null), stderr, cancellationToken);
        if (evaluation is null)
        {
            stderr.WriteLine($"dub: the evaluation did not run; the dub itself is complete: {result.OutputPath}");
            return (code, null);
        }
        var report = System.Text.Json.Nodes.JsonNode.Parse(await store.ReadTextAsync(result.Result.ReportBlob, CancellationToken.None))!.AsObject();
        report["evaluation"] = JsonSerializer.SerializeToNode(evaluation, EvalCommand.Json);
        await store.WriteTextAsync(result.Result.ReportBlob, report.ToJsonString(EvalCommand.Json), cancellationToken: CancellationToken.None);
        return (Ok, evaluation);
    }

    /// <summary>Forwards executor events synchronously (System.Progress would post them to the thread pool, out of order).</summary>
    private sealed class Progress(Action<ExecutionEvent> report) : IProgress<ExecutionEvent>
    {
        public void Report(ExecutionEvent value) => report(value);
    }

    internal static int ReportBadInput(TextWriter stderr, BadInputException e) => Report(stderr, e);

    private static int Report(TextWriter stderr, BadInputException e)
    {
        if (e.Errors.Count == 1) stderr.WriteLine($"dub: bad input: {e.Errors[0]}");
        else
        {
            stderr.WriteLine($"dub: bad input ({e.Errors.Count} problems):");
            foreach (var error in e.Errors) stderr.WriteLine($"  - {error}");
        }
        return BadInput;
    }

    private static int Usage(TextWriter stderr, string message)
    {
        stderr.WriteLine($"dub: {message}");
        return BadInput;
    }

    private static DubEngine ParseEngine(string text) => text switch
    {
        "geometric" => DubEngine.Geometric,
        "latent" => DubEngine.Latent,
        _ => DubEngine.Auto,
    };

    private static LengthPolicy ParsePolicy(string text) => text switch
    {
        "freeze" => LengthPolicy.Freeze,
        "trim" => LengthPolicy.Trim,
        _ => LengthPolicy.PingPong,
    };

    /// <summary>This process's peak resident memory (VmHWM) where /proc has it, else the GC's view of the peak working set.</summary>
    internal static long PeakMemoryBytes()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line[6..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return Process.GetCurrentProcess().PeakWorkingSet64;
    }

    /// <summary>The name the CLI and job JSON use for an option value ("cross-driven", "ping-pong"), not the C# enum's.</summary>
    private static string JsonName<T>(T value) where T : struct, Enum =>
        JsonSerializer.Serialize(value, JobRequestJson.Options).Trim('"');
}
