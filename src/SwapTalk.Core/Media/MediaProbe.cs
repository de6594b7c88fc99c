using System.Globalization;
using FFMpegCore;

namespace SwapTalk.Core.Media;

/// <summary>
/// Probes a media file: container, duration and streams through FFMpegCore's <see cref="FFProbe"/>; for the video stream a packet
/// scan gives the first timestamp, keyframes (seek points), the exact frame count (decoded when the
/// container does not say) and whether the frame rate varies.
/// </summary>
public sealed class MediaProbe(MediaTools tools)
{
    /// <summary>Standard rates a measured average snaps to (within 1%).</summary>
    private static readonly Rational[] StandardRates =
        [new(24000, 1001), new(24, 1), new(25, 1), new(30000, 1001), new(30, 1), new(48, 1), new(50, 1), new(60000, 1001), new(60, 1)];

    /// <summary>The full probe: FFMpegCore's stream analysis, then a packet scan of the video stream.</summary>
    public async Task<MediaInfo> ProbeAsync(string path, CancellationToken cancellationToken = default)
    {
        var info = await ProbeStreamsAsync(path, cancellationToken).ConfigureAwait(false);
        if (info.Video is { } video)
        {
            // FFMpegCore's model holds rates as doubles and has no time base, stored frame count or B-frame flag,
            // and reads a missing packet pts as 0: the frame-exact facts come from one ffprobe packet scan.
            var packets = await MediaProcess.RunForTextAsync(tools, MediaCommands.ProbePackets(path, video.Index, countFrames: false), cancellationToken).ConfigureAwait(false);
            var scan = ParsePackets(packets);
            if (scan.Stream.NbFrames <= 0)
            {
                // The container does not say how many frames it stores (MPEG-PS, Matroska): count them by decoding.
                packets = await MediaProcess.RunForTextAsync(tools, MediaCommands.ProbePackets(path, video.Index, countFrames: true), cancellationToken).ConfigureAwait(false);
                scan = ParsePackets(packets);
            }
            info = info with { Video = CompleteVideo(path, WithStreamFacts(video, scan.Stream), scan) };
        }
        return info;
    }

