using System.Runtime.ExceptionServices;
using Microsoft.DurableTask;
using SwapTalk.Core.Activities;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Storage;

namespace SwapTalk.Core.Workflow;

/// <summary>The dub workflow's input: the job id, its input blobs, the models folder (on the workers) and options.</summary>
/// <param name="Retry">Retry of every activity; null: <see cref="JobRetry.Default"/>.</param>
public sealed record DubJobInput(string JobId, JobInputBlobs Inputs, string ModelsDir, JobOptions Options, JobRetry? Retry = null);

public sealed record DubJobResult(
    string JobId,
    string OutputBlob,
    string ReportBlob,
    int OutputFrames,
    int FramesWithFace,
    int SegmentsRendered,
    int SegmentsReused);

/// <summary>The custom status: which phase, and segments/frames done of the total (for progress and ETA).</summary>
public sealed record JobStatus(string Phase, int SegmentsDone, int SegmentsTotal, int FramesDone, int FramesTotal)
{
    public const string Planning = "planning";
    public const string Preparing = "preparing";
    public const string Rendering = "rendering";
    public const string Stitching = "stitching";
    public const string Reporting = "reporting";
    public const string Done = "done";
    public const string Failed = "failed";
}

/// <summary>
/// The dub, written once for every engine: plan -> prepare source and audio features (in parallel) -> render all
/// segments (fan out through <see cref="RenderSegmentsOrchestrator"/> sub-orchestrations of at most
/// <see cref="JobOptions.SegmentsPerBatch"/> segments, so even an hour-long clip keeps every history small)
/// -> fan in -> stitch -> report. A failure is written to the report, then rethrown. Durable's rules: decisions
/// depend only on the input and on activity results; time comes from the context; no I/O here.
/// </summary>
public sealed class DubJobOrchestrator : TaskOrchestrator<DubJobInput, DubJobResult>
{
    public override Task<DubJobResult> RunAsync(TaskOrchestrationContext context, DubJobInput input) => RunDubAsync(context, input);

