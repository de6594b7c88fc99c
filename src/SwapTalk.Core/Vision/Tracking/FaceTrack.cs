using System.Numerics;
using SwapTalk.Core.Media;
using SwapTalk.Core.Vision.Alignment;
using SwapTalk.Core.Vision.Detection;

namespace SwapTalk.Core.Vision.Tracking;

/// <summary>
/// One output frame of a face track. <see cref="Face"/> null means no face: pass the frame through
/// unchanged. Otherwise <see cref="Face"/> is the smoothed alignment (extract with
/// <see cref="AlignedFace.FrameToCrop"/>, paste back with <see cref="AlignedFace.CropToFrame"/>).
/// </summary>
public sealed record FaceTrackFrame
{
    /// <summary>The frame's index in the clip.</summary>
    public required long Index { get; init; }

    /// <summary>Detected (the target was found here), Interpolated (a short gap between detections) or None.</summary>
    public required TrackPointSource Source { get; init; }

    /// <summary>The smoothed FFHQ alignment; null: no face.</summary>
    public AlignedFace? Face { get; init; }

    /// <summary>The 68 landmarks (iBUG order), smoothed like the quad; null: no face.</summary>
    public Vector2[]? Landmarks { get; init; }

    /// <summary>The selected detection, where the target was detected in this frame.</summary>
    public FaceDetection? Detection { get; init; }

    /// <summary>The landmarker's 68 points for <see cref="Detection"/>, before smoothing.</summary>
    public Vector2[]? RawLandmarks { get; init; }

    /// <summary>Everything the detector reported in this frame, best first, down to <see cref="FaceTrackOptions.EvidenceScore"/>.</summary>
    public IReadOnlyList<FaceDetection> Candidates { get; init; } = [];

    public bool HasFace => Face is not null;
}

/// <summary>Where a track's time went (wall clock; not part of the track's data).</summary>
public sealed record FaceTrackTiming(int FramesRead, int FramesDetected, int FramesLandmarked, TimeSpan Detection, TimeSpan Landmarks, TimeSpan Smoothing);

/// <summary>
/// The face track of a clip's output frames [<see cref="Frames"/>): one <see cref="FaceTrackFrame"/> per frame.
/// Deterministic: the same frames give bit-identical tracks, whatever segment they are computed in.
/// </summary>
public sealed class FaceTrack
{
    private readonly FaceTrackFrame[] _frames;

    internal FaceTrack(FrameRange frames, long clipFrameCount, int frameWidth, int frameHeight, FaceTrackFrame[] items, FaceTrackTiming timing)
    {
        Frames = frames;
        ClipFrameCount = clipFrameCount;
        FrameWidth = frameWidth;
        FrameHeight = frameHeight;
        _frames = items;
        Timing = timing;
    }

    public FrameRange Frames { get; }
    public long ClipFrameCount { get; }
    public int FrameWidth { get; }
    public int FrameHeight { get; }
    public FaceTrackTiming Timing { get; }

    /// <summary>The output frames in order (item i is frame Frames.Start + i).</summary>
    public IReadOnlyList<FaceTrackFrame> Items => _frames;

    public int Count => _frames.Length;

    /// <summary>A frame by its index in the clip.</summary>
    public FaceTrackFrame this[long frameIndex] => frameIndex >= Frames.Start && frameIndex < Frames.End
        ? _frames[frameIndex - Frames.Start]
        : throw new ArgumentOutOfRangeException(nameof(frameIndex), $"frame {frameIndex} is not in this track's frames {Frames}");

    public int CountOf(TrackPointSource source) => _frames.Count(f => f.Source == source);

    public override string ToString() =>
        $"face track of frames {Frames}: {CountOf(TrackPointSource.Detected)} detected, {CountOf(TrackPointSource.Interpolated)} interpolated, {CountOf(TrackPointSource.None)} without a face";
}
