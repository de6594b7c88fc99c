using System.Globalization;
using FFMpegCore;
using SwapTalk.Core.Imaging;

namespace SwapTalk.Core.Media;

/// <summary>
/// Builds every ffmpeg/ffprobe argument list the engine runs. Pure functions: the exact flags are
/// unit-tested without running ffmpeg. Invariants: no shell; every input gets a protocol whitelist
/// of local files and pipes; ffmpeg never reads the terminal (-nostdin); paths are passed with the
/// "file:" protocol so a name containing ':' or starting with '-' cannot be read as anything else.
/// </summary>
public static class MediaCommands
{
    /// <summary>The only protocols an input may use; concatenation needs nothing more (tested).</summary>
    public const string ProtocolWhitelist = "file,pipe";

    /// <summary>PCM for speech models: 16 kHz mono float32.</summary>
    public const int SpeechSampleRate = 16000;

    /// <summary>AAC in the final files: 48 kHz (an AAC frame is 21 ms, well under a video frame).</summary>
    public const int AacSampleRate = 48000;

    public static string FileUrl(string path) => "file:" + Path.GetFullPath(path);

    private static List<string> Ffmpeg() => ["-nostdin", "-hide_banner", "-nostats", "-loglevel", "error"];

    private static void AddInput(List<string> args, string path, params string[] inputOptions)
    {
        args.Add("-protocol_whitelist");
        args.Add(ProtocolWhitelist);
        args.AddRange(inputOptions);
        args.Add("-i");
        args.Add(FileUrl(path));
    }

    /// <summary>
    /// Every packet of one video stream (timestamps, duration, keyframe flag), one line each, and the
    /// stream's exact rates, time base, stored frame count and B-frame flag; with <paramref name="countFrames"/>
    /// it also decodes to count frames (for containers without a count).
    /// </summary>
    public static MediaCommand ProbePackets(string path, int streamIndex, bool countFrames)
    {
        List<string> args = ["-hide_banner", "-loglevel", "error", "-protocol_whitelist", ProtocolWhitelist, "-select_streams", streamIndex.ToString(CultureInfo.InvariantCulture)];
        if (countFrames) args.Add("-count_frames");
        var stream = "stream=r_frame_rate,avg_frame_rate,time_base,nb_frames,has_b_frames" + (countFrames ? ",nb_read_frames" : "");
        args.AddRange(["-show_entries", "packet=pts,dts,duration,flags:" + stream,
            "-print_format", "compact", "-i", FileUrl(path)]);
        return new MediaCommand(MediaTool.Ffprobe, args, path);
    }

    /// <summary>Frames of a plan as packed 8-bit RGB/BGR on stdout, exactly plan.Count of them.</summary>
    public static MediaCommand ReadFrames(FrameReadPlan plan)
    {
        var args = Ffmpeg();
        List<string> input = ["-copyts"];
        if (!plan.ApplyRotation) input.Add("-noautorotate");
        if (plan.SeekSeconds is { } seek)
            // Keyframe seek, no trimming by ffmpeg: the fps/trim chain picks frames by timestamp.
            input.AddRange(["-noaccurate_seek", "-ss", seek.ToString("0.######", CultureInfo.InvariantCulture)]);
        AddInput(args, plan.Path, [.. input]);
        args.AddRange([
            "-map", $"0:{plan.StreamIndex.ToString(CultureInfo.InvariantCulture)}", "-an", "-sn", "-dn",
            "-vf", plan.FilterGraph(),
            "-fps_mode", "passthrough", "-frames:v", plan.Count.ToString(CultureInfo.InvariantCulture),
            "-pix_fmt", plan.Order == ColorOrder.Bgr ? "bgr24" : "rgb24", "-f", "rawvideo", "pipe:1",
        ]);
        return new MediaCommand(MediaTool.Ffmpeg, args, plan.Path);
    }

    /// <summary>Raw frames on stdin encoded to <paramref name="outputPath"/> (a temporary name; the writer renames it when complete).</summary>
    public static MediaCommand WriteFrames(FrameWriterSettings settings, string outputPath, string subject)
    {
        var args = Ffmpeg();
        args.AddRange([
            "-f", "rawvideo", "-pix_fmt", settings.InputOrder == ColorOrder.Bgr ? "bgr24" : "rgb24",
            "-s", $"{settings.EncodedWidth}x{settings.EncodedHeight}", "-framerate", settings.FrameRate.ToString(),
            "-protocol_whitelist", ProtocolWhitelist, "-i", "pipe:0", "-map", "0:v:0",
        ]);
        var encoding = settings.Encoding;
        if (encoding.Kind == VideoCodecKind.H264)
        {
            args.AddRange([
                // BT.709 matrix, limited range, tagged: players decode the colours as written.
                "-vf", "scale=out_color_matrix=bt709:out_range=tv,format=yuv420p",
                "-c:v", "libx264", "-preset", encoding.Preset, "-crf", encoding.Crf.ToString(CultureInfo.InvariantCulture),
                // No B-frames: decode order is presentation order, so a stream copy can end at any frame.
                "-bf", "0", "-pix_fmt", "yuv420p",
                "-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709", "-color_range", "tv",
            ]);
            if (encoding.FastStart) args.AddRange(["-movflags", "+faststart"]);
        }
        else
        {
            // FFV1 level 3, every frame a keyframe, packed bgr0: decodes to the exact RGB written.
            args.AddRange(["-c:v", "ffv1", "-level", "3", "-g", "1", "-slices", "4", "-slicecrc", "1", "-pix_fmt", "bgr0"]);
        }
        args.AddRange(["-f", encoding.Container, "-y", FileUrl(outputPath)]);
        return new MediaCommand(MediaTool.Ffmpeg, args, subject);
    }

