using System.Globalization;
using System.Text.Json;

namespace SwapTalk.Core.Media;

/// <summary>
/// Probes a media file with ffprobe: container, duration, streams; for the video stream a packet
/// scan gives the first timestamp, keyframes (seek points), the exact frame count (decoded when the
/// container does not say) and whether the frame rate varies.
/// </summary>
public sealed class MediaProbe(MediaTools tools)
{
    /// <summary>Standard rates a measured average snaps to (within 1%).</summary>
    private static readonly Rational[] StandardRates =
        [new(24000, 1001), new(24, 1), new(25, 1), new(30000, 1001), new(30, 1), new(48, 1), new(50, 1), new(60000, 1001), new(60, 1)];

    /// <summary>The full probe: streams, then a packet scan of the video stream.</summary>
    public async Task<MediaInfo> ProbeAsync(string path, CancellationToken cancellationToken = default)
    {
        var info = await ProbeStreamsAsync(path, cancellationToken).ConfigureAwait(false);
        if (info.Video is { } video)
        {
            var needCount = !video.FrameCountFromContainer;
            var packets = await MediaProcess.RunForTextAsync(tools, MediaCommands.ProbePackets(path, video.Index, needCount), cancellationToken).ConfigureAwait(false);
            info = info with { Video = CompleteVideo(path, video, ParsePackets(packets)) };
        }
        return info;
    }

    /// <summary>
    /// Container and streams only (one ffprobe run, no packet scan): enough for audio inputs.
    /// Video fields that need the scan (start, keyframes, VFR, decoded count) are left unset.
    /// </summary>
    public async Task<MediaInfo> ProbeStreamsAsync(string path, CancellationToken cancellationToken = default)
    {
        CheckReadable(path);
        var json = await MediaProcess.RunForTextAsync(tools, MediaCommands.ProbeStreams(path), cancellationToken).ConfigureAwait(false);
        var info = ParseStreams(path, json);
        if (info.Video is null && info.Audio.Count == 0)
            throw new MediaException(path, $"has no audio or video stream (container '{info.Container}')") { IsBadInput = true };
        return info;
    }