    /// <summary>The dub on <paramref name="context"/>; also run inline by orchestrations that start with other steps.</summary>
    public static async Task<DubJobResult> RunDubAsync(TaskOrchestrationContext context, DubJobInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var started = context.CurrentUtcDateTime;
        var jobId = input.JobId;
        var activity = (input.Retry ?? JobRetry.Default).ToTaskOptions();
        var stages = new List<StageTiming>();
        var step = ActivityNames.PlanJob;
        PlanJobResult? plan = null;
        PrepareSourceResult? source = null;
        PrepareAudioFeaturesResult? audio = null;
        var segments = new List<RenderSegmentResult>();
        double? renderFps = null;
        try
        {
            context.SetCustomStatus(new JobStatus(JobStatus.Planning, 0, 0, 0, 0));
            var t0 = context.CurrentUtcDateTime;
            plan = await context.CallActivityAsync<PlanJobResult>(ActivityNames.PlanJob,
                new PlanJobInput(jobId, input.Inputs, input.ModelsDir, input.Options), activity);
            stages.Add(new StageTiming("plan", plan.Seconds, Since(context, t0), 1));

            step = "prepare";
            context.SetCustomStatus(new JobStatus(JobStatus.Preparing, 0, plan.SegmentCount, 0, plan.OutputFrames));
            t0 = context.CurrentUtcDateTime;
            var sourceTask = context.CallActivityAsync<PrepareSourceResult>(ActivityNames.PrepareSource,
                new PrepareSourceInput(jobId, input.Inputs.Portrait, input.ModelsDir, input.Options.FaceSelection, input.Inputs.Video, plan.PlanBlob), activity);
            var audioTask = context.CallActivityAsync<PrepareAudioFeaturesResult>(ActivityNames.PrepareAudioFeatures,
                new PrepareAudioFeaturesInput(jobId, input.Inputs.DrivingAudio, input.ModelsDir, plan.Engine), activity);
            await Task.WhenAll(sourceTask, audioTask);
            source = await sourceTask;
            audio = await audioTask;
            var prepareWall = Since(context, t0);
            stages.Add(new StageTiming("prepare-source", source.Seconds, prepareWall, 1));
            stages.Add(new StageTiming("audio-features", audio.Seconds, prepareWall, 1));

            step = ActivityNames.RenderSegment;
            context.SetCustomStatus(new JobStatus(JobStatus.Rendering, 0, plan.SegmentCount, 0, plan.OutputFrames));
            t0 = context.CurrentUtcDateTime;
            var batchSize = input.Options.SegmentsPerBatch;
            var batches = new List<Task<RenderSegmentsResult>>();
            for (int first = 0, b = 0; first < plan.SegmentCount; first += batchSize, b++)
            {
                var batch = new RenderSegmentsInput(jobId, b, first, Math.Min(batchSize, plan.SegmentCount - first), plan.PlanBlob,
                    input.Inputs.Video, source.SourceLatentBlob, audio.AudioFeaturesBlob, input.ModelsDir, input.Options.FaceSelection, input.Retry);
                // Children get no retry of their own: their activities already retried. Their ids derive from the job's.
                batches.Add(context.CallSubOrchestratorAsync<RenderSegmentsResult>(WorkflowNames.RenderSegments, batch,
                    new SubOrchestrationOptions { InstanceId = RenderSegmentsOrchestrator.InstanceId(context.InstanceId, b) }));
            }
            ExceptionDispatchInfo? childFailure = null;
            SegmentFailure? segmentFailure = null;
            var pending = new List<Task<RenderSegmentsResult>>(batches);
            while (pending.Count > 0)
            {
                var done = await Task.WhenAny(pending);
                pending.Remove(done);
                try
                {
                    var batch = await done;
                    segments.AddRange(batch.Segments);
                    if (batch.FirstFailure is { } f && (segmentFailure is null || f.SegmentIndex < segmentFailure.SegmentIndex)) segmentFailure = f;
                }
                catch (TaskFailedException ex)
                {
                    // Let the other batches finish: their segments are stored and a resumed job skips them.
                    childFailure ??= ExceptionDispatchInfo.Capture(ex);
                }
                context.SetCustomStatus(new JobStatus(JobStatus.Rendering, segments.Count, plan.SegmentCount, segments.Sum(s => s.Frames), plan.OutputFrames));
            }
            if (segmentFailure is not null)
                throw new TaskFailedException($"{ActivityNames.RenderSegment} {segmentFailure.SegmentIndex}", -1, segmentFailure.Failure.ToFailureDetails());
            childFailure?.Throw();
            var renderWall = Since(context, t0);
            stages.Add(new StageTiming("render", segments.Sum(s => s.Seconds), renderWall, segments.Count));
            renderFps = renderWall > 0 ? plan.OutputFrames / renderWall : null;

            step = ActivityNames.Stitch;
            context.SetCustomStatus(new JobStatus(JobStatus.Stitching, plan.SegmentCount, plan.SegmentCount, plan.OutputFrames, plan.OutputFrames));
            t0 = context.CurrentUtcDateTime;
            var stitch = await context.CallActivityAsync<StitchResult>(ActivityNames.Stitch,
                new StitchInput(jobId, plan.PlanBlob, plan.SegmentCount, input.Inputs.DrivingAudio, input.Options.Quality, BlobNames.Output(jobId)), activity);
            stages.Add(new StageTiming("stitch", stitch.Seconds, Since(context, t0), 1));

            step = ActivityNames.WriteReport;
            context.SetCustomStatus(new JobStatus(JobStatus.Reporting, plan.SegmentCount, plan.SegmentCount, plan.OutputFrames, plan.OutputFrames));
            var report = Report(context, input, started, plan, source, segments, stages, renderFps, JobOutcome.Succeeded, stitch.OutputBlob, null, audio);
            var written = await context.CallActivityAsync<WriteReportResult>(ActivityNames.WriteReport, new WriteReportInput(report, plan.PlanBlob), activity);
            context.SetCustomStatus(new JobStatus(JobStatus.Done, plan.SegmentCount, plan.SegmentCount, plan.OutputFrames, plan.OutputFrames));
            return new DubJobResult(jobId, stitch.OutputBlob, written.ReportBlob, stitch.Frames, report.FramesWithFace,
                report.SegmentsRendered, report.SegmentsReused);
        }
        catch (TaskFailedException ex) when (step != ActivityNames.WriteReport)
        {
            var cause = ex.FailureDetails;
            var failure = new JobFailure(step, cause.ErrorType, cause.ErrorMessage, JobRetry.IsBadInput(cause));
            var report = Report(context, input, started, plan, source, segments, stages, renderFps, JobOutcome.Failed, null, failure, audio);
            try
            {
                await context.CallActivityAsync<WriteReportResult>(ActivityNames.WriteReport, new WriteReportInput(report, plan?.PlanBlob), activity);
            }
            catch (TaskFailedException)
            {
                // The job's own failure is the one to surface.
            }
            context.SetCustomStatus(new JobStatus(JobStatus.Failed, segments.Count, plan?.SegmentCount ?? 0, segments.Sum(s => s.Frames), plan?.OutputFrames ?? 0));
            throw;
        }
    }

