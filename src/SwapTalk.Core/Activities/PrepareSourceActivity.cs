using System.Diagnostics;
using System.Globalization;
using SwapTalk.Core.Engines;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Stages;
using SwapTalk.Core.Storage;

namespace SwapTalk.Core.Activities;

/// <summary>Metadata keys of the prepared blobs, so a reused blob reports what making it found.</summary>
public static class PreparedMetadata
{
    public const string FacesFound = "faces_found";
    public const string ReferenceFrame = "reference_frame";
    public const string FeatureCount = "feature_count";
    public const string MouthDrive = "mouth_drive";
    public const string Frames = "frames";
}

/// <summary>
/// PrepareSource: the plan's engine prepares its source once per job (the latent engine: the portrait's face detected,
/// aligned and VQ-encoded, and for self-driven jobs the lip syncer's reference; the geometric engine: the portrait cut
/// to its face and the mouth bank), stored at the engine's source blob. Without a plan the latent engine's.
/// </summary>
public sealed class PrepareSourceActivity(PipelineServices services) : IActivity<PrepareSourceInput, PrepareSourceResult>
{
    public async Task<PrepareSourceResult> RunAsync(PrepareSourceInput input, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var store = services.Store;
        var plan = input.PlanBlob is null ? null : await store.ReadJsonAsync<JobPlan>(input.PlanBlob, cancellationToken: cancellationToken);
        var engine = services.Engines.Get(plan?.Engine ?? DubEngine.Latent);
        var name = engine.SourceBlob(input.JobId);
        var produced = await store.ProduceOnceAsync(name, async (PendingBlob pending, CancellationToken ct) =>
        {
            var models = services.Models(services.ModelsFor(input.ModelsDir));
            var inputs = new SourceInputs(input.JobId, plan, input.FaceSelection, models, services.Media, new StageClock(input.JobId),
                c => store.GetLocalFileAsync(input.PortraitBlob, c),
                input.VideoBlob is { } videoBlob ? c => store.GetLocalFileAsync(videoBlob, c) : null,
                services.ProbeVideoAsync);
            var prepared = await engine.PrepareSourceAsync(inputs, pending.LocalPath, ct);
            pending.Metadata[PreparedMetadata.FacesFound] = prepared.FacesFound.ToString(CultureInfo.InvariantCulture);
            if (prepared.ReferenceFrame is { } frame) pending.Metadata[PreparedMetadata.ReferenceFrame] = frame.ToString(CultureInfo.InvariantCulture);
        }, new BlobWriteOptions { ContentType = "application/octet-stream" },
            reuseIf: p => p.Metadata.ContainsKey(PreparedMetadata.FacesFound), cancellationToken);

        var meta = produced.Properties.Metadata;
        return new PrepareSourceResult(name, int.Parse(meta[PreparedMetadata.FacesFound], CultureInfo.InvariantCulture), produced.Reused,
            watch.Elapsed.TotalSeconds,
            meta.TryGetValue(PreparedMetadata.ReferenceFrame, out var r) ? long.Parse(r, CultureInfo.InvariantCulture) : null);
    }
}
