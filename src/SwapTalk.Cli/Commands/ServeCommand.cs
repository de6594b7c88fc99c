using System.CommandLine;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using SwapTalk.Core.Activities;
using SwapTalk.Core.Evaluation;
using SwapTalk.Core.Execution;
using SwapTalk.Core.Hosting.Starting;
using SwapTalk.Core.Inference;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Media;
using SwapTalk.Core.Imaging;
using SwapTalk.Core.Models;
using SwapTalk.Core.Stages;
using SwapTalk.Core.Storage;
using SwapTalk.Core.Workflow;
using SwapTalk.Http;

namespace SwapTalk.Cli.Commands;

/// <summary>
/// <c>swaptalk serve [--urls http://127.0.0.1:8080] [--work DIR] [--models DIR] [--token T]</c>: the web page and the
/// job HTTP API (the Functions app's routes, bodies and problems, from the shared SwapTalk.Http handlers) on Kestrel,
/// with jobs on the embedded executor. After a job succeeds the server writes what the page shows beside it: the
/// preview sheet, the evaluation (image and numbers) and the original as H.264 for the browser.
/// </summary>
internal static class ServeCommand
{
    public const string DefaultUrl = "http://127.0.0.1:8080";

    public static Command Create()
    {
        var urls = new Option<string>("--urls") { Description = "where to listen, ';'-separated; an address other machines can reach needs --token", DefaultValueFactory = _ => DefaultUrl };
        var work = new Option<DirectoryInfo?>("--work") { Description = "where jobs and uploads are kept (default: ./.swaptalk-serve); keep it and jobs resume after a restart" };
        var models = new Option<DirectoryInfo?>("--models") { Description = $"the models folder every job uses (default: ${ModelCatalog.DirectoryVariable}, else ./models)" };
        var token = new Option<string?>("--token") { Description = $"access token for API requests (default: ${AccessToken.EnvironmentVariable}); required off loopback" };
        var maxUpload = new Option<long>("--max-upload-bytes") { Description = "largest upload (default 2 GiB: a 10-minute 1080p clip)", DefaultValueFactory = _ => UploadOptions.DefaultMaxUploadBytes };
        var parallel = new Option<int?>("--parallel") { Description = $"segments rendered at once (default {PipelineOptions.DefaultSegmentParallelism(Environment.ProcessorCount)} on this machine)" };
        var evaluate = new Option<bool>("--no-eval") { Description = "skip the evaluation after each job (it adds the time of one pass over the output)" };

        var command = new Command("serve", "Serve the web page and the job API on this machine (jobs run here, as with dub)");
        foreach (var o in new Option[] { urls, work, models, token, maxUpload, parallel, evaluate }) command.Options.Add(o);
        command.SetAction(async (parse, ct) =>
        {
            var stderr = parse.InvocationConfiguration.Error;
            var list = new List<Uri>();
            foreach (var text in parse.GetValue(urls)!.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || url.Scheme != Uri.UriSchemeHttp)
                {
                    stderr.WriteLine($"serve: --urls '{text}' is not an http:// address (e.g. {DefaultUrl})");
                    return DubCommand.BadInput;
                }
                list.Add(url);
            }
            var accessToken = parse.GetValue(token) ?? Environment.GetEnvironmentVariable(AccessToken.EnvironmentVariable);
            if (string.IsNullOrWhiteSpace(accessToken)) accessToken = null;
            if (AccessToken.Check(list, accessToken) is { } problem)
            {
                stderr.WriteLine($"serve: {problem}");
                return DubCommand.BadInput;
            }
            if (parse.GetValue(maxUpload) < 1)
            {
                stderr.WriteLine("serve: --max-upload-bytes must be positive");
                return DubCommand.BadInput;
            }
            var modelsDir = parse.GetValue(models)?.FullName ?? ModelCatalog.ResolveDirectory(null);
            if (!Directory.Exists(modelsDir))
            {
                stderr.WriteLine($"serve: the models folder {modelsDir} does not exist (--models DIR or ${ModelCatalog.DirectoryVariable})");
                return DubCommand.BadInput;
            }
            var options = new ServeOptions(list, parse.GetValue(work)?.FullName ?? Path.GetFullPath(".swaptalk-serve"), Path.GetFullPath(modelsDir),
                accessToken, parse.GetValue(maxUpload));
            return await RunAsync(options, parse.GetValue(parallel), !parse.GetValue(evaluate), parse.InvocationConfiguration.Output, stderr, ct);
        });
        return command;
    }

    private static async Task<int> RunAsync(ServeOptions options, int? parallel, bool evaluate, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        PipelineServices.ReturnLargeBlocksToTheSystem();
        using var loggers = LoggerFactory.Create(b => b
            .AddSimpleConsole(o => o.SingleLine = true)
            .SetMinimumLevel(LogLevel.Warning)
            .AddFilter("SwapTalk.Inference.OnnxRuntime", LogLevel.Error));
        OrtRuntime runtime;
        try
        {
            runtime = OrtRuntime.Initialize(new OrtRuntimeOptions(), loggers);
        }
        catch (OrtLibraryException e)
        {
            stderr.WriteLine($"serve: {e.Message}");
            return DubCommand.Failed;
        }

        Directory.CreateDirectory(options.WorkDirectory);
        var stores = ServeHost.Stores(options.WorkDirectory);
        var pipeline = new PipelineOptions { Limits = options.Limits ?? JobLimits.Default };
        pipeline = pipeline with
        {
            SegmentParallelism = parallel ?? pipeline.SegmentParallelism,
            ScratchDirectory = Path.Combine(options.WorkDirectory, ".scratch"),
        };
        using var services = new PipelineServices(stores.Jobs, MediaEngine.FromEnvironment(), runtime, options.ModelsDirectory, loggers, pipeline);
        var registry = PipelineActivities.Register(new ActivityRegistry(), services);
        var inspector = new MediaUploadInspector(services, options.ModelsDirectory, pipeline.Limits);
        var finisher = new Finisher(services, stores.Jobs, options.ModelsDirectory, evaluate, loggers.CreateLogger("SwapTalk.Serve"));

        await using var app = ServeHost.Build(options, stores, registry, inspector,
            new LocalExecutorOptions { MaxParallelActivities = pipeline.SegmentParallelism }, finisher.RunAsync,
            logging => logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning)
                // A port in use is reported below in one line, not as the host's stack trace.
                .AddFilter("Microsoft.Extensions.Hosting", LogLevel.None));
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException e)
        {
            stderr.WriteLine($"serve: cannot listen on {string.Join(", ", options.Urls)}: {e.Message}");
            return DubCommand.Failed;
        }
        foreach (var url in options.Urls) stdout.WriteLine($"serve: listening on {url.ToString().TrimEnd('/')}/{(options.Token is null ? "" : " (access token required)")}");
        stdout.WriteLine($"serve: jobs and uploads in {options.WorkDirectory}; Ctrl-C stops (running jobs resume at the next start)");
        stdout.Flush();
        // Ctrl-C or SIGTERM reach either the command's token or the web host's own lifetime, whichever handles the signal.
        var stopping = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (app.Lifetime.ApplicationStopping.Register(() => stopping.TrySetResult()))
        using (cancellationToken.Register(() => stopping.TrySetResult()))
            await stopping.Task;
        await app.StopAsync(CancellationToken.None);
        stdout.WriteLine("serve: stopped");
        return DubCommand.Ok;
    }

    /// <summary>What the page shows after a dub, written into the job's output folder: preview, evaluation, original for the browser.</summary>
    private sealed class Finisher(PipelineServices services, IBlobStore jobs, string modelsDir, bool evaluate, ILogger log)
    {
        public async Task RunAsync(CloudDubJobInput input, DubJobResult result, CancellationToken cancellationToken)
        {
            var store = (FileSystemBlobStore)jobs;
            var report = await jobs.ReadJsonAsync<JobReport>(result.ReportBlob, cancellationToken: cancellationToken);
            var plan = await jobs.ReadJsonAsync<JobPlan>(BlobNames.Plan(result.JobId), cancellationToken: cancellationToken);
            var portrait = store.PathOf(report.Inputs.Portrait);
            var video = store.PathOf(report.Inputs.Video);
            var output = store.PathOf(result.OutputBlob);
            var outputDir = Path.GetDirectoryName(output)!;
            try
            {
                var header = new List<string>
                {
                    $"SWAPTALK DUB  {result.JobId}",
                    $"{plan.OutputFrameCount} FRAMES AT {plan.FrameRate} FPS, {plan.Width}X{plan.Height}",
                    $"ENGINE {Core.Engines.EngineSelection.Name(plan.Engine).ToUpperInvariant()}",
                };
                await DubPreview.WriteAsync(services.Media, plan, portrait, video, output, store.PathOf(JobFiles.PreviewBlob(result.JobId)), header,
                    cancellationToken: cancellationToken);
            }
            catch (Exception e) when (e is MediaException or IOException or InvalidDataException)
            {
                log.LogWarning("serve: job {JobId}: the preview sheet was not written ({Message})", result.JobId, e.Message);
            }
            await OriginalAsync(video, store.PathOf(JobFiles.OriginalBlob(result.JobId)), cancellationToken);
            if (!evaluate) return;
            var request = new EvaluationRequest
            {
                Video = output, Portrait = portrait, Original = video,
                Audio = report.Inputs.Audio is { } audio ? store.PathOf(audio) : null,
                LongerOutput = EvalCommand.RuleFor(input.Options.LengthPolicy),
            };
            var messages = new StringWriter();
            var (_, evaluation) = await EvalCommand.EvaluateAsync(request, modelsDir, null, store.PathOf(JobFiles.EvaluationBlob(result.JobId)), messages, cancellationToken);
            if (evaluation is null)
            {
                log.LogWarning("serve: job {JobId}: no evaluation: {Message}", result.JobId, messages.ToString().Trim());
                return;
            }
            Directory.CreateDirectory(outputDir);
            await jobs.WriteTextAsync(JobFiles.EvaluationJsonBlob(result.JobId), JsonSerializer.Serialize(evaluation, EvalCommand.Json), cancellationToken: cancellationToken);
        }

        /// <summary>The target video as H.264 (no sound: the page plays the dub's), so any browser can show it beside the dub.</summary>
        private async Task OriginalAsync(string video, string target, CancellationToken cancellationToken)
        {
            var info = await services.Media.ProbeAsync(video, cancellationToken);
            var stream = info.RequireVideo();
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            var temp = target + ".partial.mp4";
            await using (var writer = services.Media.OpenWriter(temp, stream, VideoEncoding.H264(23, "veryfast", fastStart: true), ColorOrder.Rgb, cancellationToken))
            {
                await foreach (var frame in services.Media.ReadFramesAsync(info, cancellationToken: cancellationToken))
                    using (frame)
                        await writer.WriteAsync(frame.Image, cancellationToken);
                await writer.CompleteAsync(cancellationToken);
            }
            File.Move(temp, target, overwrite: true);
        }
    }
}
