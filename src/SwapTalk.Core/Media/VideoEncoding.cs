using SwapTalk.Core.Imaging;

namespace SwapTalk.Core.Media;

public enum VideoCodecKind
{
    /// <summary>H.264 (libx264), yuv420p, in MP4: the deliverable and production segments.</summary>
    H264,

    /// <summary>FFV1 (level 3, every frame a keyframe), bgr0, in Matroska: decodes to exactly the RGB written.</summary>
    Lossless,
}

/// <summary>
/// How the frame writer encodes. Production segments and the final file use <see cref="H264"/> with
/// identical settings so segments concatenate by stream copy; <see cref="Lossless"/> intermediates
/// make seams testable bit for bit.
/// </summary>
public sealed record VideoEncoding
{
    public static readonly IReadOnlyList<string> Presets =
        ["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow", "placebo"];

    private VideoEncoding(VideoCodecKind kind, int crf, string preset, bool fastStart)
    {
        Kind = kind;
        Crf = crf;
        Preset = preset;
        FastStart = fastStart;
    }

    public VideoCodecKind Kind { get; }

    /// <summary>x264 constant rate factor (0-51, lower is better).</summary>
    public int Crf { get; }

    /// <summary>x264 preset (speed/size trade-off).</summary>
    public string Preset { get; }

    /// <summary>Moves the MP4 index to the front so players start before the whole file arrives (final files; costs a rewrite).</summary>
    public bool FastStart { get; }

    /// <summary>ffmpeg's muxer name for this encoding's container.</summary>
    public string Container => Kind == VideoCodecKind.H264 ? "mp4" : "matroska";

    public string FileExtension => Kind == VideoCodecKind.H264 ? ".mp4" : ".mkv";

    public static VideoEncoding H264(int crf = 18, string preset = "medium", bool fastStart = false)
    {
        if (crf is < 0 or > 51) throw new ArgumentOutOfRangeException(nameof(crf), $"CRF must be 0-51, got {crf}");
        if (!Presets.Contains(preset)) throw new ArgumentException($"unknown x264 preset '{preset}'; one of {string.Join(", ", Presets)}", nameof(preset));
        return new VideoEncoding(VideoCodecKind.H264, crf, preset, fastStart);
    }

    public static VideoEncoding Lossless { get; } = new(VideoCodecKind.Lossless, 0, "", false);

    public override string ToString() => Kind == VideoCodecKind.H264 ? $"h264 crf {Crf} preset {Preset}{(FastStart ? " faststart" : "")}" : "ffv1 lossless";
}

/// <summary>What a frame writer receives: frame size, rate and channel order, and how it encodes.</summary>
public sealed record FrameWriterSettings(int Width, int Height, Rational FrameRate, VideoEncoding Encoding, ColorOrder InputOrder = ColorOrder.Rgb)
{
    /// <summary>
    /// 4:2:0 H.264 needs even sizes: an odd width or height gains one column/row that repeats the
    /// edge pixels (nothing is cropped). Lossless output keeps the size as is.
    /// </summary>
    public int EncodedWidth => Encoding.Kind == VideoCodecKind.H264 ? (Width + 1) & ~1 : Width;
    public int EncodedHeight => Encoding.Kind == VideoCodecKind.H264 ? (Height + 1) & ~1 : Height;
}
