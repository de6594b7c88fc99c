using System.Text.Json;
using DurableTask.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SwapTalk.Cli.Hosting;
using SwapTalk.Core.Activities;
using SwapTalk.Core.Execution;
using SwapTalk.Core.Inference;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Storage;
using SwapTalk.Core.Workflow;
using SwapTalk.Fleet;

namespace SwapTalk.Cli.Commands;

/// <summary>
/// <c>swaptalk dub ... --storage CONN</c>: the same job on a fleet. Validates and stages the inputs into the job's
/// blobs on the storage account, starts the dub in the task hub under the job id (a second submission attaches),
/// shows progress from the workflow's custom status and downloads the output to --out. Ctrl-C stops following;
/// the job goes on (swaptalk jobs status|cancel).
/// </summary>
internal static class RemoteDub
{
    public static async Task<int> RunAsync(JobRequest request, FleetOptions fleet, bool force, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var problems = new JobValidator(JobLimits.Default).CheckRequest(request with { Output = null }).ToList();
        // The files this command downloads are checked as the embedded dub checks its outputs, before anything is staged.
        var output = Path.GetFullPath(request.Output!);
        var reportPath = ReportPath(output);
        var own = new Core.Files.OwnOutputs(Path.Combine(Path.GetDirectoryName(output) ?? ".", OwnOutputsFolder));
        problems.AddRange(Core.Files.OutputCheck.Check(Inputs(request),
            [new("--out", output, request.Options?.Quality is { Lossless: true } ? [".mkv"] : [".mp4"]), new("--out (its report copy)", reportPath, [".json"])],
            force, own.IsOwn));
        if (problems.Count > 0) return ReportBadInput(stderr, new BadInputException(problems));
        IBlobStore? store = null; // the fleet's, opened below: PipelineServices asks for it only then
        using var host = CliHost.ForJobs(_ => store ?? throw new InvalidOperationException("the fleet's job store is not open yet"), new PipelineOptions());
        try
        {
            host.Services.GetRequiredService<OrtRuntime>();
        }
        catch (OrtLibraryException e)
        {
            stderr.WriteLine($"dub: {e.Message}");
            return DubCommand.Failed;
        }
        var scratch = Path.Combine(Path.GetTempPath(), $"swaptalk-submit-{Environment.ProcessId}");
        try
        {
            store = await fleet.Storage.JobStoreAsync(fleet.TaskHub, scratch, cancellationToken);
            var services = host.Services.GetRequiredService<PipelineServices>();
            // The same validation, job id and staging as the embedded run: the same inputs give the same job anywhere.
            var runner = new LocalJobRunner(store, new ActivityRegistry(), null, PipelineActivities.UpFrontInspector(services, request.Models),
                PipelineActivities.Inventory(services), JobLimits.Default);
            var staged = await runner.StageAsync(request, cancellationToken: cancellationToken);
            var client = await FleetClient.ConnectAsync(fleet, host.Services.GetRequiredService<ILoggerFactory>());
            var started = await client.StartOrAttachAsync(staged.Input);
            stdout.WriteLine(started ? $"dub: job {staged.JobId} started on task hub {fleet.TaskHub}" : $"dub: job {staged.JobId} is already in task hub {fleet.TaskHub}: attached");
            var final = await client.WaitAsync(staged.JobId, s => stdout.WriteLine($"dub: {Describe(s)}"), TimeSpan.FromSeconds(1), cancellationToken);
            if (final.Status != OrchestrationStatus.Completed)
            {
                stderr.WriteLine($"dub: the job {final.Status.ToString().ToLowerInvariant()}: {final.FailureMessage}");
                return JobRetry.IsBadInput(new Microsoft.DurableTask.TaskFailureDetails(final.FailureType ?? "", final.FailureMessage ?? "", null, null, null))
                    ? DubCommand.BadInput : DubCommand.Failed;
            }
            await runner.ExportAsync(final.Result!.OutputBlob, output, cancellationToken);
            // The report comes down beside the output (as the preview does for an embedded dub): the same summary, and who rendered what.
            await runner.ExportAsync(final.Result.ReportBlob, reportPath, cancellationToken);
            own.Record(output, reportPath);
            var report = JsonSerializer.Deserialize<JobReport>(await File.ReadAllTextAsync(reportPath, cancellationToken), StoredJson.Options)!;
            DubProgress.Summary(stdout, report, output, reportPath, watch.Elapsed, telemetryPath: null);
            return DubCommand.Ok;
        }
        catch (BadInputException e)
        {
            return ReportBadInput(stderr, e);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            stderr.WriteLine("dub: stopped following; the job goes on in the task hub (swaptalk jobs status|cancel ID --storage ...)");
            return DubCommand.Cancelled;
        }
        finally
        {
            try { if (Directory.Exists(scratch)) Directory.Delete(scratch, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>Where a fleet dub records the files it downloaded, so the same command again may replace them without --force
    /// (the embedded dub's default work folder, beside the output).</summary>
    internal const string OwnOutputsFolder = ".swaptalk-work";

    private static IEnumerable<Core.Files.UserInput> Inputs(JobRequest request)
    {
        yield return new("--face", request.Portrait);
        yield return new("--video", request.Video);
        if (request.Audio is not null) yield return new("--audio", request.Audio);
    }

    /// <summary>Where a fleet dub's report is downloaded: beside the output, <c>NAME.report.json</c>.</summary>
    internal static string ReportPath(string output) => Path.ChangeExtension(output, ".report.json");

    internal static string Describe(FleetJobState state) => state.Progress is { } p
        ? $"{state.Status.ToString().ToLowerInvariant()}: {p.Phase} {p.SegmentsDone}/{p.SegmentsTotal} segments, {p.FramesDone}/{p.FramesTotal} frames"
        : state.Status.ToString().ToLowerInvariant();

    private static int ReportBadInput(TextWriter stderr, BadInputException e)
    {
        if (e.Errors.Count == 1) stderr.WriteLine($"dub: bad input: {e.Errors[0]}");
        else
        {
            stderr.WriteLine($"dub: bad input ({e.Errors.Count} problems):");
            foreach (var error in e.Errors) stderr.WriteLine($"  - {error}");
        }
        return DubCommand.BadInput;
    }
}