    /// <summary>
    /// Container and streams only (FFMpegCore's <see cref="FFProbe"/>, one ffprobe run, no packet scan): enough for
    /// audio inputs. Video fields that need the scan (exact rates, time base, start, keyframes, VFR, frame count) are
    /// left unset, except a frame rate read from FFMpegCore's double (snapped to a standard rate).
    /// </summary>
    public async Task<MediaInfo> ProbeStreamsAsync(string path, CancellationToken cancellationToken = default)
    {
        CheckReadable(path);
        var analysis = await FFMpegCoreRun.AnalyseAsync(tools, path, cancellationToken).ConfigureAwait(false);
        var info = FromAnalysis(path, analysis);
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

    /// <summary>Maps FFMpegCore's analysis; the first video stream that is not cover art, every audio stream.</summary>
    internal static MediaInfo FromAnalysis(string path, IMediaAnalysis analysis)
    {
        var format = analysis.Format;
        var containerSeconds = format.Duration > TimeSpan.Zero ? format.Duration.TotalSeconds : double.NaN;
        var video = analysis.VideoStreams.OrderBy(v => v.Index).FirstOrDefault(v => v.Disposition?.GetValueOrDefault("attached_pic") != true);
        return new MediaInfo
        {
            Path = Path.GetFullPath(path),
            Container = format.FormatName ?? "unknown",
            Duration = containerSeconds,
            StartTime = format.StartTime.TotalSeconds,
            SizeBytes = new FileInfo(path).Length,
            Video = video is null ? null : FromVideo(video),
            Audio = analysis.AudioStreams.OrderBy(a => a.Index)
                .Select(a => new AudioStreamInfo(a.Index, a.CodecName ?? "unknown", a.SampleRateHz ?? 0, a.Channels ?? 0,
                    a.Duration > TimeSpan.Zero ? a.Duration.TotalSeconds : containerSeconds))
                .ToList(),
        };
    }

    private static VideoStreamInfo FromVideo(VideoStream s) => new()
    {
        Index = s.Index,
        Codec = s.CodecName ?? "unknown",
        PixelFormat = s.PixelFormat ?? "unknown",
        StoredWidth = s.Width ?? 0,
        StoredHeight = s.Height ?? 0,
        Rotation = ClockwiseRotation(s.Rotation),
        NominalFrameRate = Snap(s.RealFrameRate),
        AverageFrameRate = Snap(s.AverageFrameRate),
        FrameRate = Snap(s.RealFrameRate),
        TimeBase = default,
        FrameCount = 0,
        SourceFrameCount = 0,
    };

    /// <summary>The exact facts the packet scan's stream line gives, over FFMpegCore's approximations.</summary>
    private static VideoStreamInfo WithStreamFacts(VideoStreamInfo video, StreamFacts facts) => video with
    {
        NominalFrameRate = facts.NominalFrameRate,
        AverageFrameRate = facts.AverageFrameRate,
        FrameRate = facts.NominalFrameRate,
        TimeBase = facts.TimeBase,
        FrameCount = Math.Max(0, facts.NbFrames),
        SourceFrameCount = Math.Max(0, facts.NbFrames),
        FrameCountFromContainer = facts.NbFrames > 0,
        HasBFrames = facts.HasBFrames,
    };

    /// <summary>
    /// Clockwise display rotation. FFMpegCore reports the display matrix's angle as ffprobe prints it,
    /// counter-clockwise; ffmpeg's autorotate turns the picture by its negation, and only by multiples of
    /// 90 degrees (other angles are not applied, so they count as 0 here too).
    /// </summary>
    internal static int ClockwiseRotation(int counterClockwise)
    {
        var clockwise = ((-counterClockwise) % 360 + 360) % 360;
        return clockwise is 0 or 90 or 180 or 270 ? clockwise : 0;
    }

    /// <summary>The video stream line of the packet scan: exact rationals, time base, stored count, B-frames, decoded count.</summary>
    internal sealed record StreamFacts(Rational NominalFrameRate, Rational AverageFrameRate, Rational TimeBase, long NbFrames, bool HasBFrames, long? DecodedFrames);

    internal sealed record PacketScan(List<long> Pts, List<long> KeyframePts, long LastDuration, StreamFacts Stream)
    {
        public long? DecodedFrames => Stream.DecodedFrames;
    }

    /// <summary>Reads ffprobe's compact packet lines ("packet|pts=..|dts=..|duration=..|flags=K_") and the decoded count line.</summary>
    internal static PacketScan ParsePackets(string text)
    {
        var pts = new List<long>();
        var keys = new List<long>();
        long lastPts = long.MinValue, lastDuration = 0;
        long? decoded = null;
        long nbFrames = 0;
        var bFrames = false;
        Rational nominal = default, average = default, timeBase = default;
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
                {
                    var eq = field.IndexOf('=');
                    if (eq < 0) continue;
                    var value = field[(eq + 1)..];
                    long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v);
                    switch (field[..eq])
                    {
                        case "r_frame_rate": nominal = SafeRational(value); break;
                        case "avg_frame_rate": average = SafeRational(value); break;
                        case "time_base": timeBase = SafeRational(value); break;
                        case "nb_frames": nbFrames = v; break;
                        case "has_b_frames": bFrames = v > 0; break;
                        case "nb_read_frames": if (value != "N/A" && value.Length > 0) decoded = v; break;
                    }
                }
            }
        }
        pts.Sort();
        keys.Sort();
        return new PacketScan(pts, keys, lastDuration, new StreamFacts(nominal, average, timeBase, nbFrames, bFrames, decoded));
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
}
