using OpenCvSharp;
using SwapTalk.Core.Imaging;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Media;

namespace SwapTalk.Core.Evaluation;

/// <summary>
/// Measures an output video with the paper's metrics where models allow: identity (MobileFaceNet cosines to
/// the portrait, the original and a gallery), lip sync (mouth opening against loudness; LMD self-driven) and
/// image quality against the original (SSIM, PSNR, sharpness). Streams the frames once (the original in
/// lockstep), so memory does not grow with the clip. Bad input (a missing or unreadable file, a portrait or
/// clip without a face) raises <see cref="MediaException"/>, <see cref="Imaging.ImageFileException"/> or <see cref="BadInputException"/> naming it.
/// </summary>
public sealed class VideoEvaluator(MediaEngine media, EvaluationModels models)
{
    /// <summary>Frames the summary image shows side by side.</summary>
    public const int SampleFrames = 4;

    public static readonly string[] ImageExtensions = [".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff"];

    /// <summary>The paper's Table I metrics that need models this project does not have.</summary>
    public static readonly IReadOnlyList<NotComputed> NotComputableHere =
    [
        new("FID", "needs an Inception-v3 network (and a reference image set); no such model is available here"),
        new("LSE-C", "needs the SyncNet lip-sync expert; its weights are not available here (mouth opening against loudness stands in)"),
        new("LSE-D", "needs the SyncNet lip-sync expert; its weights are not available here"),
    ];

