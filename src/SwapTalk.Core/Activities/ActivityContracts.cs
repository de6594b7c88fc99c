using Rational = SwapTalk.Core.Media.Rational;
using SwapTalk.Core.Jobs;

namespace SwapTalk.Core.Activities;

/// <summary>The names activities are registered and called by (the same in every host).</summary>
public static class ActivityNames
{
    public const string PlanJob = "PlanJob";
    public const string PrepareSource = "PrepareSource";
    public const string PrepareAudioFeatures = "PrepareAudioFeatures";
    public const string RenderSegment = "RenderSegment";
    public const string Stitch = "Stitch";
    public const string WriteReport = "WriteReport";

    public static IReadOnlyList<string> All { get; } = [PlanJob, PrepareSource, PrepareAudioFeatures, RenderSegment, Stitch, WriteReport];
}

/// <summary>An activity input that belongs to a job; hosts tag telemetry with it.</summary>
public interface IJobScoped
{
    string JobId { get; }
}

/// <summary>An activity input about one segment; hosts tag telemetry with it.</summary>
public interface ISegmentScoped : IJobScoped
{
    int SegmentIndex { get; }
}

/// <summary>The job's inputs as blobs (jobs/{jobId}/input/...). Audio null: self-driven.</summary>
public sealed record JobInputBlobs(string Portrait, string Video, string? Audio)
{
    /// <summary>The blob whose audio drives the lips: the driving track, or the video itself (self-driven).</summary>
    public string DrivingAudio => Audio ?? Video;
}

/// <summary>A model file the job used, for the report (and the job id); <paramref name="Probe"/>: a generated probe model, not trained weights.</summary>
public sealed record ModelUse(string Name, string File, string Sha256, bool Probe = false);

// PlanJob: probe the inputs, plan, store the plan as work/plan.json.
public sealed record PlanJobInput(string JobId, JobInputBlobs Inputs, string ModelsDir, JobOptions Options) : IJobScoped;

public sealed record PlanJobResult(
    string PlanBlob,
    JobMode Mode,
    int OutputFrames,
    int SegmentCount,
    Rational FrameRate,
    int Width,
    int Height,
    double OutputSeconds,
    IReadOnlyList<ModelUse> Models,
    double Seconds,
    DubEngine Engine = DubEngine.Latent);

/// <summary>
/// PrepareSource: detect, align and VQ-encode the portrait once; for self-driven jobs also the lip syncer's fixed
/// reference (the swapped first frame of the clip with a face), so every segment uses the same one. Both go into
/// the source-latent blob. <paramref name="VideoBlob"/> and <paramref name="PlanBlob"/> name the clip and its plan
/// (the plan says the mode); without them no reference is made and self-driven segments use their own frame.
/// </summary>
public sealed record PrepareSourceInput(string JobId, string PortraitBlob, string ModelsDir, FaceSelection FaceSelection,
    string? VideoBlob = null, string? PlanBlob = null) : IJobScoped;

/// <param name="ReferenceFrame">The source frame the self-driven reference came from; null for cross-driven jobs (or no face in the clip).</param>
public sealed record PrepareSourceResult(string SourceLatentBlob, int FacesFound, bool Reused, double Seconds, long? ReferenceFrame = null);

// PrepareAudioFeatures: 16 kHz mono, the audio encoder over the whole track once; store the features.
/// <param name="Engine">The plan's engine: latent runs the audio encoder; geometric measures the loudness that opens the mouth.</param>
public sealed record PrepareAudioFeaturesInput(string JobId, string AudioBlob, string ModelsDir, DubEngine Engine = DubEngine.Latent) : IJobScoped;

/// <param name="MouthDrive">geometric engine: how the mouth is driven (visemes or loudness only), for the report's notes</param>
public sealed record PrepareAudioFeaturesResult(string AudioFeaturesBlob, int FeatureCount, bool Reused, double Seconds, string? MouthDrive = null);

/// <summary>
/// RenderSegment: the frames of one planned segment (plan blob, segment index), face-swapped and lip-synced,
/// written losslessly to work/segments/{index:D5}.mkv. Idempotent: an existing segment blob is reused
/// (<see cref="Storage.BlobStoreExtensions.ProduceOnceAsync"/>) and its frame counts read back from the blob's
/// metadata keys <see cref="SegmentMetadata.Frames"/> and <see cref="SegmentMetadata.FramesWithFace"/>, which the
/// renderer sets on <see cref="Storage.PendingBlob.Metadata"/> before commit; a segment blob without them is
/// rendered again (reuseIf).
/// </summary>
public sealed record RenderSegmentInput(
    string JobId,
    int SegmentIndex,
    string PlanBlob,
    string VideoBlob,
    string SourceLatentBlob,
    string AudioFeaturesBlob,
    string ModelsDir,
    FaceSelection FaceSelection) : ISegmentScoped;

/// <param name="Stages">Seconds per pipeline stage inside the segment (decode, track, align, encode, swap, sync, decode-vq, paste, write); null when reused.</param>
public sealed record RenderSegmentResult(int SegmentIndex, string SegmentBlob, int Frames, int FramesWithFace, bool Reused, double Seconds,
    IReadOnlyList<StageTiming>? Stages = null, string? Worker = null);

/// <summary>Metadata keys a rendered segment blob carries, so a resumed job can report it without re-rendering.</summary>
public static class SegmentMetadata
{
    public const string Frames = "frames";
    public const string FramesWithFace = "frames_with_face";

    /// <summary>The worker that rendered the segment (<see cref="PipelineOptions.WorkerName"/>); absent where one process runs everything.</summary>
    public const string Worker = "rendered_by";

    /// <summary>Seconds the render took, as rendered (a reused segment keeps its first render's).</summary>
    public const string RenderSeconds = "render_seconds";

    /// <summary>The segment's blob name: work/segments/{index:D5} with the encoding's extension (.mkv lossless, .mp4 H.264).</summary>
    public static string BlobName(string jobId, int index, OutputQuality quality) =>
        Path.ChangeExtension(Storage.BlobNames.Segment(jobId, index), quality.Lossless ? ".mkv" : ".mp4");
}

// Stitch: concatenate the segments in order, mux the driving audio trimmed or padded to the video, H.264/AAC MP4.
public sealed record StitchInput(
    string JobId,
    string PlanBlob,
    int SegmentCount,
    string AudioBlob,
    OutputQuality Quality,
    string OutputBlob) : IJobScoped;

public sealed record StitchResult(string OutputBlob, int Frames, double DurationSeconds, double Seconds);

// WriteReport: the job report as JSON at jobs/{jobId}/report.json; with the plan, its segment records from the segment blobs.
public sealed record WriteReportInput(JobReport Report, string? PlanBlob = null) : IJobScoped
{
    [System.Text.Json.Serialization.JsonIgnore]
    public string JobId => Report.JobId;
}

public sealed record WriteReportResult(string ReportBlob);
