using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace SwapTalk.Core.Telemetry;

/// <summary>
/// The OpenTelemetry-compatible instruments of the whole engine, on the BCL's ActivitySource and Meter (no SDK
/// needed to emit): any host can export them (OpenTelemetry's AddSource("SwapTalk")/AddMeter("SwapTalk"),
/// Application Insights), and <see cref="TelemetryRecorder"/> prints or saves them without an exporter.
/// Stages and activities tag spans and measurements with the job and segment (<see cref="Tags"/>).
/// </summary>
public static class SwapTalkTelemetry
{
    public const string SourceName = "SwapTalk";
    public const string MeterName = "SwapTalk";

    public static readonly ActivitySource Source = new(SourceName, "1.0");
    public static readonly Meter Meter = new(MeterName, "1.0");

    /// <summary>Attribute names (OpenTelemetry style: lowercase, dot-separated, namespaced).</summary>
    public static class Tags
    {
        public const string JobId = "swaptalk.job.id";
        public const string SegmentIndex = "swaptalk.segment.index";
        public const string Stage = "swaptalk.stage";
        public const string Activity = "swaptalk.activity";
        public const string Workflow = "swaptalk.workflow";
        public const string WorkflowInstance = "swaptalk.workflow.instance";
        public const string Attempt = "swaptalk.attempt";
        public const string Outcome = "swaptalk.outcome";
        public const string ErrorType = "error.type";
        public const string Model = "swaptalk.model";
        public const string Reused = "swaptalk.reused";
    }

    /// <summary>Outcome tag values.</summary>
    public static class Outcomes
    {
        public const string Succeeded = "succeeded";
        public const string Failed = "failed";
        public const string Retried = "retried";
        public const string Canceled = "canceled";
    }

    /// <summary>Seconds per activity attempt, tagged with activity name and outcome.</summary>
    public static readonly Histogram<double> ActivityDuration =
        Meter.CreateHistogram<double>("swaptalk.activity.duration", "s", "Time of one activity attempt");

    /// <summary>Failed activity attempts that will be retried.</summary>
    public static readonly Counter<long> ActivityRetries =
        Meter.CreateCounter<long>("swaptalk.activity.retries", "{attempt}", "Activity attempts that failed transiently and were retried");

    /// <summary>Seconds per pipeline stage (detect, align, encode, swap, sync, decode, paste, write...).</summary>
    public static readonly Histogram<double> StageDuration =
        Meter.CreateHistogram<double>("swaptalk.stage.duration", "s", "Time of one pipeline stage call");

    /// <summary>Frames rendered (tag swaptalk.reused=true for frames of segments a resume found done).</summary>
    public static readonly Counter<long> FramesRendered =
        Meter.CreateCounter<long>("swaptalk.frames", "{frame}", "Output frames rendered");

    public static readonly Counter<long> FramesWithFace =
        Meter.CreateCounter<long>("swaptalk.frames.with_face", "{frame}", "Output frames in which a face was found and replaced");

    public static readonly Counter<long> SegmentsRendered =
        Meter.CreateCounter<long>("swaptalk.segments", "{segment}", "Segments rendered or reused");

    /// <summary>A span for a pipeline stage inside an activity, tagged with the job (and segment).</summary>
    public static Activity? StartStage(string stage, string jobId, int? segmentIndex = null)
    {
        var activity = Source.StartActivity($"stage {stage}", ActivityKind.Internal);
        if (activity is null) return null;
        activity.SetTag(Tags.Stage, stage);
        activity.SetTag(Tags.JobId, jobId);
        if (segmentIndex is { } s) activity.SetTag(Tags.SegmentIndex, s);
        return activity;
    }

    /// <summary>Measurement tags for a job (and segment).</summary>
    public static TagList JobTags(string jobId, int? segmentIndex = null)
    {
        var tags = new TagList { { Tags.JobId, jobId } };
        if (segmentIndex is { } s) tags.Add(Tags.SegmentIndex, s);
        return tags;
    }

    /// <summary>Marks a span failed with the exception's type, the OpenTelemetry way.</summary>
    public static void RecordFailure(Activity? activity, Exception exception)
    {
        if (activity is null) return;
        activity.SetStatus(ActivityStatusCode.Error, exception.Message);
        activity.SetTag(Tags.ErrorType, exception.GetType().FullName);
        activity.AddException(exception);
    }
}
