using SwapTalk.Core.Media;
using System.Text.Json.Serialization;

namespace SwapTalk.Core.Jobs;

/// <summary>
/// What planning needs to know about the target video, as probed (after rotation and after mapping a
/// variable frame rate to a constant one, so <see cref="FrameCount"/> frames at <see cref="FrameRate"/>).
/// </summary>
public sealed record VideoFacts(
    int FrameCount,
    Rational FrameRate,
    int Width,
    int Height,
    double DurationSeconds,
    bool HasAudio,
    double? AudioDurationSeconds = null);

/// <summary>The driving audio track as probed.</summary>
public sealed record AudioFacts(double DurationSeconds, int SampleRate, int Channels);

/// <summary>The source portrait: its size and how many faces the detector found in it.</summary>
/// <param name="QuarterTurns">Clockwise quarter turns that made the portrait upright (0: it was upright as given).</param>
public sealed record PortraitFacts(int Width, int Height, int FacesFound, int QuarterTurns = 0);

/// <summary>
/// How audio features line up with time: the audio encoder emits <see cref="Rate"/> feature frames per
/// second (HuBERT: 50), and the lip syncer looks at <see cref="WindowBefore"/> features before and
/// <see cref="WindowAfter"/> after the feature at a video frame's presentation time. Model metadata.
/// </summary>
public sealed record AudioFeatureLayout(Rational Rate, int WindowBefore, int WindowAfter)
{
    /// <summary>HuBERT's 50 Hz with a +-8 feature (+-0.16 s) window until the manifest says otherwise.</summary>
    public static AudioFeatureLayout Default { get; } = new(new Rational(50, 1), 8, 8);
}

/// <summary>
/// The facts the input inspector could not find out without media or vision code: implemented later by
/// an adapter over the ffprobe wrapper and the face detector. Methods throw <see cref="BadInputException"/>
/// for a file that is not media at all; they return null for a file without the wanted stream.
/// </summary>
public interface IJobInputInspector
{
    Task<PortraitFacts> InspectPortraitAsync(string path, FaceSelection selection, CancellationToken cancellationToken);

    /// <returns>The video's facts, or null when the file has no video stream.</returns>
    Task<VideoFacts?> ProbeVideoAsync(string path, CancellationToken cancellationToken);

    /// <returns>The audio's facts, or null when the file has no audio stream.</returns>
    Task<AudioFacts?> ProbeAudioAsync(string path, CancellationToken cancellationToken);
}
