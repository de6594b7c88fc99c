using SwapTalk.Core.Jobs;
using SwapTalk.Core.Models;
using SwapTalk.Core.Stages;
using SwapTalk.Core.Storage;

namespace SwapTalk.Core.Engines.Latent;

/// <summary>
/// The paper's engine: face swap and lip sync in one VQGAN latent space with the user's ONNX exports. The source is
/// the portrait's latent (and, self-driven, the lip syncer's fixed reference); the driving features are the audio
/// encoder's; each segment's faces are aligned, encoded, swapped, lip-synced, decoded and pasted back.
/// </summary>
public sealed class LatentEngine : IDubEngine
{
    /// <summary>The five SwapTalk stages this engine needs (the detector and landmarker serve every engine).</summary>
    public static IReadOnlySet<string> Stages { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        StageNames.VqEncoder, StageNames.FaceSwapper, StageNames.LipSyncer, StageNames.AudioEncoder, StageNames.VqDecoder,
    };

    public DubEngine Kind => DubEngine.Latent;

    /// <summary>Stage models missing are the problem; probes are allowed (they prove the data flow).</summary>
    public IReadOnlyList<JobInputError> CheckModels(ModelInventory inventory) => inventory.MissingStages ?? [];

    /// <summary>Every SwapTalk stage model present and none a probe: trained exports, so <c>auto</c> runs them.</summary>
    public bool PreferredFor(ModelInventory inventory) =>
        (inventory.MissingStages ?? []).Count == 0
        && Stages.All(stage => inventory.Models.Any(m => m.Name == stage && !m.Probe));

    public IReadOnlyList<string> Notes(IReadOnlyList<ModelUse> models) =>
        models.Any(m => m.Probe)
            ? [$"probe models ({string.Join(", ", models.Where(m => m.Probe).Select(m => m.Name))}): the output shows the data flow, not a trained face swap or lip sync"]
            : [];

    public string SourceBlob(string jobId) => BlobNames.SourceLatent(jobId);

    /// <summary>
    /// The portrait detected, aligned and VQ-encoded; for self-driven jobs also the lip syncer's reference (the clip's
    /// first face, swapped). Stored together as a <see cref="SourceLatents"/> file.
    /// </summary>
    public async Task<PreparedSource> PrepareSourceAsync(SourceInputs inputs, string outputPath, CancellationToken cancellationToken)
    {
        var models = inputs.Models;
        var clock = inputs.Clock;
        PortraitFace face;
        await using (var portrait = await inputs.OpenPortraitAsync(cancellationToken))
            face = await new PortraitStage(models).EncodeAsync(portrait.LocalPath, inputs.Selection, clock, cancellationToken);

        ReferenceFace? reference = null;
        if (inputs.Plan is { Mode: JobMode.SelfDriven } && inputs.OpenVideoAsync is { } openVideo)
        {
            await using var video = await openVideo(cancellationToken);
            Media.MediaInfo info;
            using (clock.Measure(PipelineStages.Probe))
                info = await inputs.ProbeVideoAsync(video.LocalPath, cancellationToken);
            reference = await new ReferenceFrameStage(inputs.Media, models).FindAsync(info, inputs.Selection, face.Latent, clock, cancellationToken);
        }

        var latent = models.Latent.Manifest.Latent;
        await using (var file = new FileStream(outputPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            await new SourceLatents(latent.Channels, latent.Height, latent.Width, face.Latent, reference?.Latent).WriteAsync(file, cancellationToken);
        return new PreparedSource(face.FacesFound, reference?.Frame);
    }

    /// <summary>The audio encoder over the whole track, in chunks with context.</summary>
    public async Task<PreparedDriving> PrepareDrivingAsync(DrivingInputs inputs, string audioPath, string outputPath, CancellationToken cancellationToken) =>
        new(await new AudioFeatureStage(inputs.Tools, inputs.Models.Latent, inputs.Chunking).ExtractAsync(audioPath, outputPath, inputs.Clock, cancellationToken));

    public async Task<IEngineSource> ReadSourceAsync(Stream stream, string name, CancellationToken cancellationToken) =>
        new Source(await SourceLatents.ReadAsync(stream, name, cancellationToken));

    private sealed class Source(SourceLatents latents) : IEngineSource
    {
        public IFaceBatchRenderer Begin(SegmentRenderJob job, PipelineModels models, int batchSize) =>
            new LatentFaceBatchRenderer(latents, models, batchSize);

        public void Dispose()
        {
        }
    }
}
