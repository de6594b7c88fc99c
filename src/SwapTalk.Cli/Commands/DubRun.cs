using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using SwapTalk.Cli.Hosting;
using SwapTalk.Core.Activities;
using SwapTalk.Core.Execution;
using SwapTalk.Core.Files;
using SwapTalk.Core.Inference;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Storage;
using SwapTalk.Core.Telemetry;

namespace SwapTalk.Cli.Commands;

/// <summary>
/// One <c>swaptalk dub</c> on this machine, in order: every up-front problem (<see cref="DubPreflight"/>), the work
/// folder taken, the inputs probed and validated, the job run with progress, the output renamed into place, then the
/// follow-ups (<see cref="DubFollowUps"/>). Failures surface as exceptions that <see cref="LocalDub"/> words.
/// </summary>
internal static class DubRun
{
    public static async Task<int> RunAsync(JobRequest request, DubSettings settings, TextWriter stdout, TextWriter stderr, CommandFailures fail,
        Action<string> onJobId, Func<string, string> userWords, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var limits = JobLimits.Default;
        var checkedRequest = request with { Output = null }; // the output is the command's to write, not the job's
        var (problems, own, outputs, identityModel) = DubPreflight.Check(request, settings, limits);
        var options = new PipelineOptions { BatchSize = settings.Batch, Limits = limits };
        options = options with
        {
            SegmentParallelism = settings.Parallelism ?? options.SegmentParallelism,
            IntraOpThreads = settings.Threads ?? options.IntraOpThreads,
            ScratchDirectory = Path.Combine(settings.WorkDirectory, ".scratch"),
        };
        using var host = CliHost.ForJobs(_ => new FileSystemBlobStore(settings.WorkDirectory), options);
        try
        {
            host.Services.GetRequiredService<OrtRuntime>();
        }
        catch (OrtLibraryException e)
        {
            return fail.Failed(DubCommand.Failed, e.Message);
        }
        if (problems.Any(p => p.Input == "--work"))
            return fail.BadInput(problems, DubInputChecks.FlagOf, userWords);

        // One dub per work folder; what a killed run left there and beside the outputs goes.
        using var workLock = WorkFolderLock.Acquire(settings.WorkDirectory, "swaptalk dub", [".scratch", ".tmp"]);
        var leftovers = workLock.LeftoverBytesRemoved + outputs.Sum(o => AtomicFile.RemoveLeftovers(o.Path));
        var progressOut = settings.Json ? stderr : stdout;
        if (leftovers > 0) progressOut.WriteLine($"dub: removed {leftovers / 1e6:0.#} MB of temporary files left by an earlier run that was stopped");
        var store = host.Services.GetRequiredService<IBlobStore>();
        var services = host.Services.GetRequiredService<PipelineServices>();
        using var recorder = settings.TelemetryPath is null ? null : new TelemetryRecorder(); // keeps every span: only when asked

        // The probed facts (faces, streams, sizes, lengths) with every problem found so far, listed together.
        var (inspector, validation) = await DubInputProbe.ValidateAsync(services, checkedRequest, limits, problems, cancellationToken);
        if (problems.Count > 0) return fail.BadInput(problems, DubInputChecks.FlagOf, userWords);

        DubAnnouncements.AnnounceLength(progressOut, request, validation);
        if (validation.Portrait is { QuarterTurns: not 0 and var quarterTurns })
            progressOut.WriteLine($"dub: {Core.Vision.Detection.PortraitOrientation.Describe(quarterTurns)}");
        var progress = new DubProgress(progressOut, interactive: !settings.Json && ReferenceEquals(stdout, Console.Out) && !Console.IsOutputRedirected);
        var runner = new LocalJobRunner(store, host.Services.GetRequiredService<ActivityRegistry>(),
            new LocalExecutorOptions { MaxParallelActivities = options.SegmentParallelism, Progress = progress.Events(onJobId) },
            inspector, PipelineActivities.Inventory(services), limits);
        var result = await progress.FollowAsync(settings.WorkDirectory, () => runner.RunAsync(checkedRequest, cancellationToken: cancellationToken));

        var report = await store.ReadJsonAsync<JobReport>(result.Result.ReportBlob, cancellationToken: CancellationToken.None);
        if (report.FramesWithFace == 0 && !settings.AllowNoFace)
            return fail.BadInput([new JobInputError("video",
                $"no face in any of the {report.OutputFrames} frames of '{request.Video}'; nothing was dubbed and no output was written (give --allow-no-face to pass the video through)")], DubInputChecks.FlagOf, userWords);

        // The output, renamed into place when complete; then the files around it.
        var outputPath = request.Output!;
        await AtomicFile.WriteAsync(outputPath, async temp =>
        {
            await using var source = await store.OpenReadAsync(result.Result.OutputBlob, cancellationToken);
            await using var target = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
            await source.CopyToAsync(target, cancellationToken);
            target.Flush(flushToDisk: true);
        });
        own.Record(outputPath);
        var followUps = new DubFollowUps(host.Services, request, settings, own, stdout, stderr);
        return await followUps.RunAsync(result with { OutputPath = outputPath }, report, recorder, validation.Portrait?.QuarterTurns ?? 0, identityModel, watch, cancellationToken);
    }
}
