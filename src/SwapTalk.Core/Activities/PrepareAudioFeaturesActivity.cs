using System.Diagnostics;
using System.Globalization;
using SwapTalk.Core.Engines;
using SwapTalk.Core.Stages;
using SwapTalk.Core.Storage;

namespace SwapTalk.Core.Activities;

/// <summary>
/// PrepareAudioFeatures: the driving audio's features over the whole track, once (work/audio-features.bin), by the
/// plan's engine (the latent engine's audio encoder, the geometric engine's loudness).
/// </summary>
public sealed class PrepareAudioFeaturesActivity(PipelineServices services) : IActivity<PrepareAudioFeaturesInput, PrepareAudioFeaturesResult>
{
    public async Task<PrepareAudioFeaturesResult> RunAsync(PrepareAudioFeaturesInput input, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var store = services.Store;
        var engine = services.Engines.Get(input.Engine);
        var name = BlobNames.AudioFeatures(input.JobId);
        var produced = await store.ProduceOnceAsync(name, async (PendingBlob pending, CancellationToken ct) =>
        {
            var models = services.Models(services.ModelsFor(input.ModelsDir));
            var inputs = new DrivingInputs(services.Media.Tools, models, services.Options.AudioChunking, new StageClock(input.JobId));
            PreparedDriving prepared;
            await using (var audio = await store.GetLocalFileAsync(input.AudioBlob, ct))
                prepared = await engine.PrepareDrivingAsync(inputs, audio.LocalPath, pending.LocalPath, ct);
            pending.Metadata[PreparedMetadata.FeatureCount] = prepared.Summary.FeatureCount.ToString(CultureInfo.InvariantCulture);
            if (prepared.Note is { } note) pending.Metadata[PreparedMetadata.MouthDrive] = note;
        }, new BlobWriteOptions { ContentType = "application/octet-stream" },
            reuseIf: p => p.Metadata.ContainsKey(PreparedMetadata.FeatureCount), cancellationToken);

        var count = long.Parse(produced.Properties.Metadata[PreparedMetadata.FeatureCount], CultureInfo.InvariantCulture);
        return new PrepareAudioFeaturesResult(name, (int)Math.Min(int.MaxValue, count), produced.Reused, watch.Elapsed.TotalSeconds,
            produced.Properties.Metadata.TryGetValue(PreparedMetadata.MouthDrive, out var mouth) ? mouth : null);
    }
}
