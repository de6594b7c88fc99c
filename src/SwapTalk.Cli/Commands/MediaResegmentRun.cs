using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using SwapTalk.Cli.Hosting;
using SwapTalk.Core.Media;

namespace SwapTalk.Cli.Commands;

/// <summary>
/// What <c>swaptalk media resegment</c> does: splits a video into N segments (each read with context frames, as the
/// pipeline reads them), writes each both losslessly and as a production H.264 segment, proves the lossless
/// concatenation equals the source frame by frame, then concatenates the H.264 segments by stream copy and muxes the
/// audio (trimmed or padded to the video, as the job's Stitch does).
/// </summary>
internal static class MediaResegmentRun
{
    /// <summary>Frames read on each side of a segment, as the pipeline does for face-track smoothing.</summary>
    private const int ContextFrames = 2;

    public static async Task<int> RunAsync(string videoPath, int segmentCount, string? audioPath, string outPath,
        VideoEncoding encoding, bool keepSegments, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        using var host = CliHost.Build();
        var engine = host.Services.GetRequiredService<MediaEngine>();
        var source = await engine.ProbeAsync(videoPath, ct);
        var video = source.RequireVideo();
        if (segmentCount < 1 || segmentCount > video.FrameCount)
            return MediaCommandGroup.Usage($"--segments must be between 1 and the video's {video.FrameCount} frames, not {segmentCount}");
        if (audioPath is null && source.Audio.Count > 0) audioPath = videoPath;
        if (Path.GetExtension(outPath).ToLowerInvariant() != ".mp4")
            return MediaCommandGroup.Usage($"--out must name an .mp4 file, not '{outPath}'");
        if (audioPath is not null)
        {
            // Fail before any work when the audio cannot be muxed.
            var audio = (await engine.ProbeAsync(audioPath, ct)).RequireAudio();
            MuxPlan.Create(video.FrameCount, video.FrameRate, audio.Duration, videoPath, audioPath);
        }

        var work = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(outPath))!, $".{Path.GetFileName(outPath)}.segments");
        Directory.CreateDirectory(work);
        try
        {
            // Reference: one straight decode of the whole video.
            var reference = new List<string>();
            await foreach (var frame in engine.ReadFramesAsync(source, cancellationToken: ct))
                using (frame)
                    reference.Add(Hash(frame));

            var lossless = new List<string>();
            var production = new List<string>();
            var ranges = FrameRange.Split(video.FrameCount, segmentCount);
            var mismatchedReads = 0;
            foreach (var range in ranges)
            {
                var name = $"segment-{lossless.Count:D4}";
                var losslessPath = Path.Combine(work, name + VideoEncoding.Lossless.FileExtension);
                var productionPath = Path.Combine(work, name + encoding.FileExtension);
                await using var exact = engine.OpenWriter(losslessPath, video, VideoEncoding.Lossless, cancellationToken: ct);
                await using var h264 = engine.OpenWriter(productionPath, video, encoding, cancellationToken: ct);
                var read = new FrameRange(Math.Max(0, range.Start - ContextFrames), Math.Min(video.FrameCount, range.End + ContextFrames));
                await foreach (var frame in engine.ReadFramesAsync(source, read, cancellationToken: ct))
                    using (frame)
                    {
                        if (Hash(frame) != reference[(int)frame.Index]) mismatchedReads++;
                        if (frame.Index < range.Start || frame.Index >= range.End) continue;
                        await exact.WriteAsync(frame.Image, ct);
                        await h264.WriteAsync(frame.Image, ct);
                    }
                await exact.CompleteAsync(ct);
                await h264.CompleteAsync(ct);
                lossless.Add(losslessPath);
                production.Add(productionPath);
            }

            var joinedPath = Path.Combine(work, "lossless-joined.mkv");
            await engine.ConcatAsync(lossless, joinedPath, ct);
            var joined = new List<string>();
            await foreach (var frame in engine.ReadFramesAsync(await engine.ProbeAsync(joinedPath, ct), cancellationToken: ct))
                using (frame)
                    joined.Add(Hash(frame));
            var firstDifference = Enumerable.Range(0, Math.Min(joined.Count, reference.Count)).FirstOrDefault(i => joined[i] != reference[i], -1);
            if (mismatchedReads > 0 || joined.Count != reference.Count || firstDifference >= 0)
            {
                Console.Error.WriteLine($"swaptalk: '{videoPath}': resegmenting is not exact: {joined.Count} frames after concatenation vs {reference.Count} in the source, " +
                    $"first difference at frame {firstDifference}, {mismatchedReads} frame(s) differed when read with seeking");
                return MediaCommandGroup.Failed;
            }

            StitchResult? result = null;
            await Core.Files.AtomicFile.WriteAsync(outPath, async temp => result = await engine.StitchAsync(production, audioPath, temp, ct));
            var output = await engine.ProbeAsync(outPath, ct);
            var inv = CultureInfo.InvariantCulture;
            Console.WriteLine(string.Format(inv, "{0}: {1} frames at {2} fps, {3}x{4}, {5} segments of {6}-{7} frames (+{8} context frames each side)",
                videoPath, video.FrameCount, video.FrameRate, video.Width, video.Height, ranges.Count, ranges.Min(r => r.Count), ranges.Max(r => r.Count), ContextFrames));
            Console.WriteLine(string.Format(inv, "verified: {0}/{0} frames identical (hash per frame) after lossless segments + concatenation", reference.Count));
            Console.WriteLine(string.Format(inv, "{0}: {2}, {3} frames, video {4:0.000} s{5}; {6:0.0} s",
                outPath, output.RequireVideo().Codec, encoding, output.RequireVideo().FrameCount, result!.VideoSeconds,
                output.Audio.Count > 0 ? string.Format(inv, ", audio {0:0.000} s ({1}, trimmed or padded to the video)", output.Audio[0].Duration, Path.GetFileName(audioPath)) : ", no audio",
                clock.Elapsed.TotalSeconds));
            return MediaCommandGroup.Ok;
        }
        finally
        {
            if (!keepSegments)
                try { Directory.Delete(work, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static string Hash(VideoFrame frame) => Convert.ToHexStringLower(MD5.HashData(frame.Image.Pixels));
}