    /// <summary>Fails early, without a process, for paths that cannot be media: missing, a directory, empty.</summary>
    internal static void CheckReadable(string path)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new MediaException("(empty path)", "no input file was given") { IsBadInput = true };
        if (Directory.Exists(path)) throw new MediaException(path, "is a directory, not a media file") { IsBadInput = true };
        if (!File.Exists(path)) throw new MediaException(path, "does not exist") { IsBadInput = true };
        if (new FileInfo(path).Length == 0) throw new MediaException(path, "is empty (0 bytes)") { IsBadInput = true };
    }

    /// <summary>Reads ffprobe's -show_format -show_streams JSON. The video part is completed by the packet scan.</summary>
    internal static MediaInfo ParseStreams(string path, string json)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        if (!root.TryGetProperty("format", out var format))
            throw new MediaException(path, "ffprobe reported no container format") { IsBadInput = true };
        VideoStreamInfo? video = null;
        var audio = new List<AudioStreamInfo>();
        if (root.TryGetProperty("streams", out var streams))
        {
            foreach (var s in streams.EnumerateArray())
            {
                var type = Str(s, "codec_type");
                if (type == "video" && video is null && !IsCoverArt(s))
                    video = ParseVideo(s);
                else if (type == "audio")
                    audio.Add(new AudioStreamInfo(Int(s, "index"), Str(s, "codec_name") ?? "unknown", Int(s, "sample_rate"), Int(s, "channels"),
                        Num(s, "duration") is var d && double.IsFinite(d) ? d : Num(format, "duration")));
            }
        }
        return new MediaInfo
        {
            Path = Path.GetFullPath(path),
            Container = Str(format, "format_name") ?? "unknown",
            Duration = Num(format, "duration"),
            StartTime = Num(format, "start_time") is var st && double.IsFinite(st) ? st : 0,
            SizeBytes = new FileInfo(path).Length,
            Video = video,
            Audio = audio,
        };
    }

    private static VideoStreamInfo ParseVideo(JsonElement s)
    {
        var nbFrames = long.TryParse(Str(s, "nb_frames"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 0;
        return new VideoStreamInfo
        {
            Index = Int(s, "index"),
            Codec = Str(s, "codec_name") ?? "unknown",
            PixelFormat = Str(s, "pix_fmt") ?? "unknown",
            StoredWidth = Int(s, "width"),
            StoredHeight = Int(s, "height"),
            Rotation = RotationOf(s),
            NominalFrameRate = SafeRational(Str(s, "r_frame_rate")),
            AverageFrameRate = SafeRational(Str(s, "avg_frame_rate")),
            FrameRate = SafeRational(Str(s, "r_frame_rate")),
            TimeBase = SafeRational(Str(s, "time_base")),
            FrameCount = nbFrames,
            SourceFrameCount = nbFrames,
            FrameCountFromContainer = nbFrames > 0,
            HasBFrames = Int(s, "has_b_frames") > 0,
        };
    }

    /// <summary>
    /// Clockwise display rotation from the display matrix. ffprobe prints the matrix's
    /// counter-clockwise angle; ffmpeg's autorotate turns the picture by its negation, and only by
    /// multiples of 90 degrees (other angles are not applied, so they count as 0 here too).
    /// </summary>
    internal static int RotationOf(JsonElement stream)
    {
        if (!stream.TryGetProperty("side_data_list", out var list)) return 0;
        foreach (var sd in list.EnumerateArray())
        {
            if (Str(sd, "side_data_type") != "Display Matrix") continue;
            var ccw = Num(sd, "rotation");
            if (!double.IsFinite(ccw)) return 0;
            var clockwise = ((-Math.Round(ccw)) % 360 + 360) % 360;
            foreach (var right in new[] { 0, 90, 180, 270 })
                if (Math.Abs(clockwise - right) < 1) return right;
            return 0;
        }
        return 0;
    }

    private static bool IsCoverArt(JsonElement s) =>
        s.TryGetProperty("disposition", out var d) && d.TryGetProperty("attached_pic", out var a) && a.ValueKind == JsonValueKind.Number && a.GetInt32() == 1;

    internal sealed record PacketScan(List<long> Pts, List<long> KeyframePts, long LastDuration, long? DecodedFrames);

    /// <summary>Reads ffprobe's compact packet lines ("packet|pts=..|dts=..|duration=..|flags=K_") and the decoded count line.</summary>
    internal static PacketScan ParsePackets(string text)
    {
        var pts = new List<long>();
        var keys = new List<long>();
        long lastPts = long.MinValue, lastDuration = 0;
        long? decoded = null;
        foreach (var raw in text.AsSpan().EnumerateLines())
        {
            var line = raw.Trim();
            if (line.StartsWith("packet|"))
            {
                long? p = null, d = null, duration = null;
                var flags = "";
                foreach (var field in line[7..].ToString().Split('|'))
                {
                    var eq = field.IndexOf('=');
                    if (eq < 0) continue;
                    var key = field[..eq];
                    var value = field[(eq + 1)..];
                    long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v);
                    var known = value != "N/A" && value.Length > 0;
                    switch (key)
                    {
                        case "pts": if (known) p = v; break;
                        case "dts": if (known) d = v; break;
                        case "duration": if (known) duration = v; break;
                        case "flags": flags = value; break;
                    }
                }
                if (flags.Contains('D')) continue; // discarded by the container's edit list: never shown
                var t = p ?? d;
                if (t is null) continue;
                pts.Add(t.Value);
                if (flags.Contains('K')) keys.Add(t.Value);
                if (t.Value >= lastPts)
                {
                    lastPts = t.Value;
                    lastDuration = duration ?? 0;
                }
            }
            else if (line.StartsWith("stream|"))
            {
                foreach (var field in line[7..].ToString().Split('|'))
                    if (field.StartsWith("nb_read_frames=", StringComparison.Ordinal)
                        && long.TryParse(field["nb_read_frames=".Length..], NumberStyles.Integer, CultureInfo.InvariantCulture, out var c))
                        decoded = c;
            }
        }
        pts.Sort();
        keys.Sort();
        return new PacketScan(pts, keys, lastDuration, decoded);
    }

    /// <summary>Completes the video stream from its packets: start, keyframes, counts, the VFR decision and the constant rate.</summary>
    internal static VideoStreamInfo CompleteVideo(string path, VideoStreamInfo video, PacketScan scan)
    {
        if (video.StoredWidth <= 0 || video.StoredHeight <= 0)
            throw new MediaException(path, $"video stream {video.Index} has no picture size (codec '{video.Codec}')") { IsBadInput = true };
        if (scan.Pts.Count == 0)
            throw new MediaException(path, $"video stream {video.Index} has no readable frames (empty or truncated)") { IsBadInput = true };
        if (!video.TimeBase.IsValid)
            throw new MediaException(path, $"video stream {video.Index} has no time base");
        if (video.FrameCountFromContainer && scan.Pts.Count < video.SourceFrameCount)
            throw new MediaException(path, $"is truncated: the container lists {video.SourceFrameCount} frames but only {scan.Pts.Count} can be read") { IsBadInput = true };
        var source = video.FrameCountFromContainer ? video.SourceFrameCount : scan.DecodedFrames ?? scan.Pts.Count;
        if (source <= 0)
            throw new MediaException(path, $"video stream {video.Index} decodes to no frames (corrupt or truncated)") { IsBadInput = true };

        var start = scan.Pts[0];
        var intervals = new List<long>(scan.Pts.Count);
        for (var i = 1; i < scan.Pts.Count; i++)
            if (scan.Pts[i] > scan.Pts[i - 1]) intervals.Add(scan.Pts[i] - scan.Pts[i - 1]);
        var median = intervals.Count > 0 ? intervals.Order().ElementAt(intervals.Count / 2) : 0;
        // Constant rate: every interval within 10% of the median (and one tick, for coarse time bases).
        var variable = median > 0 && intervals.Any(d => Math.Abs(d - median) > Math.Max(1, median / 10.0));
        var lastDuration = scan.LastDuration > 0 ? scan.LastDuration : median;
        var spanTicks = scan.Pts[^1] + lastDuration - start;
        var spanSeconds = spanTicks * video.TimeBase.Value;
        var average = spanSeconds > 0 ? Snap(scan.Pts.Count / spanSeconds) : video.AverageFrameRate;

        Rational rate;
        if (!variable && video.NominalFrameRate.IsValid && median > 0
            && Math.Abs(video.NominalFrameRate.Value * median * video.TimeBase.Value - 1) < 0.01)
            rate = video.NominalFrameRate;
        else if (average.IsValid)
            rate = average;
        else if (video.NominalFrameRate.IsValid)
            rate = video.NominalFrameRate;
        else
            throw new MediaException(path, $"video stream {video.Index} has no usable frame rate") { IsBadInput = true };

        // Constant rate: the frames as stored. Variable: the grid's slots up to the end of the last frame (the fps filter's count).
        var count = variable ? Math.Max(1, FrameReadPlan.SlotOf(start + spanTicks, start, video.TimeBase, rate)) : source;
        return video with
        {
            StartPts = start,
            EndPts = start + spanTicks,
            KeyframePts = scan.KeyframePts.Count > 0 ? scan.KeyframePts : [start],
            SourceFrameCount = source,
            FrameCount = count,
            AverageFrameRate = average.IsValid ? average : video.AverageFrameRate,
            FrameRate = rate,
            IsVariableFrameRate = variable,
        };
    }

    /// <summary>A measured rate: the standard rate within 1% when there is one, else rounded to 1/1000 fps.</summary>
    internal static Rational Snap(double fps)
    {
        if (!(fps > 0) || !double.IsFinite(fps)) return default;
        foreach (var standard in StandardRates)
            if (Math.Abs(fps / standard.Value - 1) < 0.01) return standard;
        return Rational.FromDouble(fps, 1000);
    }

    private static Rational SafeRational(string? text)
    {
        try { return Rational.Parse(text); }
        catch (FormatException) { return default; }
    }

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) ? v.ValueKind == JsonValueKind.String ? v.GetString() : v.ToString() : null;

    private static int Int(JsonElement e, string name) =>
        int.TryParse(Str(e, name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : 0;

    private static double Num(JsonElement e, string name) =>
        double.TryParse(Str(e, name), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : double.NaN;
}