    public async Task<EvaluationResult> EvaluateAsync(EvaluationRequest request, string? imagePath = null, CancellationToken cancellationToken = default)
    {
        var info = await media.ProbeAsync(request.Video, cancellationToken);
        var video = info.RequireVideo();
        MediaInfo? originalInfo = null;
        if (request.Original is not null)
        {
            originalInfo = await media.ProbeAsync(request.Original, cancellationToken);
            originalInfo.RequireVideo();
        }
        if (request.Audio is not null) await media.ProbeAsync(request.Audio, cancellationToken);
        MediaInfo? truthInfo = null;
        if (request.Truth is not null)
        {
            truthInfo = await media.ProbeAsync(request.Truth, cancellationToken);
            truthInfo.RequireVideo();
        }
        if (request.Gallery is not null && !Directory.Exists(request.Gallery))
            throw new BadInputException("gallery", $"'{request.Gallery}' is not a folder (the gallery is a folder of portrait images)");

        var portrait = await EmbedStillAsync(request.Portrait, cancellationToken)
            ?? throw new BadInputException("portrait", $"'{request.Portrait}': no face found in the portrait");
        var (gallery, skipped) = await EmbedGalleryAsync(request, portrait.Embedding, cancellationToken);

        var notComputed = new List<NotComputed>(NotComputableHere);
        var originalVideo = originalInfo?.Video;
        var compareImages = originalVideo is not null && originalVideo.Width == video.Width && originalVideo.Height == video.Height;
        if (originalVideo is not null && !compareImages)
            notComputed.Add(new("SSIM/PSNR", $"the original is {originalVideo.Width}x{originalVideo.Height}, the video {video.Width}x{video.Height}: frames cannot be compared pixel by pixel"));

        var frames = (int)video.FrameCount;
        var sampleAt = Enumerable.Range(0, SampleFrames).Select(i => (int)((i + 0.5) * frames / SampleFrames)).Distinct().ToHashSet();
        var toPortrait = new double?[frames];
        var toOriginal = originalInfo is null ? null : new double?[frames];
        var opening = new double?[frames];
        // The 68 points per frame of the video and of the original frame it maps to, for the truth comparison.
        var videoPoints = new List<System.Numerics.Vector2[]?>();
        var originalPoints = new List<System.Numerics.Vector2[]?>();
        var ssimFace = compareImages ? new double?[frames] : null;
        var psnrFace = compareImages ? new double?[frames] : null;
        var quality = new List<FrameQuality>();
        var lmd = new List<double>();
        var closer = new List<bool>();
        var retrieved = new List<bool>();
        var sharpOut = new List<double>();
        var sharpOrig = new List<double>();
        var samples = new List<SampleFrame>();
        var read = 0;
        var originalFrames = 0;
        var readOptions = new FrameReadOptions { Order = ColorOrder.Bgr };
        var originalSeen = new List<OriginalFrame>();

        IAsyncEnumerator<VideoFrame>? originals = originalInfo is null ? null
            : media.ReadFramesAsync(originalInfo, null, readOptions, cancellationToken).GetAsyncEnumerator(cancellationToken);
        try
        {
            await foreach (var frame in media.ReadFramesAsync(info, null, readOptions, cancellationToken))
            {
                using var _ = frame;
                var t = (int)frame.Index;
                read++;
                VideoFrame? original = null;
                if (originals is not null && await originals.MoveNextAsync())
                {
                    original = originals.Current;
                    originalFrames++;
                }
                using var __ = original;

                var face = models.Faces.Observe(frame.Image);
                OriginalFrame? reference = null;
                if (original is not null)
                {
                    var observed = models.Faces.Observe(original.Image);
                    reference = new OriginalFrame(observed, observed is null ? null : models.Identity.Embed(original.Image, observed.Detection));
                    originalSeen.Add(reference);
                }
                else if (originalSeen.Count > 0 && request.LongerOutput != FrameRule.Identity)
                    // Past the original's end: the frame the dub showed here (ping-pong or freeze), measured when it was read.
                    reference = originalSeen[new FrameMapping(request.LongerOutput, originalSeen.Count).SourceFrameOf(t)];
                var originalFace = reference?.Face;
                while (videoPoints.Count < t) videoPoints.Add(null);
                while (originalPoints.Count < t) originalPoints.Add(null);
                videoPoints.Add(face?.Landmarks);
                originalPoints.Add(originalFace?.Landmarks);
                float[]? embedding = null;
                if (face is not null)
                {
                    embedding = models.Identity.Embed(frame.Image, face.Detection);
                    toPortrait[t] = IdentityEmbedder.Cosine(embedding, portrait.Embedding);
                    opening[t] = LipSync.MouthOpening(face);
                    if (gallery.Count > 1)
                        retrieved.Add(Enumerable.Range(0, gallery.Count).MaxBy(g => IdentityEmbedder.Cosine(embedding, gallery[g])) == 0);
                }
                if (face is not null && originalFace is not null)
                {
                    var cosOriginal = IdentityEmbedder.Cosine(embedding!, reference!.Embedding!);
                    toOriginal![t] = cosOriginal;
                    closer.Add(toPortrait[t]!.Value > cosOriginal);
                    if (request.SelfDriven) lmd.Add(LipSync.MouthLandmarkDistance(face, originalFace));
                }

                using (var outMask = ImageQuality.FaceMask(frame.Image.Width, frame.Image.Height, face))
                    if (ImageQuality.Sharpness(frame.Image, outMask) is { } s) sharpOut.Add(s);
                if (original is not null)
                {
                    // The original's face defines "inside the face" for both: it is the reference.
                    using var mask = ImageQuality.FaceMask(original.Image.Width, original.Image.Height, originalFace);
                    if (ImageQuality.Sharpness(original.Image, mask) is { } s) sharpOrig.Add(s);
                    if (compareImages)
                    {
                        var q = ImageQuality.Compare(frame.Image, original.Image, mask);
                        quality.Add(q);
                        ssimFace![t] = q.SsimFace;
                        psnrFace![t] = q.MseFace is { } mse ? ImageQuality.Psnr(mse) : null;
                    }
                }
                if (sampleAt.Contains(t))
                    samples.Add(new SampleFrame(t, Thumbnail(frame.Image), original is null ? null : Thumbnail(original.Image), toPortrait[t]));
            }
        }
        finally
        {
            if (originals is not null) await originals.DisposeAsync();
        }

        var withFace = toPortrait.Count(v => v is not null);
        if (withFace == 0)
        {
            portrait.Thumbnail.Dispose();
            foreach (var s in samples) s.Dispose();
            throw new BadInputException("video", $"'{request.Video}': no face found in any of its {read} frames; there is nothing to evaluate");
        }
        if (originalInfo is not null && originalFrames < read)
            notComputed.Add(new("original frames", request.LongerOutput == FrameRule.Identity
                ? $"the original has {originalFrames} frames, the video {read}: frames {originalFrames}..{read - 1} were compared with nothing"
                : $"the original has {originalFrames} frames, the video {read}: identity and LMD compare frames {originalFrames}..{read - 1} with the original's frame the {(request.LongerOutput == FrameRule.Freeze ? "freeze" : "ping-pong")} rule maps them to; SSIM, PSNR and sharpness use frames 0..{originalFrames - 1} only"));

        var identityValues = toPortrait.Where(v => v is not null).Select(v => v!.Value).ToArray();
        var identity = new IdentityResult
        {
            Consistency = identityValues.Average(),
            Min = identityValues.Min(),
            Max = identityValues.Max(),
            ToOriginal = toOriginal?.Where(v => v is not null).Select(v => v!.Value).DefaultIfEmpty(double.NaN).Average() is { } mean && !double.IsNaN(mean) ? mean : null,
            CloserToPortrait = closer.Count > 0 ? closer.Count(c => c) / (double)closer.Count : null,
            IdRetrieve = retrieved.Count > 0 ? retrieved.Count(r => r) / (double)retrieved.Count : null,
            GallerySize = request.Gallery is null ? null : gallery.Count,
            GallerySkipped = skipped,
        };
        if (request.Original is null) notComputed.Add(new("closer to portrait than original", "needs --original"));
        if (request.Gallery is null) notComputed.Add(new("ID retrieve", "needs --gallery DIR (portraits of several people)"));
        else if (gallery.Count < 2) notComputed.Add(new("ID retrieve", $"the gallery '{request.Gallery}' holds no identity besides the portrait"));

        var (lipSync, loudness, audioSource) = await LipSyncAsync(request, info, video.FrameRate.Value, opening, lmd, notComputed, cancellationToken);

        var truth = truthInfo is null ? null : await TruthAsync(request.Truth!, truthInfo, videoPoints, originalInfo is null ? null : originalPoints, cancellationToken);

        ImageQualityResult? imageQuality = null;
        if (compareImages && quality.Count > 0)
        {
            double? Mean(IEnumerable<double?> values) => values.Where(v => v is not null).Select(v => v!.Value).DefaultIfEmpty(double.NaN).Average() is var m && !double.IsNaN(m) ? m : null;
            imageQuality = new ImageQualityResult
            {
                FramesCompared = quality.Count,
                SsimFace = Mean(quality.Select(q => q.SsimFace)),
                SsimOutside = Mean(quality.Select(q => q.SsimOutside)),
                PsnrFace = Mean(quality.Select(q => q.MseFace)) is { } mf ? ImageQuality.Psnr(mf) : null,
                PsnrOutside = Mean(quality.Select(q => q.MseOutside)) is { } mo ? ImageQuality.Psnr(mo) : null,
            };
        }
        else if (request.Original is null) notComputed.Add(new("SSIM/PSNR", "needs --original"));
        if (request.Original is null) notComputed.Add(new("sharpness of the original", "needs --original"));

        var result = new EvaluationResult
        {
            Video = request.Video,
            Portrait = request.Portrait,
            Original = request.Original,
            Audio = audioSource,
            Gallery = request.Gallery,
            Mode = request.SelfDriven ? "self-driven" : request.Audio is not null ? "cross-driven" : "unspecified",
            Frames = read,
            FrameRate = video.FrameRate.Value,
            Width = video.Width,
            Height = video.Height,
            FramesWithFace = withFace,
            Identity = identity,
            LipSync = lipSync,
            Truth = truth,
            ImageQuality = imageQuality,
            Sharpness = new SharpnessResult(sharpOut.Count > 0 ? sharpOut.Average() : null, sharpOrig.Count > 0 ? sharpOrig.Average() : null),
            NotComputed = notComputed,
            PerFrame = new EvaluationFrames
            {
                IdentityToPortrait = toPortrait,
                IdentityToOriginal = toOriginal,
                MouthOpening = opening,
                Loudness = loudness,
                SsimFace = ssimFace,
                PsnrFace = psnrFace,
            },
        };
        try
        {
            if (imagePath is null) return result;
            result = result with { Image = imagePath };
            EvaluationImage.Write(imagePath, result, portrait.Thumbnail, samples);
            return result;
        }
        finally
        {
            portrait.Thumbnail.Dispose();
            foreach (var s in samples) s.Dispose();
        }
    }