    /// <summary>The first audio stream (or the given one) as 16 kHz mono float32 little-endian on stdout.</summary>
    public static MediaCommand ReadSpeechPcm(string path, int audioStreamIndex)
    {
        var args = Ffmpeg();
        AddInput(args, path);
        args.AddRange([
            "-map", $"0:{audioStreamIndex.ToString(CultureInfo.InvariantCulture)}", "-vn", "-sn", "-dn",
            // rematrix_maxval=1: channels are averaged (stereo: (L+R)/2); the default mix adds them at
            // 0.707 each and, in float, lets loud stereo exceed 1.0.
            "-af", $"aresample=osr={SpeechSampleRate.ToString(CultureInfo.InvariantCulture)}:ocl=mono:rematrix_maxval=1.0",
            "-ac", "1", "-ar", SpeechSampleRate.ToString(CultureInfo.InvariantCulture),
            "-c:a", "pcm_f32le", "-f", "f32le", "pipe:1",
        ]);
        return new MediaCommand(MediaTool.Ffmpeg, args, path);
    }

    /// <summary>An input's first audio stream encoded to AAC-LC (48 kHz) in an MP4/M4A file (FFMpegCore composes and runs it).</summary>
    public static FFMpegArgumentProcessor EncodeAac(string inputPath, int audioStreamIndex, int channels, string outputPath, int bitrateKbps = 128) =>
        FFMpegArguments
            .FromFileInput(FFMpegCoreRun.Path(inputPath), verifyExists: false, input => input.WithCustomArgument(FFMpegCoreRun.InputGuard))
            .OutputToFile(FFMpegCoreRun.Path(outputPath), overwrite: true, output => output
                .WithCustomArgument($"-map 0:{audioStreamIndex.ToString(CultureInfo.InvariantCulture)}")
                .DisableVideo().DisableSubtitles().DisableData()
                .WithAudioSamplingRate(AacSampleRate)
                .WithAudioChannels(Math.Clamp(channels, 1, 2))
                .WithCustomArgument("-c:a aac")
                .WithAudioBitrate(bitrateKbps)
                .WithFastStart()
                .WithCustomArgument("-f mp4"));

    /// <summary>
    /// Segments (listed in a concat list) joined by stream copy and, with <paramref name="audioPath"/>, muxed with one
    /// audio track encoded to AAC per a <see cref="MuxPlan"/>: audio padded with silence or trimmed to an exact sample
    /// count. FFMpegCore composes and runs it.
    /// </summary>
    public static FFMpegArgumentProcessor Stitch(string listPath, string? audioPath, MuxPlan plan, string outputPath, string container)
    {
        var arguments = FFMpegArguments
            .FromFileInput(FFMpegCoreRun.Path(listPath), verifyExists: false, input => input.WithCustomArgument($"{FFMpegCoreRun.InputGuard} -f concat -safe 0"));
        if (audioPath is not null)
            arguments = arguments.AddFileInput(FFMpegCoreRun.Path(audioPath), verifyExists: false, input => input.WithCustomArgument(FFMpegCoreRun.InputGuard));
        return arguments.OutputToFile(FFMpegCoreRun.Path(outputPath), overwrite: true, output =>
        {
            output.WithCustomArgument("-map 0:v:0");
            if (audioPath is not null) output.WithCustomArgument($"-map 1:{plan.AudioStreamIndex.ToString(CultureInfo.InvariantCulture)}");
            output.WithCustomArgument("-c:v copy");
            if (audioPath is not null)
            {
                var rate = AacSampleRate.ToString(CultureInfo.InvariantCulture);
                // Resample first so the sample counts below are at the output rate.
                var filter = $"aresample={rate}";
                if (plan.AudioSamples is { } samples)
                {
                    var n = samples.ToString(CultureInfo.InvariantCulture);
                    filter += $",apad=whole_len={n},atrim=end_sample={n}";
                }
                output.WithCustomArgument($"-af {filter} -c:a aac")
                    .WithAudioBitrate(plan.AudioBitrateKbps)
                    .WithAudioChannels(Math.Clamp(plan.AudioChannels, 1, 2));
            }
            if (container == "mp4") output.WithFastStart();
            // Matroska otherwise writes a random segment UID and the muxer's version: the same job would give
            // different bytes on every run, and "equal output" could only be checked stream by stream.
            if (container == "matroska") output.WithCustomArgument("-fflags +bitexact");
            output.WithCustomArgument($"-f {container}");
        });
    }
}
