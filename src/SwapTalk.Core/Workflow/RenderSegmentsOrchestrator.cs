using Microsoft.DurableTask;
using SwapTalk.Core.Activities;
using SwapTalk.Core.Jobs;

namespace SwapTalk.Core.Workflow;

/// <summary>A batch of consecutive segments to render (one child workflow).</summary>
public sealed record RenderSegmentsInput(
    string JobId,
    int BatchIndex,
    int FirstSegment,
    int SegmentCount,
    string PlanBlob,
    string VideoBlob,
    string SourceLatentBlob,
    string AudioFeaturesBlob,
    string ModelsDir,
    FaceSelection FaceSelection,
    JobRetry? Retry = null);

/// <summary>
/// A batch's rendered segments and, if any failed, which ones and the first (lowest) failure. Failures are data
/// here rather than a failed child, so the parent sees the activity's own error type whatever the engine (a failed
/// sub-orchestration reports the orchestrator's exception, with the activity's failure one level down).
/// </summary>
public sealed record RenderSegmentsResult(int BatchIndex, IReadOnlyList<RenderSegmentResult> Segments, IReadOnlyList<int> FailedSegments, SegmentFailure? FirstFailure);

/// <summary>A segment that failed after its retries: the activity's error type and message, without a stack trace (kept small).</summary>
public sealed record SegmentFailure(int SegmentIndex, SegmentFailureCause Failure);

/// <summary>The part of the SDK's <see cref="TaskFailureDetails"/> a batch hands up.</summary>
public sealed record SegmentFailureCause(string ErrorType, string ErrorMessage)
{
    public static SegmentFailureCause From(TaskFailureDetails failure) => new(failure.ErrorType, failure.ErrorMessage);

    public TaskFailureDetails ToFailureDetails() => new(ErrorType, ErrorMessage, null, null, null);
}

/// <summary>
/// Renders one batch of segments in parallel (one RenderSegment activity each) and reports progress as its
/// custom status. Waits for every segment and returns failures as data, so finished segments are stored for a
/// resume and the parent sees each failure's type whatever the engine.
/// </summary>
public sealed class RenderSegmentsOrchestrator : TaskOrchestrator<RenderSegmentsInput, RenderSegmentsResult>
{
    /// <summary>A batch's instance id: the job's, the batch's number (deterministic, so a rerun finds the same child).</summary>
    public static string InstanceId(string jobInstanceId, int batchIndex) => $"{jobInstanceId}:render:{batchIndex:D4}";

    public override async Task<RenderSegmentsResult> RunAsync(TaskOrchestrationContext context, RenderSegmentsInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var options = (input.Retry ?? JobRetry.Default).ToTaskOptions();
        var calls = new Dictionary<Task<RenderSegmentResult>, int>();
        var pending = new List<Task<RenderSegmentResult>>(input.SegmentCount);
        for (var i = 0; i < input.SegmentCount; i++)
        {
            var index = input.FirstSegment + i;
            var call = context.CallActivityAsync<RenderSegmentResult>(ActivityNames.RenderSegment,
                new RenderSegmentInput(input.JobId, index, input.PlanBlob, input.VideoBlob, input.SourceLatentBlob,
                    input.AudioFeaturesBlob, input.ModelsDir, input.FaceSelection), options);
            calls[call] = i;
            pending.Add(call);
        }

        var results = new RenderSegmentResult?[input.SegmentCount];
        var failed = new List<int>();
        SegmentFailure? first = null;
        var (done, framesDone) = (0, 0);
        while (pending.Count > 0)
        {
            var finished = await Task.WhenAny(pending);
            pending.Remove(finished);
            var i = calls[finished];
            try
            {
                results[i] = await finished;
            }
            catch (TaskFailedException ex)
            {
                var index = input.FirstSegment + i;
                failed.Add(index);
                if (first is null || index < first.SegmentIndex) first = new SegmentFailure(index, SegmentFailureCause.From(ex.FailureDetails));
            }
            framesDone += results[i]?.Frames ?? 0;
            // The batch's own progress (its frame total is the parent's to know): clients that follow the job add these up.
            context.SetCustomStatus(new JobStatus(JobStatus.Rendering, ++done, input.SegmentCount, framesDone, 0));
        }
        failed.Sort();
        return new RenderSegmentsResult(input.BatchIndex, results.Where(r => r is not null).Select(r => r!).ToArray(), failed, first);
    }
}
