using System.Text.Json;
using System.Text.Json.Serialization;

namespace SwapTalk.Core.Media;

/// <summary>What ffprobe (plus a packet scan) says about a media file.</summary>
public sealed record MediaInfo
{
    /// <summary>The path as probed (full path).</summary>
    public required string Path { get; init; }

    /// <summary>ffmpeg's demuxer name, e.g. "mov,mp4,m4a,3gp,3g2,mj2", "mpeg", "matroska,webm".</summary>
    public required string Container { get; init; }

    /// <summary>Container duration in seconds (NaN when the container does not say).</summary>
    public double Duration { get; init; } = double.NaN;

    /// <summary>The container's start time in seconds; ffmpeg's -ss is relative to it.</summary>
    public double StartTime { get; init; }

    public long SizeBytes { get; init; }

    /// <summary>The first video stream that is not cover art; null for audio-only files.</summary>
    public VideoStreamInfo? Video { get; init; }

    public IReadOnlyList<AudioStreamInfo> Audio { get; init; } = [];

    /// <summary>The video stream, or a clear error naming the file when it has none.</summary>
    public VideoStreamInfo RequireVideo() => Video ?? throw new MediaException(Path,
        Audio.Count > 0 ? $"has no video stream (it is audio only: {Audio.Count} audio stream(s)); a video is needed here" : "has no video stream")
    { IsBadInput = true };

    /// <summary>The first audio stream, or a clear error naming the file when it has none.</summary>
    public AudioStreamInfo RequireAudio() => Audio.Count > 0 ? Audio[0] : throw new MediaException(Path, "has no audio stream; an audio track is needed here") { IsBadInput = true };
}

/// <summary>
/// A video stream. Frame indices everywhere in SwapTalk count frames at the constant rate
/// <see cref="FrameRate"/> from the stream's first frame (<see cref="StartPts"/>): frame k is
/// presented at k / FrameRate seconds. For constant-frame-rate input that is exactly the decoded
/// frames; variable-frame-rate input is mapped onto that grid (see docs/media.md, "VFR rule").
/// </summary>
public sealed record VideoStreamInfo
{
    /// <summary>The stream's index in the file (ffmpeg's 0:N).</summary>
    public required int Index { get; init; }

    public required string Codec { get; init; }
    public required string PixelFormat { get; init; }

    /// <summary>Size as stored (before rotation).</summary>
    public required int StoredWidth { get; init; }
    public required int StoredHeight { get; init; }

    /// <summary>Clockwise degrees (0, 90, 180, 270) the stored picture turns for display (from the display matrix).</summary>
    public int Rotation { get; init; }

    /// <summary>Size as displayed (after rotation): the size of frames the reader yields.</summary>
    public int Width => Rotation is 90 or 270 ? StoredHeight : StoredWidth;
    public int Height => Rotation is 90 or 270 ? StoredWidth : StoredHeight;

    /// <summary>ffprobe's r_frame_rate: the rate all timestamps fit (for constant-rate video, the rate).</summary>
    public Rational NominalFrameRate { get; init; }

    /// <summary>Frames per second measured from the timestamps (stored frames / their time span).</summary>
    public Rational AverageFrameRate { get; init; }

    /// <summary>The constant rate frames are read at: nominal when constant-rate, else the average (snapped to a standard rate within 1%).</summary>
    public required Rational FrameRate { get; init; }

    /// <summary>True when the intervals between frame timestamps vary (by more than 10% of the median interval).</summary>
    public bool IsVariableFrameRate { get; init; }

    /// <summary>Frames at <see cref="FrameRate"/>: how many frames the reader yields for the whole stream.</summary>
    public required long FrameCount { get; init; }

    /// <summary>Frames stored in the file (the container's count, or counted by decoding when it does not say).</summary>
    public required long SourceFrameCount { get; init; }

    /// <summary>True when <see cref="SourceFrameCount"/> was read from the container, false when counted by decoding.</summary>
    public bool FrameCountFromContainer { get; init; }

    public required Rational TimeBase { get; init; }

    /// <summary>Presentation timestamp (in <see cref="TimeBase"/> ticks) of the first frame: frame 0.</summary>
    public long StartPts { get; init; }

    public double StartTime => StartPts * TimeBase.Value;

    /// <summary>Where the last stored frame ends (its timestamp plus its duration), in ticks; 0 when not scanned.</summary>
    public long EndPts { get; init; }

    /// <summary>Duration of the stream in seconds (frames at the constant rate / rate).</summary>
    public double Duration => FrameCount / FrameRate.Value;

    /// <summary>True when frames are stored out of presentation order (B-frames).</summary>
    public bool HasBFrames { get; init; }

    /// <summary>Presentation timestamps (ticks) of keyframes, ascending: where a reader can start decoding.</summary>
    public IReadOnlyList<long> KeyframePts { get; init; } = [];
}

public sealed record AudioStreamInfo(int Index, string Codec, int SampleRate, int Channels, double Duration);

/// <summary>Frames [Start, End) at the stream's constant rate: the one frame-range type (reads, tracks, plan segments).</summary>
[JsonConverter(typeof(FrameRangeJsonConverter))]
public readonly record struct FrameRange(long Start, long End)
{
    public long Count => End - Start;

    public static FrameRange All(VideoStreamInfo video) => new(0, video.FrameCount);

    /// <summary>Splits [0, frameCount) into <paramref name="parts"/> contiguous ranges whose sizes differ by at most one.</summary>
    public static IReadOnlyList<FrameRange> Split(long frameCount, int parts)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parts, 1);
        if (parts > frameCount) throw new ArgumentOutOfRangeException(nameof(parts), $"cannot split {frameCount} frames into {parts} non-empty segments");
        var ranges = new FrameRange[parts];
        long start = 0;
        for (var i = 0; i < parts; i++)
        {
            var end = frameCount * (i + 1) / parts;
            ranges[i] = new FrameRange(start, end);
            start = end;
        }
        return ranges;
    }

    public override string ToString() => $"[{Start}, {End})";
}

/// <summary>JSON as [start, end]: compact, since a plan holds three ranges per segment and an hour has thousands of segments.</summary>
public sealed class FrameRangeJsonConverter : JsonConverter<FrameRange>
{
    public override FrameRange Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException("a frame range is [start, end]");
        reader.Read();
        var start = reader.GetInt64();
        reader.Read();
        var end = reader.GetInt64();
        reader.Read();
        if (reader.TokenType != JsonTokenType.EndArray) throw new JsonException("a frame range is [start, end]");
        return new FrameRange(start, end);
    }

    public override void Write(Utf8JsonWriter writer, FrameRange value, JsonSerializerOptions options)
    {
        // On one line even in indented JSON.
        writer.WriteRawValue(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"[{value.Start}, {value.End}]"), skipInputValidation: true);
    }
}
