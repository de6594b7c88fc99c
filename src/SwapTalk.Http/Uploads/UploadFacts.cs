using SwapTalk.Core.Jobs;

namespace SwapTalk.Http;

/// <summary>What an upload is for: the portrait, the target video or the driving speech.</summary>
public static class UploadKinds
{
    public const string Portrait = "portrait";
    public const string Video = "video";
    public const string Audio = "audio";

    public static IReadOnlyList<string> All { get; } = [Portrait, Video, Audio];
}

/// <summary>A face box in the portrait's pixels.</summary>
public sealed record FaceBoxView(int X, int Y, int Width, int Height);

public sealed record PortraitFactsView(int Width, int Height, int FacesFound, FaceBoxView Face, string FaceSelection);

public sealed record VideoFactsView(int Width, int Height, int FrameCount, string FrameRate, double FramesPerSecond, double DurationSeconds,
    bool HasAudio, double? AudioSeconds);

public sealed record AudioFactsView(double DurationSeconds, int SampleRate, int Channels);

/// <summary>
/// What the server understood from an upload, found by its content (never by its name or declared type), plus a
/// small PNG to show: the portrait with the chosen face boxed, or the video's first frame.
/// </summary>
public sealed record UploadInspection(string Extension, PortraitFactsView? Portrait, VideoFactsView? Video, AudioFactsView? Audio, byte[]? Thumbnail);

/// <summary>
/// Checks an uploaded file by content with the CLI's own rules (<see cref="JobValidator"/>, the portrait's face and
/// geometry checks) and describes it.
/// </summary>
public interface IUploadInspector
{
    /// <param name="path">The uploaded bytes in a server-named file.</param>
    /// <exception cref="BadInputException">The file cannot be used for <paramref name="kind"/>; each message says why.</exception>
    Task<UploadInspection> InspectAsync(string kind, string path, FaceSelection selection, CancellationToken cancellationToken);
}