    private static double Since(TaskOrchestrationContext context, DateTime start) => (context.CurrentUtcDateTime - start).TotalSeconds;

    private static JobReport Report(
        TaskOrchestrationContext context, DubJobInput input, DateTime started, PlanJobResult? plan, PrepareSourceResult? source, List<RenderSegmentResult> segments,
        List<StageTiming> stages, double? renderFps, JobOutcome outcome, string? outputBlob, JobFailure? failure, PrepareAudioFeaturesResult? audio) => new()
        {
            JobId = input.JobId,
            Outcome = outcome,
            Mode = plan?.Mode,
            Engine = plan?.Engine,
            LengthPolicy = input.Options.LengthPolicy,
            Inputs = input.Inputs,
            OutputBlob = outputBlob,
            StartedUtc = started,
            FinishedUtc = context.CurrentUtcDateTime,
            FrameRate = plan?.FrameRate,
            Width = plan?.Width,
            Height = plan?.Height,
            OutputSeconds = plan?.OutputSeconds,
            OutputFrames = outcome == JobOutcome.Succeeded ? plan!.OutputFrames : segments.Sum(s => s.Frames),
            FramesWithFace = segments.Sum(s => s.FramesWithFace),
            Segments = plan?.SegmentCount ?? 0,
            SegmentsRendered = segments.Count(s => !s.Reused),
            SegmentsReused = segments.Count(s => s.Reused),
            RenderFramesPerSecond = renderFps,
            Stages = stages.ToArray(),
            Models = plan?.Models ?? [],
            Failure = failure,
            RenderStages = RenderStages(segments),
            PortraitFaces = source?.FacesFound,
            ReferenceFrame = source?.ReferenceFrame,
            Notes = [.. Notes(plan, source), .. audio?.MouthDrive is { } mouth && plan is { Mode: JobMode.CrossDriven } ? [mouth] : Array.Empty<string>()],
        };

    /// <summary>Per-stage work inside rendering, summed over segments in the order the first segment reported them.</summary>
    private static StageTiming[] RenderStages(List<RenderSegmentResult> segments) =>
        segments.OrderBy(s => s.SegmentIndex)
            .SelectMany(s => s.Stages ?? [])
            .GroupBy(t => t.Stage)
            .Select(g => new StageTiming(g.Key, g.Sum(t => t.Seconds), g.Sum(t => t.WallSeconds), g.Sum(t => t.Calls)))
            .ToArray();

    private static string[] Notes(PlanJobResult? plan, PrepareSourceResult? source)
    {
        var notes = new List<string>();
        if (source is { FacesFound: > 1 })
            notes.Add($"the portrait shows {source.FacesFound} faces; the one the face selection picks was used");
        if (plan?.EngineNotes is { } engineNotes) notes.AddRange(engineNotes);
        return notes.ToArray();
    }
}
