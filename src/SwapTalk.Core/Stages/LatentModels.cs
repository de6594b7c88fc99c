using SwapTalk.Core.Imaging;
using SwapTalk.Core.Inference;
using SwapTalk.Core.Models;

namespace SwapTalk.Core.Stages;

/// <summary>
/// The five SwapTalk models behind one interface, in the manifest's terms: faces to latents
/// (vq_encoder), source identity onto target latents (face_swapper), lower half from audio
/// (lip_syncer), latents to faces (vq_decoder), and speech to features (audio_encoder).
/// Sessions are opened once and are safe to run from many segments at once.
/// </summary>
public sealed class LatentModels : IDisposable
{
    private readonly ModelSession _encoder;
    private readonly ModelSession _swapper;
    private readonly ModelSession _syncer;
    private readonly ModelSession _decoder;
    private readonly ModelSession _audio;
    private readonly PixelNormalization _encoderPixels;
    private readonly PixelNormalization _decoderPixels;

    private LatentModels(ModelManifest manifest, ModelSession encoder, ModelSession swapper, ModelSession syncer,
        ModelSession decoder, ModelSession audio)
    {
        Manifest = manifest;
        _encoder = encoder;
        _swapper = swapper;
        _syncer = syncer;
        _decoder = decoder;
        _audio = audio;
        var latent = manifest.Latent;
        LatentValues = latent.Channels * latent.Height * latent.Width;
        LowerRows = latent.Lower.EndRow - latent.Lower.FirstRow;
        _encoderPixels = Pixels(manifest.Model(StageNames.VqEncoder).Input("image"));
        _decoderPixels = Pixels(manifest.Model(StageNames.VqDecoder).Output("image"));
        CheckFloat32(manifest, StageNames.VqEncoder, StageNames.FaceSwapper, StageNames.LipSyncer, StageNames.VqDecoder, StageNames.AudioEncoder);
    }

    /// <summary>Opens the five models from the catalog, each checked against its contract first.</summary>
    public static LatentModels Open(ModelCatalog catalog)
    {
        var opened = new List<ModelSession>();
        try
        {
            ModelSession Open(string stage)
            {
                var session = catalog.Open(stage);
                opened.Add(session);
                return session;
            }
            return new LatentModels(catalog.Manifest, Open(StageNames.VqEncoder), Open(StageNames.FaceSwapper), Open(StageNames.LipSyncer),
                Open(StageNames.VqDecoder), Open(StageNames.AudioEncoder));
        }
        catch
        {
            foreach (var s in opened) s.Dispose();
            throw;
        }
    }

    public ModelManifest Manifest { get; }

    /// <summary>Side of the aligned face the encoder takes and the decoder gives (512).</summary>
    public int ImageSize => Manifest.Latent.ImageSize;

    /// <summary>Values in one latent (256 x 32 x 32).</summary>
    public int LatentValues { get; }

    /// <summary>Grid rows the lip syncer replaces (the lower codebook's rows).</summary>
    public int LowerRows { get; }

    public int ImageValues => 3 * ImageSize * ImageSize;

    public AudioWindow Window => Manifest.LipSyncWindow;

    public AudioFeatureSpec AudioFeatures => Manifest.AudioFeatures;

    /// <summary>
    /// Encodes aligned faces (each <see cref="ImageSize"/> square) into <paramref name="latents"/> ([N, C, H, W]).
    /// Scratch buffers passed to these methods should come from <see cref="AlignedMemory.Floats"/> (bit-reproducible results).
    /// </summary>
    public void Encode(IReadOnlyList<PixelBuffer> faces, Memory<float> scratch, Span<float> latents)
    {
        var n = faces.Count;
        if (n == 0) return;
        CheckLength(latents.Length, n * LatentValues, "latents");
        CheckLength(scratch.Length, n * ImageValues, "image scratch");
        var images = scratch[..(n * ImageValues)];
        for (var i = 0; i < n; i++)
        {
            if (faces[i].Width != ImageSize || faces[i].Height != ImageSize)
                throw new ArgumentException($"aligned face {i} is {faces[i].Width}x{faces[i].Height}; the encoder takes {ImageSize}x{ImageSize}", nameof(faces));
            TensorLayout.ToNchw(faces[i], images.Span.Slice(i * ImageValues, ImageValues), _encoderPixels);
        }
        using var result = _encoder.Run([TensorInput.Of<float>("image", images, n, 3, ImageSize, ImageSize)], "latent");
        result[0].GetSpan<float>().CopyTo(latents);
    }

