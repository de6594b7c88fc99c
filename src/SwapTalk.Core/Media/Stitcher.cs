using System.Text;
using SwapTalk.Core.Files;

namespace SwapTalk.Core.Media;

/// <summary>What a concat or stitch produced.</summary>
public sealed record StitchResult(string OutputPath, int Segments, long VideoFrames, Rational FrameRate, double VideoSeconds, double? AudioSeconds);

/// <summary>
/// Joins segment files without re-encoding (ffmpeg's concat demuxer, stream copy) and, for the
/// deliverable, muxes one audio track (AAC), trimmed or padded to the video, into a fast-start MP4.
/// FFMpegCore composes and runs the ffmpeg command.
/// Segments must share codec, size, pixel format and rate, as the frame writer's segments do.
/// </summary>
public sealed class Stitcher(MediaTools tools)
{
    private readonly MediaProbe _probe = new(tools);

    /// <summary>ffprobe processes at once: enough to hide their start-up, few enough not to crowd a small machine.</summary>
    private const int ConcurrentProbes = 4;

    /// <summary>Concatenates segments into one video file (.mp4 for H.264, .mkv for the lossless intermediate).</summary>
    public Task<StitchResult> ConcatAsync(IReadOnlyList<string> segments, string outputPath, CancellationToken cancellationToken = default) =>
        StitchAsync(segments, audioPath: null, outputPath, cancellationToken);

    /// <summary>
    /// Concatenates segments and muxes the first audio track of <paramref name="audioPath"/> (an audio
    /// file or a video's track; null: video only), trimmed or padded with silence to the video's length.
    /// </summary>
    public async Task<StitchResult> StitchAsync(IReadOnlyList<string> segments, string? audioPath, string outputPath, CancellationToken cancellationToken = default)
    {
        if (segments.Count == 0) throw new ArgumentException("no segments to concatenate", nameof(segments));
        var container = ContainerFor(outputPath);
        // Each probe is mostly an ffprobe process starting (about 70 ms here): the segments' and the audio's run
        // side by side, a few at a time, instead of one after another.
        var probes = new VideoStreamInfo[segments.Count];
        var audioProbe = audioPath is null ? null : _probe.ProbeStreamsAsync(audioPath, cancellationToken);
        try
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, segments.Count),
                new ParallelOptions { MaxDegreeOfParallelism = ConcurrentProbes, CancellationToken = cancellationToken },
                async (i, ct) => probes[i] = (await _probe.ProbeAsync(segments[i], ct).ConfigureAwait(false)).RequireVideo()).ConfigureAwait(false);
        }
        catch when (audioProbe is not null)
        {
            // A segment's error is the one reported; the audio's probe is still waited for, so no ffprobe outlives the call.
            try { await audioProbe.ConfigureAwait(false); } catch (Exception) { }
            throw;
        }
        CheckCompatible(segments, probes, container, outputPath);
        var first = probes[0];
        var frames = probes.Sum(p => p.FrameCount);

        MuxPlan plan;
        if (audioPath is null)
        {
            plan = new MuxPlan { VideoSeconds = frames / first.FrameRate.Value };
        }
        else
        {
            var audioMedia = await audioProbe!.ConfigureAwait(false);
            var audio = audioMedia.RequireAudio();
            var seconds = double.IsFinite(audio.Duration) ? audio.Duration : audioMedia.Duration;
            if (!double.IsFinite(seconds))
                throw new MediaException(audioPath, "does not say how long its audio is; convert it to WAV or M4A first") { IsBadInput = true };
            plan = MuxPlan.Create(frames, first.FrameRate, seconds, segments.Count == 1 ? segments[0] : $"{segments.Count} segments", audioPath)
                with { AudioStreamIndex = audio.Index, AudioChannels = audio.Channels };
        }

        var listPath = AtomicFile.TempPathFor(outputPath) + ".concat.txt";
        try
        {
            await File.WriteAllTextAsync(listPath, ConcatList(segments), new UTF8Encoding(false), cancellationToken).ConfigureAwait(false);
            await AtomicFile.WriteAsync(outputPath, temp =>
                FFMpegCoreRun.RunAsync(tools, MediaCommands.Stitch(listPath, audioPath, plan, temp, container), outputPath, cancellationToken)).ConfigureAwait(false);
        }
        finally
        {
            try { File.Delete(listPath); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
        return new StitchResult(Path.GetFullPath(outputPath), segments.Count, frames, first.FrameRate, frames / first.FrameRate.Value,
            audioPath is null ? null : plan.AudioSeconds);
    }

    /// <summary>The concat demuxer's list: one quoted absolute file URL per line (a quote is written '\'').</summary>
    internal static string ConcatList(IEnumerable<string> segments)
    {
        var sb = new StringBuilder("ffconcat version 1.0\n");
        foreach (var segment in segments)
        {
            var url = MediaCommands.FileUrl(segment);
            if (url.Contains('\n') || url.Contains('\r'))
                throw new MediaException(segment, "has a line break in its name, which a concat list cannot hold") { IsBadInput = true };
            sb.Append("file '").Append(url.Replace("'", "'\\''")).Append("'\n");
        }
        return sb.ToString();
    }

    internal static string ContainerFor(string outputPath) => Path.GetExtension(outputPath).ToLowerInvariant() switch
    {
        ".mp4" or ".m4v" or ".mov" => "mp4",
        ".mkv" => "matroska",
        var other => throw new MediaException(outputPath, $"has extension '{other}'; the output must be .mp4 (H.264) or .mkv (any codec, e.g. the lossless intermediate)") { IsBadInput = true },
    };

    private static void CheckCompatible(IReadOnlyList<string> segments, VideoStreamInfo[] probes, string container, string outputPath)
    {
        var first = probes[0];
        for (var i = 1; i < probes.Length; i++)
        {
            var p = probes[i];
            if (p.Codec != first.Codec || p.StoredWidth != first.StoredWidth || p.StoredHeight != first.StoredHeight
                || p.PixelFormat != first.PixelFormat || p.FrameRate != first.FrameRate)
                throw new MediaException(segments[i],
                    $"does not match the first segment '{segments[0]}' ({p.Codec} {p.StoredWidth}x{p.StoredHeight} {p.PixelFormat} {p.FrameRate} fps vs " +
                    $"{first.Codec} {first.StoredWidth}x{first.StoredHeight} {first.PixelFormat} {first.FrameRate} fps); segments join by stream copy only when they match")
                { IsBadInput = true };
        }
        if (container == "mp4" && first.Codec is not ("h264" or "hevc" or "mpeg4" or "av1"))
            throw new MediaException(outputPath, $"is an MP4, which cannot hold {first.Codec} segments; use .mkv") { IsBadInput = true };
    }
}
