namespace SwapTalk.Core.Media;

/// <summary>
/// What the mux does so the audio fits the video: the video (stream-copied, never re-encoded) is the
/// truth, the audio is trimmed or padded with silence to exactly its length. The job's length policy
/// (<see cref="Jobs.LengthPolicy"/>) has already shaped the frames. Pure; tested without ffmpeg.
/// </summary>
public sealed record MuxPlan
{
    /// <summary>Exact audio length in samples at <see cref="MediaCommands.AacSampleRate"/> (null: as is).</summary>
    public long? AudioSamples { get; init; }

    public int AudioStreamIndex { get; init; }
    public int AudioChannels { get; init; } = 2;
    public int AudioBitrateKbps { get; init; } = 128;

    /// <summary>Output video duration in seconds.</summary>
    public double VideoSeconds { get; init; }

    /// <summary>Output audio duration in seconds.</summary>
    public double AudioSeconds { get; init; }

    /// <summary>Plans the mux of <paramref name="videoFrames"/> frames at <paramref name="rate"/>: round(video seconds x 48000) audio samples.</summary>
    public static MuxPlan Create(long videoFrames, Rational rate, double audioSeconds, string videoName, string audioName)
    {
        if (videoFrames <= 0) throw new MediaException(videoName, "has no video frames to mux") { IsBadInput = true };
        if (!(audioSeconds > 0)) throw new MediaException(audioName, "has an empty audio track") { IsBadInput = true };
        var videoSeconds = videoFrames / rate.Value;
        var samples = (long)Math.Round(videoSeconds * MediaCommands.AacSampleRate, MidpointRounding.AwayFromZero);
        return new MuxPlan
        {
            AudioSamples = samples,
            VideoSeconds = videoSeconds,
            AudioSeconds = (double)samples / MediaCommands.AacSampleRate,
        };
    }
}