    private async Task<(LipSyncResult?, double?[]?, string?)> LipSyncAsync(EvaluationRequest request, MediaInfo info, double frameRate,
        double?[] opening, List<double> lmd, List<NotComputed> notComputed, CancellationToken cancellationToken)
    {
        var audioPath = request.Audio ?? (info.Audio.Count > 0 ? request.Video : null);
        if (audioPath is null)
        {
            notComputed.Add(new("lip sync", $"'{request.Video}' has no audio track and no --audio was given"));
            return (null, null, null);
        }
        var speech = await media.ReadSpeechAsync(audioPath, cancellationToken);
        var loudness = LipSync.LoudnessPerFrame(speech, MediaCommands.SpeechSampleRate, frameRate, opening.Length);
        var result = LipSync.Correlate(opening, loudness, frameRate);
        if (result.CorrelationAtLag0 is null)
            notComputed.Add(new("lip-sync correlation", $"fewer than {LipSync.MinPairs} frames have both a face and audio, or one of the series is constant"));
        if (request.SelfDriven)
        {
            if (lmd.Count > 0) result = result with { Lmd = lmd.Average() };
            else notComputed.Add(new("LMD", "no frame has a face in both the video and the original"));
        }
        else notComputed.Add(new("LMD", request.Original is null
            ? "needs --original (self-driven: the original's mouth is the reference)"
            : "cross-driven (--audio given): the original's mouth follows other speech, so it is no reference"));
        return (result, loudness, audioPath);
    }

