using System.Globalization;
using System.Text.Json;
using SwapTalk.Core.Media;

namespace SwapTalk.Cli.Commands;

/// <summary>How <c>swaptalk media probe</c> prints a probe: a few aligned lines, or JSON with <c>--json</c>.</summary>
internal static class MediaProbeText
{
    internal static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>The probe as printed by --json: rates as "num/den", keyframes as a count.</summary>
    internal static object View(MediaInfo info) => new
    {
        path = info.Path,
        container = info.Container,
        duration = double.IsFinite(info.Duration) ? info.Duration : (double?)null,
        sizeBytes = info.SizeBytes,
        video = info.Video is not { } v ? null : new
        {
            index = v.Index,
            codec = v.Codec,
            pixelFormat = v.PixelFormat,
            width = v.Width,
            height = v.Height,
            storedWidth = v.StoredWidth,
            storedHeight = v.StoredHeight,
            rotation = v.Rotation,
            frameRate = v.FrameRate.ToString(),
            nominalFrameRate = v.NominalFrameRate.ToString(),
            averageFrameRate = v.AverageFrameRate.ToString(),
            variableFrameRate = v.IsVariableFrameRate,
            frameCount = v.FrameCount,
            sourceFrameCount = v.SourceFrameCount,
            frameCountFromContainer = v.FrameCountFromContainer,
            duration = v.Duration,
            startTime = v.StartTime,
            timeBase = v.TimeBase.ToString(),
            hasBFrames = v.HasBFrames,
            keyframes = v.KeyframePts.Count,
        },
        audio = info.Audio.Select(a => new { index = a.Index, codec = a.Codec, sampleRate = a.SampleRate, channels = a.Channels, duration = double.IsFinite(a.Duration) ? a.Duration : (double?)null }),
    };

    internal static string Describe(MediaInfo info)
    {
        var inv = CultureInfo.InvariantCulture;
        var lines = new List<string>
        {
            info.Path,
            string.Format(inv, "  container  {0}, {1:0.###} s, {2:N0} bytes", info.Container, info.Duration, info.SizeBytes),
        };
        if (info.Video is { } v)
        {
            lines.Add(string.Format(inv, "  video      #{0} {1} {2}x{3} {4}{5}", v.Index, v.Codec, v.Width, v.Height, v.PixelFormat,
                v.Rotation != 0 ? string.Format(inv, " (stored {0}x{1}, rotated {2} deg clockwise)", v.StoredWidth, v.StoredHeight, v.Rotation) : ""));
            lines.Add(string.Format(inv, "  frames     {0} at {1} fps ({2:0.###} s){3}", v.FrameCount, v.FrameRate, v.Duration,
                v.IsVariableFrameRate ? string.Format(inv, "; variable frame rate: {0} stored frames, nominal {1}, average {2}", v.SourceFrameCount, v.NominalFrameRate, v.AverageFrameRate) : ", constant frame rate"));
            lines.Add(string.Format(inv, "  keyframes  {0}{1}", v.KeyframePts.Count, v.HasBFrames ? ", B-frames" : ""));
        }
        foreach (var a in info.Audio)
            lines.Add(string.Format(inv, "  audio      #{0} {1} {2} Hz, {3} ch, {4:0.###} s", a.Index, a.Codec, a.SampleRate, a.Channels, a.Duration));
        return string.Join(Environment.NewLine, lines);
    }
}
