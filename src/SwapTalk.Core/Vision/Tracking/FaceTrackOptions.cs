using SwapTalk.Core.Vision.Alignment;

namespace SwapTalk.Core.Vision.Tracking;

/// <summary>How a face track is built: which face, which detections count, detection size, smoothing.</summary>
public sealed record FaceTrackOptions
{
    /// <summary>Which face is the target in each frame (default: the largest).</summary>
    public IFaceSelector Selector { get; init; } = FaceSelector.Largest;

    /// <summary>Detections scoring at least this are faces (YuNet scores clear faces 0.85-0.93).</summary>
    public float MinScore { get; init; } = 0.6f;

    /// <summary>
    /// Detections between this and <see cref="MinScore"/> are not faces, but show that something face-like
    /// is there: a frame without a face may be filled by interpolation only when it holds such evidence.
    /// A black frame or a cut away holds none and passes through unchanged.
    /// </summary>
    public float EvidenceScore { get; init; } = 0.3f;

    /// <summary>Faces whose box is narrower or shorter than this (frame pixels) are ignored: too small to align to 512.</summary>
    public float MinFaceSize { get; init; } = 24;

    /// <summary>
    /// Longer side (pixels) frames are shrunk to for detection. Talking-head faces are a sixth of the frame
    /// or more, 50 px or more at 320; YuNet finds faces from about 10 px, and the landmarker works on the
    /// full-resolution frame, so the box only needs to be roughly right. Never enlarged.
    /// </summary>
    public int DetectionSide { get; init; } = 320;

    /// <summary>Frames where the first pass finds no face are detected again at this side (small faces); 0 turns it off.</summary>
    public int FallbackDetectionSide { get; init; } = 640;

    /// <summary>
    /// Frames per detector run (batched where the model's batch dimension is free); results do not depend
    /// on it. Null: 8 where the detector runs on CUDA (a GPU wants batches), 1 on CPU, where batches measured
    /// no faster (bench tracking) and a batch means holding copies of its frames.
    /// </summary>
    public int? DetectionBatch { get; init; }

    /// <summary>
    /// The target in frame t is the face that the selector chose, in a strict majority of frames
    /// [t - VoteFrames + 1, t] that hold any face, matched by overlap (<see cref="MinOverlap"/>). One frame
    /// where the selector picks another face (a missed detection, two faces of equal size) changes nothing.
    /// </summary>
    public int VoteFrames { get; init; } = 3;

    /// <summary>Boxes in two frames are the same face when their IoU is at least this (and best among that frame's faces).</summary>
    public float MinOverlap { get; init; } = 0.3f;

    /// <summary>Temporal smoothing of the face quad and landmarks, and the gap rule.</summary>
    public TrackSmoothingOptions Smoothing { get; init; } = TrackSmoothingOptions.Default;

    /// <summary>Side of the aligned crop the quads map onto.</summary>
    public int CropSize { get; init; } = FfhqAlignment.CropSize;

    public static FaceTrackOptions Default { get; } = new();

    internal void Validate()
    {
        if (Selector is null) throw new ArgumentException("face track options need a Selector", nameof(Selector));
        if (!(MinScore > 0 && MinScore <= 1))
            throw new ArgumentOutOfRangeException(nameof(MinScore), $"face track MinScore must be in (0, 1], got {MinScore}");
        if (!(EvidenceScore > 0 && EvidenceScore <= MinScore))
            throw new ArgumentOutOfRangeException(nameof(EvidenceScore), $"face track EvidenceScore must be in (0, MinScore = {MinScore}], got {EvidenceScore}");
        if (!(MinFaceSize >= 0 && float.IsFinite(MinFaceSize)))
            throw new ArgumentOutOfRangeException(nameof(MinFaceSize), $"face track MinFaceSize must be 0 or more pixels, got {MinFaceSize}");
        if (DetectionSide < 32)
            throw new ArgumentOutOfRangeException(nameof(DetectionSide), $"face track DetectionSide must be at least 32 pixels, got {DetectionSide}");
        if (FallbackDetectionSide != 0 && FallbackDetectionSide < 32)
            throw new ArgumentOutOfRangeException(nameof(FallbackDetectionSide), $"face track FallbackDetectionSide must be 0 (off) or at least 32 pixels, got {FallbackDetectionSide}");
        if (DetectionBatch is { } batch && batch is < 1 or > 256)
            throw new ArgumentOutOfRangeException(nameof(DetectionBatch), $"face track DetectionBatch must be 1..256 frames, got {DetectionBatch}");
        if (VoteFrames is < 1 or > 25)
            throw new ArgumentOutOfRangeException(nameof(VoteFrames), $"face track VoteFrames must be 1..25 frames, got {VoteFrames}");
        if (!(MinOverlap > 0 && MinOverlap <= 1))
            throw new ArgumentOutOfRangeException(nameof(MinOverlap), $"face track MinOverlap must be in (0, 1], got {MinOverlap}");
        if (Smoothing is null) throw new ArgumentException("face track options need Smoothing options", nameof(Smoothing));
        if (CropSize is < 2 or > 4096)
            throw new ArgumentOutOfRangeException(nameof(CropSize), $"face track CropSize must be 2..4096 pixels, got {CropSize}");
    }
}