    /// <summary>The real speaker's mouth per frame against the video's and the original's (<see cref="TruthLipSync"/>).</summary>
    private async Task<TruthResult> TruthAsync(string path, MediaInfo truthInfo, List<System.Numerics.Vector2[]?> video,
        List<System.Numerics.Vector2[]?>? original, CancellationToken cancellationToken)
    {
        var points = new List<System.Numerics.Vector2[]?>();
        await foreach (var frame in media.ReadFramesAsync(truthInfo, null, new FrameReadOptions { Order = ColorOrder.Bgr }, cancellationToken))
            using (frame)
            {
                while (points.Count < frame.Index) points.Add(null);
                points.Add(models.Faces.Observe(frame.Image)?.Landmarks);
            }
        if (points.All(p => p is null))
            throw new BadInputException("truth", $"--truth '{path}': no face found in any of its {points.Count} frames; it cannot show how the speech looks");
        var truth = TruthLipSync.Mouths(points);
        var originalMouths = original is null ? null : TruthLipSync.Mouths(original);
        var videoMouths = TruthLipSync.Mouths(video);
        return new TruthResult
        {
            Truth = path,
            Video = TruthLipSync.Compare(videoMouths, truth),
            Original = originalMouths is null ? null : TruthLipSync.Compare(originalMouths, truth),
            TruthCurves = MouthCurves.Of(truth),
            VideoCurves = MouthCurves.Of(videoMouths),
            OriginalCurves = originalMouths is null ? null : MouthCurves.Of(originalMouths),
        };
    }

    private async Task<(float[] Embedding, Mat Thumbnail)?> EmbedStillAsync(string path, CancellationToken cancellationToken)
    {
        using var image = await ImageFile.ReadAsync(path, ColorOrder.Bgr, cancellationToken);
        var face = models.Faces.Observe(image);
        if (face is null) return null;
        return (models.Identity.Embed(image, face.Detection), Thumbnail(image));
    }

    /// <summary>The gallery's embeddings, the portrait's first; files that are the portrait itself, unreadable or faceless are left out, with the reason.</summary>
    private async Task<(List<float[]>, List<string>)> EmbedGalleryAsync(EvaluationRequest request, float[] portrait, CancellationToken cancellationToken)
    {
        var gallery = new List<float[]> { portrait };
        var skipped = new List<string>();
        if (request.Gallery is null) return (gallery, skipped);
        var portraitBytes = await File.ReadAllBytesAsync(request.Portrait, cancellationToken);
        var files = Directory.EnumerateFiles(request.Gallery)
            .Where(f => ImageExtensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .Order(StringComparer.Ordinal);
        foreach (var file in files)
        {
            if (Path.GetFullPath(file) == Path.GetFullPath(request.Portrait) || (await File.ReadAllBytesAsync(file, cancellationToken)).AsSpan().SequenceEqual(portraitBytes))
                continue; // the portrait itself: already entry 0
            try
            {
                var still = await EmbedStillAsync(file, cancellationToken);
                if (still is not { } s)
                {
                    skipped.Add($"{file}: no face found");
                    continue;
                }
                s.Thumbnail.Dispose();
                gallery.Add(s.Embedding);
            }
            catch (ImageFileException e)
            {
                skipped.Add($"{file}: {e.Problem}");
            }
        }
        return (gallery, skipped);
    }

    private static Mat Thumbnail(PixelBuffer frame)
    {
        using var source = ImageQuality.Wrap(frame);
        var height = EvaluationImage.TileHeight;
        var width = Math.Max(1, (int)Math.Round(frame.Width * (double)height / frame.Height));
        var thumb = new Mat();
        Cv2.Resize(source, thumb, new Size(width, height), 0, 0, InterpolationFlags.Area);
        return thumb;
    }
}

/// <summary>What the evaluation keeps of each original frame: its face and identity embedding (null without a face).</summary>
internal sealed record OriginalFrame(ObservedFace? Face, float[]? Embedding);

/// <summary>A frame the summary image shows: the output's and the original's thumbnails (BGR) and the identity score.</summary>
internal sealed record SampleFrame(int Index, Mat Output, Mat? Original, double? Identity) : IDisposable
{
    public void Dispose()
    {
        Output.Dispose();
        Original?.Dispose();
    }
}
