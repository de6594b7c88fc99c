using Rational = SwapTalk.Core.Media.Rational;
using System.Text.Json.Serialization;
using SwapTalk.Core.Jobs;

namespace SwapTalk.Core.Activities;

[JsonConverter(typeof(JsonStringEnumConverter<JobOutcome>))]
public enum JobOutcome
{
    [JsonStringEnumMemberName("succeeded")] Succeeded,
    [JsonStringEnumMemberName("failed")] Failed,
}

/// <summary>
/// Time spent in one stage. <see cref="Seconds"/> is the sum of the stage's activity times (work done, across
/// parallel workers); <see cref="WallSeconds"/> is how long the job waited for the stage.
/// </summary>
public sealed record StageTiming(string Stage, double Seconds, double WallSeconds, int Calls);

/// <summary>
/// One stored segment, as its blob records it: frames, frames with a face, the seconds its render took and the worker
/// that rendered it (a fleet worker's name; null where one process runs everything). A reused segment keeps the
/// figures of the run that rendered it.
/// </summary>
public sealed record SegmentRecord(int Index, int Frames, int FramesWithFace, double? RenderSeconds, string? Worker);

/// <summary>Why a job failed: the step, and the root cause's type and message.</summary>
public sealed record JobFailure(string Step, string ErrorType, string Message, bool BadInput);

/// <summary>
/// The job report (jobs/{jobId}/report.json): what was made, how long each stage took, frames and frames with a
/// face, throughput, the models used with their hashes, and the failure if the job failed. Built by the
/// workflow from activity results (deterministic), written by the WriteReport activity.
/// </summary>
public sealed record JobReport
{
    public required string JobId { get; init; }
    public required JobOutcome Outcome { get; init; }
    public JobMode? Mode { get; init; }

    /// <summary>The engine that rendered the faces (auto resolved); null when the job failed before planning.</summary>
    public DubEngine? Engine { get; init; }
    public required LengthPolicy LengthPolicy { get; init; }
    public required JobInputBlobs Inputs { get; init; }
    public string? OutputBlob { get; init; }
    public required DateTime StartedUtc { get; init; }
    public required DateTime FinishedUtc { get; init; }
    public double WallSeconds => (FinishedUtc - StartedUtc).TotalSeconds;

    public Rational? FrameRate { get; init; }
    public int? Width { get; init; }
    public int? Height { get; init; }
    public double? OutputSeconds { get; init; }
    public int OutputFrames { get; init; }
    public int FramesWithFace { get; init; }
    public int Segments { get; init; }
    public int SegmentsRendered { get; init; }
    public int SegmentsReused { get; init; }

    /// <summary>
    /// Each stored segment in order (who rendered what, on a fleet). Read from the segment blobs by the WriteReport
    /// activity, so the workflow never carries a list as long as the clip (activity inputs stay small).
    /// </summary>
    public IReadOnlyList<SegmentRecord> SegmentRecords { get; init; } = [];

    /// <summary>Output frames per second of render wall time (the pipeline's throughput).</summary>
    public double? RenderFramesPerSecond { get; init; }

    public IReadOnlyList<StageTiming> Stages { get; init; } = [];

    /// <summary>
    /// The pipeline stages inside rendering (decode, track, align, encode, swap, sync, decode-vq, paste, write), summed
    /// over the segments rendered in this run: Seconds is work, Calls the model or kernel calls, WallSeconds equals Seconds.
    /// </summary>
    public IReadOnlyList<StageTiming> RenderStages { get; init; } = [];

    /// <summary>Faces the detector found in the portrait (the selected one was used).</summary>
    public int? PortraitFaces { get; init; }

    /// <summary>Self-driven: the source frame whose swapped face is the lip syncer's reference.</summary>
    public long? ReferenceFrame { get; init; }

    /// <summary>Things a reader should know (several faces in the portrait, probe models, ...).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
    public IReadOnlyList<ModelUse> Models { get; init; } = [];
    public JobFailure? Failure { get; init; }
}
