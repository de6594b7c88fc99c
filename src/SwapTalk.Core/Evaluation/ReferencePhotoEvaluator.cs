using SwapTalk.Core.Imaging;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Media;

namespace SwapTalk.Core.Evaluation;

/// <summary>
/// Identity carried, not texture copied: the output's face against an unseen photo of the portrait's person (not
/// the portrait itself, whose pixels a swap may simply copy). Per frame the output's cosine to the reference photo is
/// compared with the original's cosine to it: a swap that carries the person makes every frame closer than the
/// original was.
/// </summary>
public sealed record ReferenceIdentityResult
{
    /// <summary>The reference photo's path.</summary>
    public required string Photo { get; init; }

    /// <summary>Mean cosine of each output face to the reference photo.</summary>
    public required double Consistency { get; init; }

    public required double Min { get; init; }

    /// <summary>Cosine of the portrait itself to the reference photo: the same-person level these two photos reach.</summary>
    public required double PortraitToReference { get; init; }

    /// <summary>Mean cosine of the original's face (same frame) to the reference photo; null without an original.</summary>
    public double? OriginalToReference { get; init; }

    /// <summary>Share of frames (a face in both) where the output is closer to the reference photo than the original's frame is.</summary>
    public double? CloserThanOriginal { get; init; }

    /// <summary>Frames with a face in the output.</summary>
    public required int Frames { get; init; }
}

/// <summary>Computes <see cref="ReferenceIdentityResult"/> with the evaluation's face observer and identity model.</summary>
public sealed class ReferencePhotoEvaluator(MediaEngine media, EvaluationModels models)
{
    /// <exception cref="BadInputException">No face in the reference photo, the portrait or the video.</exception>
    public async Task<ReferenceIdentityResult> EvaluateAsync(string video, string portrait, string referencePhoto, string? original,
        FrameRule longerOutput, CancellationToken cancellationToken = default)
    {
        var reference = await EmbedAsync(referencePhoto, "reference photo", cancellationToken);
        var portraitEmbedding = await EmbedAsync(portrait, "portrait", cancellationToken);
        var options = new FrameReadOptions { Order = ColorOrder.Bgr };

        // The original's cosines first (one number per frame), so output frames past its end map onto them.
        var originalCosines = new List<double?>();
        if (original is not null)
        {
            var originalInfo = await media.ProbeAsync(original, cancellationToken);
            await foreach (var frame in media.ReadFramesAsync(originalInfo, null, options, cancellationToken))
                using (frame)
                    originalCosines.Add(Cosine(frame.Image, reference));
        }

        var info = await media.ProbeAsync(video, cancellationToken);
        var cosines = new List<double>();
        var closer = new List<bool>();
        await foreach (var frame in media.ReadFramesAsync(info, null, options, cancellationToken))
        {
            using var _ = frame;
            if (Cosine(frame.Image, reference) is not { } c) continue;
            cosines.Add(c);
            if (originalCosines.Count == 0) continue;
            var t = (int)frame.Index;
            var at = t < originalCosines.Count ? t
                : longerOutput == FrameRule.Identity ? -1
                : new FrameMapping(longerOutput, originalCosines.Count).SourceFrameOf(t);
            if (at >= 0 && originalCosines[at] is { } o) closer.Add(c > o);
        }
        if (cosines.Count == 0) throw new BadInputException("video", $"'{video}': no face found in any frame; there is nothing to compare with the reference photo");
        var originalValues = originalCosines.Where(v => v is not null).Select(v => v!.Value).ToArray();
        return new ReferenceIdentityResult
        {
            Photo = referencePhoto,
            Consistency = cosines.Average(),
            Min = cosines.Min(),
            PortraitToReference = IdentityEmbedder.Cosine(portraitEmbedding, reference),
            OriginalToReference = originalValues.Length > 0 ? originalValues.Average() : null,
            CloserThanOriginal = closer.Count > 0 ? closer.Count(c => c) / (double)closer.Count : null,
            Frames = cosines.Count,
        };
    }

    private double? Cosine(PixelBuffer frame, float[] reference) =>
        models.Faces.Observe(frame) is { } face ? IdentityEmbedder.Cosine(models.Identity.Embed(frame, face.Detection), reference) : null;

    private async Task<float[]> EmbedAsync(string path, string role, CancellationToken cancellationToken)
    {
        using var image = await ImageFile.ReadAsync(path, ColorOrder.Bgr, cancellationToken);
        var face = models.Faces.Observe(image)
            ?? throw new BadInputException(role == "portrait" ? "portrait" : "reference-photo", $"'{path}': no face found in the {role}");
        return models.Identity.Embed(image, face.Detection);
    }
}
