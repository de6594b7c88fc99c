using System.Text.Json.Serialization;

namespace SwapTalk.Core.Jobs;

/// <summary>
/// Cross-driven: a separate driving audio track moves the lips (output length follows that audio).
/// Self-driven: the target video's own audio drives them (output length follows the video).
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<JobMode>))]
public enum JobMode
{
    [JsonStringEnumMemberName("cross-driven")] CrossDriven,
    [JsonStringEnumMemberName("self-driven")] SelfDriven,
}

/// <summary>What a cross-driven job does when the driving audio is longer than the target video.
/// (When the audio is shorter, the video is always cut to the audio.)</summary>
[JsonConverter(typeof(JsonStringEnumConverter<LengthPolicy>))]
public enum LengthPolicy
{
    /// <summary>Play the video forward, then backward, and so on (0..n-1, n-2..1, 0..), turn frames not repeated.</summary>
    [JsonStringEnumMemberName("ping-pong")] PingPong,
    /// <summary>Hold the video's last frame until the audio ends.</summary>
    [JsonStringEnumMemberName("freeze")] Freeze,
    /// <summary>Cut the audio to the video's length.</summary>
    [JsonStringEnumMemberName("trim")] Trim,
}

/// <summary>Which face to take when a frame (or the portrait) holds several.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<FaceSelection>))]
public enum FaceSelection
{
    [JsonStringEnumMemberName("largest")] Largest,
    [JsonStringEnumMemberName("most-central")] MostCentral,
    [JsonStringEnumMemberName("most-confident")] MostConfident,
}

/// <summary>
/// Which engine renders the faces. Latent: the SwapTalk models (VQ encode, swap, lip sync, decode) from the models
/// folder. Geometric: no trained weights: the portrait's face warped onto each frame's landmarks through a triangle
/// mesh, colour-matched and seamlessly cloned, the mouth re-timed to the driving audio. Auto: latent when the folder
/// holds trained exports of the five SwapTalk stages, geometric when they are probe models or absent.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<DubEngine>))]
public enum DubEngine
{
    [JsonStringEnumMemberName("auto")] Auto,
    [JsonStringEnumMemberName("geometric")] Geometric,
    [JsonStringEnumMemberName("latent")] Latent,
}

/// <summary>
/// How the output is encoded. Default: H.264 (libx264 CRF and preset) segments joined by stream copy into an MP4
/// with AAC audio. <see cref="Lossless"/>: FFV1 segments and a Matroska (.mkv) output that decodes to exactly the
/// frames rendered (for verification, resume checks and further editing; large files).
/// </summary>
public sealed record OutputQuality
{
    public static readonly IReadOnlyList<string> Presets =
        ["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow"];

    /// <summary>Constant rate factor, 0 (lossless) .. 51 (worst); 18 is visually transparent for most clips.</summary>
    public int Crf { get; init; } = 18;
    public string Preset { get; init; } = "medium";

    /// <summary>FFV1 segments and a lossless .mkv output instead of H.264 in .mp4 (Crf and Preset then do not apply).</summary>
    public bool Lossless { get; init; }

    /// <summary>The output file's extension: ".mkv" when lossless, else ".mp4".</summary>
    [JsonIgnore] public string OutputExtension => Lossless ? ".mkv" : ".mp4";
}

/// <summary>Per-job options; every field has a default, so <c>{}</c> is a valid options object.</summary>
public sealed record JobOptions
{
    /// <summary>Output frames per segment (the unit of parallel work and of resume); 100 = 4 s at 25 fps.</summary>
    public int SegmentFrames { get; init; } = 100;
    public LengthPolicy LengthPolicy { get; init; } = LengthPolicy.PingPong;
    public FaceSelection FaceSelection { get; init; } = FaceSelection.Largest;
    public OutputQuality Quality { get; init; } = new();

    /// <summary>The render engine; auto picks latent for trained exports, geometric for probes or no stage models.</summary>
    public DubEngine Engine { get; init; } = DubEngine.Auto;

    /// <summary>
    /// Source frames read on each side of a segment so the face-track smoother sees the same neighbourhood at a
    /// seam from both segments; must be at least the smoother's radius.
    /// </summary>
    public int FaceTrackContextFrames { get; init; } = 4;

    /// <summary>Segments per render sub-workflow; keeps each orchestration history small for hour-long clips.</summary>
    public int SegmentsPerBatch { get; init; } = 32;
}

/// <summary>
/// A dub request: the source portrait (the face to become), the target video (someone talking), the driving
/// audio (cross-driven) or none (self-driven: the video's own audio), the models folder and options.
/// Paths are local files for the CLI; a cloud host stages them into blobs first.
/// </summary>
public sealed record JobRequest
{
    public required string Portrait { get; init; }
    public required string Video { get; init; }
    public string? Audio { get; init; }
    public required string Models { get; init; }

    /// <summary>Where the CLI writes the finished MP4; optional (the result also stays in the blob store).</summary>
    public string? Output { get; init; }

    public JobOptions Options { get; init; } = new();

    [JsonIgnore]
    public JobMode Mode => Audio is null ? JobMode.SelfDriven : JobMode.CrossDriven;
}

/// <summary>
/// Configurable limits a deployment puts on inputs (a small GPU box and a cloud pool differ). Checked up
/// front against probed facts, so an over-long clip fails in seconds, not after an hour of rendering.
/// </summary>
public sealed record JobLimits
{
    public int MinWidth { get; init; } = 64;
    public int MinHeight { get; init; } = 64;
    public int MaxWidth { get; init; } = 3840;
    public int MaxHeight { get; init; } = 2160;
    public int MinPortraitSide { get; init; } = 64;
    public int MaxPortraitSide { get; init; } = 8192;
    public double MinFrameRate { get; init; } = 1;
    public double MaxFrameRate { get; init; } = 120;

    /// <summary>Longest target video, driving audio and output, in seconds (2 hours).</summary>
    public double MaxDurationSeconds { get; init; } = 7200;

    /// <summary>Most output frames of one job (2 hours at 30 fps).</summary>
    public int MaxOutputFrames { get; init; } = 216_000;

    public int MaxSegmentFrames { get; init; } = 3000;
    public int MaxFaceTrackContextFrames { get; init; } = 64;
    public int MaxSegmentsPerBatch { get; init; } = 64;

    /// <summary>Largest input file in bytes (portrait, video or audio).</summary>
    public long MaxInputBytes { get; init; } = 20L << 30;

    public static JobLimits Default { get; } = new();
}
