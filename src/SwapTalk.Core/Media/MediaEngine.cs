using SwapTalk.Core.Imaging;

namespace SwapTalk.Core.Media;

/// <summary>
/// The media engine in one place: probe, frame reader and writer, speech PCM, AAC, concat and stitch,
/// all over the same ffmpeg/ffprobe binaries (probe, AAC and stitch through FFMpegCore; frames and PCM stream through the engine's own pipes). Stages take this (or the parts) rather than paths to tools.
/// </summary>
public sealed class MediaEngine(MediaTools tools)
{
    private readonly MediaProbe _probe = new(tools);
    private readonly FrameReader _reader = new(tools);
    private readonly AudioPcm _audio = new(tools);
    private readonly Stitcher _stitcher = new(tools);

    public static MediaEngine FromEnvironment() => new(MediaTools.FromEnvironment());

    public MediaTools Tools { get; } = tools;

    public Task<MediaInfo> ProbeAsync(string path, CancellationToken cancellationToken = default) =>
        _probe.ProbeAsync(path, cancellationToken);

    public IAsyncEnumerable<VideoFrame> ReadFramesAsync(MediaInfo media, FrameRange? range = null, FrameReadOptions? options = null, CancellationToken cancellationToken = default) =>
        _reader.ReadAsync(media, range, options, cancellationToken);

    /// <summary>
    /// One frame of a still image (PNG, JPEG, any picture ffmpeg decodes) or of a video's frame
    /// <paramref name="index"/>, as an unpooled buffer the caller owns.
    /// </summary>
    /// <exception cref="MediaException">The file holds no picture, or not that many frames (IsBadInput).</exception>
    public async Task<PixelBuffer> ReadStillAsync(string path, ColorOrder order = ColorOrder.Rgb, long index = 0, CancellationToken cancellationToken = default)
    {
        var info = await ProbeAsync(path, cancellationToken);
        if (info.Video is not { FrameCount: > 0 } video)
            throw new MediaException(path, "holds no picture (no video or image stream)") { IsBadInput = true };
        if (index < 0 || index >= video.FrameCount)
            throw new MediaException(path, $"has {video.FrameCount} frames; frame {index} does not exist") { IsBadInput = true };
        await foreach (var frame in ReadFramesAsync(info, new FrameRange(index, index + 1), new FrameReadOptions { Order = order }, cancellationToken))
            using (frame)
                return frame.Image.Clone();
        throw new MediaException(path, $"decoded to no picture at frame {index}") { IsBadInput = true };
    }

    public FrameWriter OpenWriter(string outputPath, FrameWriterSettings settings, CancellationToken cancellationToken = default) =>
        FrameWriter.Open(Tools, outputPath, settings, cancellationToken);

    /// <summary>A writer for frames like <paramref name="video"/>'s (displayed size, constant rate).</summary>
    public FrameWriter OpenWriter(string outputPath, VideoStreamInfo video, VideoEncoding encoding, ColorOrder order = ColorOrder.Rgb, CancellationToken cancellationToken = default) =>
        FrameWriter.Open(Tools, outputPath, new FrameWriterSettings(video.Width, video.Height, video.FrameRate, encoding, order), cancellationToken);

    public Task<float[]> ReadSpeechAsync(string path, CancellationToken cancellationToken = default) =>
        _audio.ReadSpeechAsync(path, cancellationToken);

    public Task EncodeAacAsync(string inputPath, string outputPath, int bitrateKbps = 128, CancellationToken cancellationToken = default) =>
        _audio.EncodeAacAsync(inputPath, outputPath, bitrateKbps, cancellationToken);

    public Task<StitchResult> ConcatAsync(IReadOnlyList<string> segments, string outputPath, CancellationToken cancellationToken = default) =>
        _stitcher.ConcatAsync(segments, outputPath, cancellationToken);

    /// <summary>Segments joined by stream copy with one audio track (AAC), trimmed or padded to the video's length.</summary>
    public Task<StitchResult> StitchAsync(IReadOnlyList<string> segments, string? audioPath, string outputPath, CancellationToken cancellationToken = default) =>
        _stitcher.StitchAsync(segments, audioPath, outputPath, cancellationToken);
}
