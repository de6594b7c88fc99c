using System.Globalization;
using System.Text.Json;
using SwapTalk.Core.Jobs;

namespace SwapTalk.Cli.Commands;

/// <summary>What <c>swaptalk dub</c> says before rendering: how long the output will be, with a warning when it dwarfs the video (a long audio).</summary>
internal static class DubAnnouncements
{
    public static void AnnounceLength(TextWriter writer, JobRequest request, JobValidationResult validation)
    {
        if (validation.Video is not { FrameCount: > 0 } video || !video.FrameRate.IsValid) return;
        var frames = JobPlanner.OutputFrameCount(video, validation.Audio?.DurationSeconds, request.Options.LengthPolicy);
        var seconds = video.FrameRate.FrameSeconds(frames);
        writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"dub: the output will have {frames} frames ({seconds:0.##} s at {video.FrameRate} fps); the video has {video.FrameCount}"));
        if (frames > 10 * video.FrameCount)
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"dub: warning: the output will be {(double)frames / video.FrameCount:0.#} times as long as the video, because the audio '{request.Audio}' is much longer ({JsonName(request.Options.LengthPolicy)}); use --policy trim to keep the video's length"));
    }

    /// <summary>The name the CLI and job JSON use for an option value ("ping-pong"), not the C# enum's.</summary>
    private static string JsonName<T>(T value) where T : struct, Enum =>
        JsonSerializer.Serialize(value, JobRequestJson.Options).Trim('"');
}
