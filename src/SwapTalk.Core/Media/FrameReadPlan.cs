using System.Globalization;
using SwapTalk.Core.Imaging;

namespace SwapTalk.Core.Media;

/// <summary>Options for reading frames.</summary>
public sealed record FrameReadOptions
{
    public ColorOrder Order { get; init; } = ColorOrder.Rgb;

    /// <summary>Read at this constant rate instead of the stream's <see cref="VideoStreamInfo.FrameRate"/> (frame indices then count at this rate).</summary>
    public Rational? FrameRate { get; init; }

    /// <summary>Turn frames upright per the display matrix (default). Off: frames as stored.</summary>
    public bool ApplyRotation { get; init; } = true;

    /// <summary>Frames decoded ahead of the consumer (overlaps decoding with the consumer's work).</summary>
    public int ReadAhead { get; init; } = 2;

    /// <summary>Frame buffers the reader keeps for reuse; memory stays at about (ReadAhead + this) frames whatever the clip length, as long as consumers dispose frames.</summary>
    public int PoolCapacity { get; init; } = 4;
}

/// <summary>
/// The exact decode of frames [Start, End) at a constant rate, as data: where to seek, how to map
/// timestamps onto the frame grid. Pure: computed from the probe, tested without ffmpeg.
/// </summary>
/// <remarks>
/// The frame grid: frame k is presented at k / Rate seconds after the stream's first frame. ffmpeg's
/// fps filter (round=near) assigns each decoded frame to slot round((pts - StartPts) * Rate) and fills
/// each slot with the latest frame assigned at or before it (identity for constant-rate input;
/// duplicates or drops for variable-rate input). Timestamps are kept absolute (-copyts) so the grid
/// is the same wherever decoding starts; decoding starts at the last keyframe whose slot is at or
/// before Start (no frame the slot needs comes earlier), so a seek never shifts a frame.
/// </remarks>
public sealed record FrameReadPlan
{
    public required string Path { get; init; }
    public required int StreamIndex { get; init; }
    public required long Start { get; init; }
    public required long End { get; init; }
    public required Rational Rate { get; init; }
    public required long StartPts { get; init; }
    public required int Width { get; init; }
    public required int Height { get; init; }
    public ColorOrder Order { get; init; }
    public bool ApplyRotation { get; init; } = true;

    /// <summary>Input seek in seconds relative to the container start (ffmpeg -ss), or null to decode from the beginning.</summary>
    public double? SeekSeconds { get; init; }

    public long Count => End - Start;
    public int FrameBytes => Width * Height * 3;

    public static FrameReadPlan Create(MediaInfo media, FrameRange? range, FrameReadOptions? options = null)
    {
        options ??= new FrameReadOptions();
        var video = media.RequireVideo();
        var rate = options.FrameRate ?? video.FrameRate;
        if (!rate.IsValid) throw new ArgumentException($"frame rate {rate} is not a positive ratio", nameof(options));
        var total = options.FrameRate is null ? video.FrameCount : FramesAtRate(video, rate);
        var r = range ?? new FrameRange(0, total);
        if (r.Start < 0 || r.End <= r.Start || r.End > total)
            throw new ArgumentOutOfRangeException(nameof(range), $"frames {r} are outside '{media.Path}' which has frames [0, {total}) at {rate} fps");
        var rotate = options.ApplyRotation && video.Rotation is 90 or 270;
        return new FrameReadPlan
        {
            Path = media.Path,
            StreamIndex = video.Index,
            Start = r.Start,
            End = r.End,
            Rate = rate,
            StartPts = video.StartPts,
            Width = rotate ? video.StoredHeight : video.StoredWidth,
            Height = rotate ? video.StoredWidth : video.StoredHeight,
            Order = options.Order,
            ApplyRotation = options.ApplyRotation,
            SeekSeconds = SeekFor(media, video, rate, r.Start),
        };
    }

    /// <summary>The slot (frame index) a timestamp falls into: round half away from zero, like the fps filter's round=near.</summary>
    public static long SlotOf(long pts, long startPts, Rational timeBase, Rational rate)
    {
        // (pts - start) * tb * rate in exact integer arithmetic (Int128: no overflow for any real stream).
        Int128 num = (Int128)(pts - startPts) * timeBase.Numerator * rate.Numerator;
        Int128 den = (Int128)timeBase.Denominator * rate.Denominator;
        var twice = num * 2;
        var q = (twice + (num >= 0 ? den : -den)) / (den * 2);
        return (long)q;
    }

    private static long FramesAtRate(VideoStreamInfo video, Rational rate)
    {
        // The grid holds the slots up to where the last frame ends (what the fps filter emits).
        if (video.EndPts > video.StartPts && video.TimeBase.IsValid)
            return Math.Max(1, SlotOf(video.EndPts, video.StartPts, video.TimeBase, rate));
        var span = video.FrameCount / video.FrameRate.Value;
        return Math.Max(1, (long)Math.Round(span * rate.Value, MidpointRounding.AwayFromZero));
    }

    private static double? SeekFor(MediaInfo media, VideoStreamInfo video, Rational rate, long start)
    {
        if (start == 0) return null;
        long? keyframe = null;
        foreach (var pts in video.KeyframePts)
        {
            if (SlotOf(pts, video.StartPts, video.TimeBase, rate) > start) break;
            keyframe = pts;
        }
        // No index (e.g. a deserialised probe): decode from the start, slower but still exact.
        if (keyframe is null || keyframe.Value <= video.StartPts) return null;
        var seconds = keyframe.Value * video.TimeBase.Value - media.StartTime;
        // Round down to ffmpeg's microsecond clock so the seek lands at or before the keyframe.
        var micro = Math.Floor(seconds * 1e6 + 1e-6) / 1e6;
        return micro > 0 ? micro : null;
    }

    internal string FilterGraph() => string.Create(CultureInfo.InvariantCulture,
        $"setpts=PTS{(StartPts >= 0 ? "-" : "+")}{Math.Abs(StartPts)},fps=fps={Rate}:round=near,trim=start_pts={Start}:end_pts={End}");
}
