namespace SwapTalk.Core.Media;

/// <summary>Whose length the muxed output takes when audio and video lengths differ.</summary>
public enum LengthPolicy
{
    /// <summary>
    /// The output lasts as long as the audio. The video (stream-copied, never re-encoded) is cut to
    /// ceil(audio seconds * rate) frames when longer; when it is shorter than the audio by more
    /// than one frame the call fails (a copied video cannot be extended).
    /// </summary>
    Audio,

    /// <summary>The output lasts as long as the video: the audio is trimmed, or padded with silence, to the video's length (sample-exact).</summary>
    Video,

    /// <summary>The output lasts as long as the shorter: longer video is cut as for <see cref="Audio"/>, longer audio trimmed as for <see cref="Video"/>.</summary>
    Shortest,
}

/// <summary>What the mux does to each stream so the lengths follow a <see cref="LengthPolicy"/>. Pure; tested without ffmpeg.</summary>
public sealed record MuxPlan
{
    /// <summary>Video frames to keep (null: all).</summary>
    public long? VideoFrames { get; init; }

    /// <summary>Exact audio length in samples at <see cref="MediaCommands.AacSampleRate"/> (null: as is).</summary>
    public long? AudioSamples { get; init; }

    public int AudioStreamIndex { get; init; }
    public int AudioChannels { get; init; } = 2;
    public int AudioBitrateKbps { get; init; } = 128;

    /// <summary>Output video duration in seconds.</summary>
    public double VideoSeconds { get; init; }

    /// <summary>Output audio duration in seconds.</summary>
    public double AudioSeconds { get; init; }

    /// <summary>
    /// Plans the mux of <paramref name="videoFrames"/> frames at <paramref name="rate"/> with
    /// <paramref name="audioSeconds"/> of audio. <paramref name="videoHasBFrames"/>: a stream copy
    /// can end at an arbitrary frame only without B-frames, so cutting such a video is refused.
    /// </summary>
    public static MuxPlan Create(long videoFrames, Rational rate, double audioSeconds, LengthPolicy policy,
        string videoName, string audioName, bool videoHasBFrames = false)
    {
        if (videoFrames <= 0) throw new MediaException(videoName, "has no video frames to mux") { IsBadInput = true };
        if (!(audioSeconds > 0)) throw new MediaException(audioName, "has an empty audio track") { IsBadInput = true };
        var frame = 1.0 / rate.Value;
        var videoSeconds = videoFrames * frame;
        var audioLonger = audioSeconds > videoSeconds;
        var followAudio = policy == LengthPolicy.Audio || (policy == LengthPolicy.Shortest && !audioLonger);
        if (followAudio)
        {
            if (videoSeconds < audioSeconds - frame - 1e-9)
                throw new MediaException(videoName,
                    $"is {videoSeconds:0.###} s ({videoFrames} frames), shorter than the audio '{audioName}' ({audioSeconds:0.###} s) by more than one frame; " +
                    "length policy 'audio' needs the video to cover the audio (the video is stream-copied, not extended). Use policy 'video' or 'shortest', or supply more video")
                { IsBadInput = true };
            // Frames whose start lies before the audio's end; the video ends within one frame after it.
            var keep = Math.Min(videoFrames, (long)Math.Ceiling(audioSeconds * rate.Value - 1e-6));
            if (keep < videoFrames && videoHasBFrames)
                throw new MediaException(videoName, "has B-frames, so a stream copy cannot end at an exact frame; encode it without B-frames (the frame writer does) or use policy 'video'");
            return new MuxPlan
            {
                VideoFrames = keep < videoFrames ? keep : null,
                VideoSeconds = keep * frame,
                AudioSeconds = audioSeconds,
            };
        }
        var samples = (long)Math.Round(videoSeconds * MediaCommands.AacSampleRate, MidpointRounding.AwayFromZero);
        return new MuxPlan
        {
            AudioSamples = samples,
            VideoSeconds = videoSeconds,
            AudioSeconds = (double)samples / MediaCommands.AacSampleRate,
        };
    }
}