    /// <summary>The source identity (one latent) onto each of <paramref name="count"/> target latents.</summary>
    public void Swap(ReadOnlyMemory<float> source, ReadOnlyMemory<float> targets, int count, Span<float> swapped, Memory<float> scratch)
    {
        if (count == 0) return;
        CheckLength(source.Length, LatentValues, "source latent");
        CheckLength(scratch.Length, count * LatentValues, "source scratch");
        var sources = scratch[..(count * LatentValues)];
        for (var i = 0; i < count; i++) source.Span.CopyTo(sources.Span.Slice(i * LatentValues, LatentValues));
        using var result = _swapper.Run([Latent("source", sources, count), Latent("target", targets[..(count * LatentValues)], count)], "swapped");
        result[0].GetSpan<float>().CopyTo(swapped);
    }

    /// <summary>
    /// Lip sync in place: each latent's lower rows are replaced by the lip syncer's output for its reference and
    /// audio window ([N, W, D]); the upper rows (pose, eyes) stay as they are.
    /// </summary>
    public void SyncLips(Memory<float> targets, ReadOnlyMemory<float> references, ReadOnlyMemory<float> audio, int count)
    {
        if (count == 0) return;
        var w = Window;
        CheckLength(audio.Length, count * w.Length * w.FeatureDim, "audio windows");
        using var result = _syncer.Run(
            [Latent("target", targets[..(count * LatentValues)], count), Latent("reference", references[..(count * LatentValues)], count),
             TensorInput.Of<float>("audio", audio[..(count * w.Length * w.FeatureDim)], count, w.Length, w.FeatureDim)],
            "lower");
        var lower = result[0].GetSpan<float>();
        var latent = Manifest.Latent;
        var rowValues = latent.Width;
        var lowerPlane = LowerRows * rowValues;
        var plane = latent.Height * rowValues;
        var firstLower = latent.Lower.FirstRow * rowValues;
        var span = targets.Span;
        for (var i = 0; i < count; i++)
            for (var c = 0; c < latent.Channels; c++)
                lower.Slice((i * latent.Channels + c) * lowerPlane, lowerPlane)
                    .CopyTo(span.Slice(i * LatentValues + c * plane + firstLower, lowerPlane));
    }

    /// <summary>Decodes latents into aligned faces (in each face buffer's channel order).</summary>
    public void Decode(ReadOnlyMemory<float> latents, IReadOnlyList<PixelBuffer> faces)
    {
        var n = faces.Count;
        if (n == 0) return;
        using var result = _decoder.Run([Latent("latent", latents[..(n * LatentValues)], n)], "image");
        var images = result[0].GetSpan<float>();
        for (var i = 0; i < n; i++)
            TensorLayout.FromNchw(images.Slice(i * ImageValues, ImageValues), faces[i], _decoderPixels);
    }

    /// <summary>Speech (16 kHz mono in [-1, 1], 64-byte aligned for reproducible sums) to features [T, D] at the manifest's feature rate.</summary>
    public float[] EncodeAudio(ReadOnlyMemory<float> waveform, out int featureCount)
    {
        using var result = _audio.Run([TensorInput.Of<float>("waveform", waveform, 1, waveform.Length)], "features");
        var features = result[0];
        if (features.Shape.Count != 3 || features.Shape[2] != AudioFeatures.FeatureDim)
            throw new InvalidOperationException($"audio_encoder returned {features}, expected [1, frames, {AudioFeatures.FeatureDim}]");
        featureCount = (int)features.Shape[1];
        return features.ToArray<float>();
    }

    private TensorInput Latent(string name, ReadOnlyMemory<float> data, int n)
    {
        var latent = Manifest.Latent;
        return TensorInput.Of<float>(name, data, n, latent.Channels, latent.Height, latent.Width);
    }

    private static PixelNormalization Pixels(TensorSpec tensor) =>
        tensor.Pixels?.Normalization ?? throw new InvalidOperationException($"manifest: tensor '{tensor.Name}' declares no pixel convention");

    private static void CheckFloat32(ModelManifest manifest, params string[] stages)
    {
        foreach (var stage in stages)
            foreach (var t in manifest.Model(stage).Inputs.Concat(manifest.Model(stage).Outputs))
                if (t.ElementType != TensorElementType.Float32)
                    throw new NotSupportedException($"manifest {manifest.Source}: {stage}.{t.Name} is {t.ElementType.DisplayName()}; the pipeline runs float32 models only");
    }

    private static void CheckLength(int actual, int expected, string what)
    {
        if (actual < expected) throw new ArgumentException($"{what} hold {actual} values, need {expected}");
    }

    public void Dispose()
    {
        _encoder.Dispose();
        _swapper.Dispose();
        _syncer.Dispose();
        _decoder.Dispose();
        _audio.Dispose();
    }
}
