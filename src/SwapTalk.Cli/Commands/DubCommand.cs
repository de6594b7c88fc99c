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
    string? EvaluationImage = null,
    IReadOnlyList<string>? Notes = null);

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
        // Paths as typed (strings, not FileInfo): FileInfo would turn "http://host/x.mp4" into "<cwd>/http:/host/x.mp4".
        var face = new Option<string>("--face") { Description = "the portrait whose face the output shows (PNG, JPEG, WebP, BMP or TIFF)", Required = true };
        var video = new Option<string>("--video") { Description = "the target video: someone talking", Required = true };
        var audio = new Option<string?>("--audio") { Description = "the driving speech (cross-driven); omit to re-sync the video's own audio (self-driven)" };
        var models = new Option<string?>("--models") { Description = $"the models folder (default: ${ModelCatalog.DirectoryVariable}, else ./models)" };
        var output = new Option<string>("--out") { Description = "the result: an H.264/AAC .mp4 (or .mkv with --lossless)", Required = true };
        var work = new Option<string?>("--work") { Description = "where the job's blobs live (inputs, plan, segments, report); default: .swaptalk-work beside the output. Keep it to resume. One dub at a time per folder." };
        var segmentFrames = new Option<int>("--segment-frames") { Description = "output frames per segment (the unit of parallel work and of resume)", DefaultValueFactory = _ => new JobOptions().SegmentFrames };
        var policy = new Option<string>("--policy") { Description = "when the audio is longer than the video: ping-pong, freeze or trim", DefaultValueFactory = _ => "ping-pong" };
        policy.AcceptOnlyFromAmong("ping-pong", "freeze", "trim");
        var selection = new Option<string>("--face-selection") { Description = $"which face when there are several: {string.Join(", ", FaceSelectors.Names)}", DefaultValueFactory = _ => FaceSelectors.Names[0] };
        selection.AcceptOnlyFromAmong([.. FaceSelectors.Names]);
        var crf = new Option<int>("--crf") { Description = "H.264 quality, 0..51 (lower is better)", DefaultValueFactory = _ => new OutputQuality().Crf };
        var preset = new Option<string>("--preset") { Description = "x264 preset (ultrafast .. veryslow)", DefaultValueFactory = _ => new OutputQuality().Preset };
        var lossless = new Option<bool>("--lossless") { Description = "FFV1 segments and a lossless .mkv output (exact frames; large files)" };
        var json = new Option<bool>("--json") { Description = "print one JSON object on stdout and nothing else, on success and on failure (progress goes to stderr)" };
        var telemetry = new Option<string?>("--telemetry") { Description = "save the job's spans and metrics (OpenTelemetry-style) as JSON to this file (.json)" };
        var parallel = new Option<int?>("--parallel") { Description = $"segments rendered at once (default {PipelineOptions.DefaultSegmentParallelism(Environment.ProcessorCount)} on this machine)" };
        var threads = new Option<int?>("--threads") { Description = $"ONNX Runtime threads per model (default {PipelineOptions.DefaultIntraOpThreads(Environment.ProcessorCount)} on this machine)" };
        var batch = new Option<int>("--batch") { Description = "aligned faces per model run", DefaultValueFactory = _ => 8 };
        var preview = new Option<string?>("--preview") { Description = "where to write the before/after sheet, .png or .jpg (default: the output's name + .preview.png)" };
        var noPreview = new Option<bool>("--no-preview") { Description = "write no preview sheet" };
        var engine = new Option<string>("--engine") { Description = "geometric (no trained weights), latent (the SwapTalk models) or auto (latent for trained exports, else geometric)", DefaultValueFactory = _ => "auto" };
        engine.AcceptOnlyFromAmong("auto", "geometric", "latent");
        var credit = new Option<string?>("--credit") { Description = "a credit line for the preview sheet (e.g. the target video's licence attribution)" };
        var evaluate = new Option<bool>("--eval") { Description = "evaluate the output afterwards (swaptalk eval against the portrait, the target video and the driving audio); adds it to report.json and writes OUT.eval.png" };
        var identity = new Option<string?>("--identity-model") { Description = $"with --eval: the MobileFaceNet identity model (default: ${Core.Evaluation.EvaluationModels.IdentityModelVariable}, else MODELS/{Core.Evaluation.EvaluationModels.IdentityModelFile})" };
        var force = new Option<bool>("--force") { Description = "replace existing files at the output paths (without it, only this job's own earlier outputs are replaced)" };
        var allowNoFace = new Option<bool>("--allow-no-face") { Description = "accept a video in which no frame shows a face (it passes through unchanged)" };
        var storage = FleetCommandOptions.Storage();
        storage.Description = "run the job on a fleet of 'swaptalk worker's through this storage account (connection string or account URL) instead of here";
        var taskHub = FleetCommandOptions.TaskHub();

        var command = new Command("dub", "Dub a video: the portrait's face on the target video, lips synced to the driving audio");
        foreach (var o in new Option[] { face, video, audio, models, output, work, segmentFrames, policy, selection, engine, crf, preset, lossless, json, telemetry, parallel, threads, batch, preview, noPreview, credit, evaluate, identity, force, allowNoFace, storage, taskHub })
            command.Options.Add(o);
        command.SetAction(async (parse, ct) =>
        {
            var outPath = parse.GetValue(output)!;
            var request = new JobRequest
            {
                Portrait = FullPath(parse.GetValue(face)!),
                Video = FullPath(parse.GetValue(video)!),
                Audio = parse.GetValue(audio) is { } a ? FullPath(a) : null,
                Models = parse.GetValue(models) is { } m ? FullPath(m) : ModelCatalog.ResolveDirectory(null),
                Output = FullPath(outPath),
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
                    ? await RemoteDub.RunAsync(request, fleet, parse.GetValue(force), parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, ct)
                    : BadInput;
            var outFull = request.Output!;
            var settings = new DubSettings(
                WorkDirectory: parse.GetValue(work) is { } w ? FullPath(w) : Path.Combine(Path.GetDirectoryName(outFull) ?? ".", ".swaptalk-work"),
                Json: parse.GetValue(json),
                TelemetryPath: parse.GetValue(telemetry) is { } t ? FullPath(t) : null,
                Parallelism: parse.GetValue(parallel),
                Threads: parse.GetValue(threads),
                Batch: parse.GetValue(batch),
                PreviewPath: parse.GetValue(noPreview) ? null : (parse.GetValue(preview) is { } p ? FullPath(p) : PreviewPathFor(outFull)),
                Credit: parse.GetValue(credit),
                Evaluate: parse.GetValue(evaluate),
                IdentityModel: parse.GetValue(identity),
                Force: parse.GetValue(force),
                AllowNoFace: parse.GetValue(allowNoFace),
                PreviewFlag: parse.GetValue(preview) is null ? "--preview (default name)" : "--preview");
            return await RunAsync(request, settings, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, ct);
        });
        return command;
    }

    /// <summary>The full path of a typed path, except URL-like ones, which stay as typed so the message can name them.</summary>
    private static string FullPath(string typed)
    {
        if (string.IsNullOrWhiteSpace(typed) || typed.Contains('\0') || Core.Files.InputPaths.LooksLikeUrl(typed)) return typed;
        try { return Path.GetFullPath(typed); }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException) { return typed; }
    }

    internal sealed record DubSettings(string WorkDirectory, bool Json, string? TelemetryPath, int? Parallelism, int? Threads, int Batch,
        string? PreviewPath = null, string? Credit = null, bool Evaluate = false, string? IdentityModel = null, bool Force = false,
        bool AllowNoFace = false, string PreviewFlag = "--preview");

    /// <summary>out.mp4 -> out.preview.png, beside the output.</summary>
    internal static string PreviewPathFor(string output) =>
        Path.Combine(Path.GetDirectoryName(output) ?? ".", Path.GetFileNameWithoutExtension(output) + ".preview.png");

    internal static async Task<int> RunAsync(JobRequest request, DubSettings settings, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var fail = new CommandFailures("dub", stdout, stderr, settings.Json);
        string? jobId = null;
        string UserWords(string message) => jobId is null ? message : DubInputChecks.InUserWords(message, request, settings.WorkDirectory, jobId);
        try
        {
            return await RunCheckedAsync(request, settings, stdout, stderr, fail, id => jobId = id, UserWords, cancellationToken);
        }
        catch (BadInputException e)
        {
            return fail.BadInput(e.Errors, DubInputChecks.FlagOf, UserWords);
        }
        catch (Core.Files.WorkFolderBusyException e)
        {
            return fail.Failed(BadInput, e.Message, "work folder in use", "--work");
        }
        catch (WorkflowFailedException e)
        {
            var cause = e.RootCause;
            if (e.IsPermanent)
                return fail.BadInput(DubInputChecks.FromFailureMessage(cause.ErrorMessage), DubInputChecks.FlagOf, UserWords);
            if (e.EnvironmentFailure != Core.Files.EnvironmentFailure.None)
                return fail.Failed(Failed, Core.Files.EnvironmentFailures.Sentence(e.EnvironmentFailure, settings.WorkDirectory, DubInputChecks.EstimateWorkBytes(request, settings)) +
                    "; run the same command again afterwards: finished segments are kept", "environment");
            var message = $"the job failed: {UserWords(cause.ErrorMessage)}";
            if (jobId is not null) message += $"\ndub: report: {Path.Combine(settings.WorkDirectory, BlobNames.Report(jobId))}";
            message += "\ndub: run the same command again to retry; finished segments are kept";
            return fail.Failed(Failed, message);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return fail.Cancelled($"cancelled. Finished segments are kept in {settings.WorkDirectory}; run the same command again to resume.");
        }
        catch (MediaException e) when (e.IsBadInput)
        {
            return fail.BadInput([new JobInputError("input", e.Message)], DubInputChecks.FlagOf, UserWords);
        }
        catch (Exception e) when (Core.Files.EnvironmentFailures.Classify(e) is var kind and not Core.Files.EnvironmentFailure.None)
        {
            var folder = e.Message.Contains(Path.GetDirectoryName(request.Output!)!, StringComparison.Ordinal) && !e.Message.Contains(settings.WorkDirectory, StringComparison.Ordinal)
                ? Path.GetDirectoryName(request.Output!)!
                : settings.WorkDirectory;
            return fail.Failed(Failed, Core.Files.EnvironmentFailures.Sentence(kind, folder, DubInputChecks.EstimateWorkBytes(request, settings)), "environment");
        }
        catch (Exception e)
        {
            // Anything else, an OperationCanceledException not asked for by the user included.
            return fail.Unexpected(e, "the dub");
        }
    }

    private static async Task<int> RunCheckedAsync(JobRequest request, DubSettings settings, TextWriter stdout, TextWriter stderr, CommandFailures fail,
        Action<string> onJobId, Func<string, string> userWords, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var limits = JobLimits.Default;

        // 1. Everything that needs no media or model code, at once: options, input files, every output location.
        var problems = new List<JobInputError>();
        if (settings.Parallelism is < 1 or > 64) problems.Add(new("--parallel", $"{settings.Parallelism} is out of range; use 1..64"));
        if (settings.Threads is < 0 or > 256) problems.Add(new("--threads", $"{settings.Threads} is out of range; use 0 (ORT's choice) .. 256"));
        if (settings.Batch is < 1 or > 64) problems.Add(new("--batch", $"{settings.Batch} is out of range; use 1..64"));
        var checkedRequest = request with { Output = null }; // the output is checked below with every other output
        problems.AddRange(new JobValidator(limits).CheckRequest(checkedRequest));
        var own = new Core.Files.OwnOutputs(settings.WorkDirectory);
        var outputs = DubInputChecks.Outputs(request, settings);
        problems.AddRange(Core.Files.OutputCheck.Check(DubInputChecks.Inputs(request, settings), outputs, settings.Force, own.IsOwn));
        problems.AddRange(Core.Files.OutputCheck.CheckWorkFolder("--work", settings.WorkDirectory));
        string? identityModel = null;
        if (settings.Evaluate)
        {
            identityModel = Core.Evaluation.EvaluationModels.ResolveIdentityModel(settings.IdentityModel, request.Models);
            if (!File.Exists(identityModel))
                problems.Add(new(settings.IdentityModel is null ? "--eval" : "--identity-model",
                    $"the identity model '{identityModel}' does not exist (MobileFaceNet; give --identity-model FILE, or put {Core.Evaluation.EvaluationModels.IdentityModelFile} in the models folder)"));
        }
        else if (settings.IdentityModel is not null)
            problems.Add(new("--identity-model", "is only used with --eval"));

        PipelineServices.ReturnLargeBlocksToTheSystem(); // flat memory over long jobs (see there)
        OrtRuntime runtime;
        using var loggers = CliLogging.Create();
        try
        {
            runtime = OrtRuntime.Initialize(new OrtRuntimeOptions(), loggers);
        }
        catch (OrtLibraryException e)
        {
            return fail.Failed(Failed, e.Message);
        }
        if (problems.Any(p => p.Input == "--work"))
            return fail.BadInput(problems, DubInputChecks.FlagOf, userWords);

        // 2. One dub per work folder; what a killed run left there and beside the outputs goes.
        using var workLock = Core.Files.WorkFolderLock.Acquire(settings.WorkDirectory, "swaptalk dub", [".scratch", ".tmp"]);
        var leftovers = workLock.LeftoverBytesRemoved + outputs.Sum(o => Core.Files.AtomicFile.RemoveLeftovers(o.Path));
        var progressOut = settings.Json ? stderr : stdout;
        if (leftovers > 0) progressOut.WriteLine($"dub: removed {leftovers / 1e6:0.#} MB of temporary files left by an earlier run that was stopped");

        var options = new PipelineOptions { BatchSize = settings.Batch, Limits = limits };
        options = options with
        {
            SegmentParallelism = settings.Parallelism ?? options.SegmentParallelism,
            IntraOpThreads = settings.Threads ?? options.IntraOpThreads,
            ScratchDirectory = Path.Combine(settings.WorkDirectory, ".scratch"),
        };
        var store = new FileSystemBlobStore(settings.WorkDirectory);
        using var services = new PipelineServices(store, MediaEngine.FromEnvironment(), runtime, modelsDirectory: null, loggers, options);
        using var recorder = settings.TelemetryPath is null ? null : new TelemetryRecorder(); // keeps every span: only when asked

        // 3. The probed facts (faces, streams, sizes, lengths) with every problem found so far, listed together.
        IJobInputInspector inspector;
        try
        {
            inspector = new DubInputChecks.RememberingInspector(PipelineActivities.UpFrontInspector(services, request.Models));
        }
        catch (BadInputException e)
        {
            problems.AddRange(e.Errors);
            inspector = new DubInputChecks.RememberingInspector(new DubInputChecks.WithoutDetector(PipelineActivities.Inspector(services), e));
        }
        var validation = await new JobValidator(limits, inspector).ValidateAsync(checkedRequest, cancellationToken);
        problems.AddRange(validation.Errors);
        if (problems.Count > 0) return fail.BadInput(problems, DubInputChecks.FlagOf, userWords);

        var progress = new DubProgress(progressOut, interactive: !settings.Json && ReferenceEquals(stdout, Console.Out) && !Console.IsOutputRedirected);
        AnnounceLength(progressOut, request, validation);
        if (validation.Portrait is { QuarterTurns: not 0 and var quarterTurns })
            progressOut.WriteLine($"dub: {Core.Vision.Detection.PortraitOrientation.Describe(quarterTurns)}");
        var registry = PipelineActivities.Register(new ActivityRegistry(), services);
        var tracker = new JobProgressTracker(progress.Update);
        var events = new Progress(e =>
        {
            // The root instance's id is the job id (children are "{jobId}:render:NNNN").
            if (e is WorkflowStarted started && !started.InstanceId.Contains(':')) onJobId(started.InstanceId);
            tracker.Report(e);
        });
        var runner = new LocalJobRunner(store, registry,
            new LocalExecutorOptions { MaxParallelActivities = options.SegmentParallelism, Progress = events },
            inspector, PipelineActivities.Inventory(services), limits);

        progress.Start(settings.WorkDirectory);
        LocalJobResult result;
        try
        {
            using (progress)
                result = await runner.RunAsync(checkedRequest, cancellationToken: cancellationToken);
        }
        finally
        {
            progress.Stop();
        }

        var reportPath = Path.Combine(settings.WorkDirectory, result.Result.ReportBlob);
        var report = await store.ReadJsonAsync<JobReport>(result.Result.ReportBlob, cancellationToken: CancellationToken.None);
        if (report.FramesWithFace == 0 && !settings.AllowNoFace)
            return fail.BadInput([new JobInputError("video",
                $"no face in any of the {report.OutputFrames} frames of '{request.Video}'; nothing was dubbed and no output was written (give --allow-no-face to pass the video through)")], DubInputChecks.FlagOf, userWords);

        // 4. The output, renamed into place when complete; then the files around it.
        var outputPath = request.Output!;
        await Core.Files.AtomicFile.WriteAsync(outputPath, async temp =>
        {
            await using var source = await store.OpenReadAsync(result.Result.OutputBlob, cancellationToken);
            await using var target = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
            await source.CopyToAsync(target, cancellationToken);
            target.Flush(flushToDisk: true);
        });
        own.Record(outputPath);
        var finished = result with { OutputPath = outputPath };
        var notes = await DubFollowUps.OutputNotesAsync(services, outputPath, report, settings.AllowNoFace, request);
        if (validation.Portrait is { QuarterTurns: not 0 and var turns })
            notes.Add(new("portraitQuarterTurns", Core.Vision.Detection.PortraitOrientation.Describe(turns), turns));
        if (notes.Count > 0) await DubFollowUps.AddToReportAsync(store, result.Result.ReportBlob, notes);
        if (recorder is not null)
        {
            await recorder.SaveAsync(settings.TelemetryPath!, CancellationToken.None);
            own.Record(settings.TelemetryPath);
        }
        var previewPath = await DubFollowUps.WritePreviewAsync(request, settings, services, store, finished, stderr, cancellationToken);
        own.Record(previewPath);
        var (evalCode, evaluation) = settings.Evaluate
            ? await DubFollowUps.EvaluateAsync(request, finished, store, identityModel, stderr, cancellationToken)
            : (Ok, null);
        own.Record(evaluation?.Image);
        if (evalCode == Cancelled) cancellationToken.ThrowIfCancellationRequested();
        var peak = PeakMemoryBytes();
        if (settings.Json)
        {
            stdout.WriteLine(JsonSerializer.Serialize(new DubJsonResult(outputPath, reportPath, result.Result.JobId, result.Result.OutputFrames,
                result.Result.FramesWithFace, result.Result.SegmentsRendered, result.Result.SegmentsReused, watch.Elapsed.TotalSeconds, peak, previewPath,
                evaluation?.Image, notes.Select(n => n.Text).ToList()), Json));
        }
        else
        {
            DubProgress.Summary(stdout, report, outputPath, reportPath, watch.Elapsed, settings.TelemetryPath);
            foreach (var note in notes) stdout.WriteLine($"dub: {note.Text}");
            if (previewPath is not null) stdout.WriteLine($"dub: preview: {previewPath}");
            if (evaluation is not null) EvalCommand.Summary(stdout, evaluation);
        }
        return evalCode;
    }

    /// <summary>Before rendering: how long the output will be, with a warning when it dwarfs the video (a long audio).</summary>
    internal static void AnnounceLength(TextWriter writer, JobRequest request, JobValidationResult validation)
    {
        if (validation.Video is not { FrameCount: > 0 } video || !video.FrameRate.IsValid) return;
        var frames = JobPlanner.OutputFrameCount(video, validation.Audio?.DurationSeconds, request.Options.LengthPolicy);
        var seconds = video.FrameRate.FrameSeconds(frames);
        writer.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"dub: the output will have {frames} frames ({seconds:0.##} s at {video.FrameRate} fps); the video has {video.FrameCount}"));
        if (frames > 10 * video.FrameCount)
            writer.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"dub: warning: the output will be {(double)frames / video.FrameCount:0.#} times as long as the video, because the audio '{request.Audio}' is much longer ({JsonName(request.Options.LengthPolicy)}); use --policy trim to keep the video's length"));
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
