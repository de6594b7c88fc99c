using System.Globalization;
using System.Diagnostics;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Storage;
using SwapTalk.Core.Telemetry;

namespace SwapTalk.Core.Activities;

/// <summary>
/// The model files a job uses, with their hashes, and the audio feature layout they imply. <paramref name="MissingStages"/>:
/// SwapTalk stage models (vq_encoder .. vq_decoder) the folder lacks, each as the problem to report if the latent engine
/// is asked for (the geometric engine runs without them).
/// </summary>
public sealed record ModelInventory(IReadOnlyList<ModelUse> Models, AudioFeatureLayout AudioFeatures, IReadOnlyList<JobInputError>? MissingStages = null);

/// <summary>Describes a models folder. The model manifest code implements it with the manifest's metadata.</summary>
public interface IModelInventory
{
    Task<ModelInventory> DescribeAsync(string modelsDir, CancellationToken cancellationToken);
}

/// <summary>
/// The inventory until the model manifest lands: every *.onnx file in the folder with its sha256 (cached for the
/// process per path, size and modification time, so the job id and the report, and the next job, do not hash
/// gigabytes again), and the default audio layout.
/// </summary>
public sealed class OnnxFolderInventory : IModelInventory
{
    private static readonly Dictionary<(string Path, long Length, DateTime Modified), string> _hashes = [];

    public async Task<ModelInventory> DescribeAsync(string modelsDir, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(modelsDir)) throw new BadInputException("models", $"models folder '{modelsDir}' does not exist");
        var models = new List<ModelUse>();
        foreach (var path in Directory.EnumerateFiles(modelsDir, "*.onnx").Order(StringComparer.Ordinal))
        {
            var info = new FileInfo(path);
            var key = (info.FullName, info.Length, info.LastWriteTimeUtc);
            string? hash;
            lock (_hashes) _hashes.TryGetValue(key, out hash);
            if (hash is null)
            {
                hash = await JobIds.HashFileAsync(path, cancellationToken);
                lock (_hashes) _hashes[key] = hash;
            }
            models.Add(new ModelUse(Path.GetFileNameWithoutExtension(path), info.Name, hash));
        }
        return new ModelInventory(models, AudioFeatureLayout.Default);
    }
}

/// <summary>
/// PlanJob: probes the stored inputs through the inspector, checks the limits, plans the job and stores the plan
/// at work/plan.json (same facts, same plan: a retry rewrites the same content).
/// </summary>
public sealed class PlanJobActivity(IBlobStore store, IJobInputInspector inspector, IModelInventory models, JobLimits? limits = null)
    : IActivity<PlanJobInput, PlanJobResult>
{
    private readonly JobValidator _validator = new(limits);

    public async Task<PlanJobResult> RunAsync(PlanJobInput input, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        using var span = SwapTalkTelemetry.StartStage("plan", input.JobId);

        VideoFacts? video;
        await using (var local = await store.GetLocalFileAsync(input.Inputs.Video, cancellationToken))
            video = await inspector.ProbeVideoAsync(local.LocalPath, cancellationToken);
        AudioFacts? audio = null;
        if (input.Inputs.Audio is { } audioBlob)
        {
            await using var local = await store.GetLocalFileAsync(audioBlob, cancellationToken);
            audio = await inspector.ProbeAudioAsync(local.LocalPath, cancellationToken);
        }

        // The same limits as the up-front validation, for hosts whose trigger could not probe.
        var asRequest = new JobRequest
        {
            Portrait = input.Inputs.Portrait, Video = input.Inputs.Video, Audio = input.Inputs.Audio,
            Models = input.ModelsDir, Options = input.Options,
        };
        var problems = _validator.CheckProbed(asRequest, null, video, videoProbed: true, audio, audioProbed: input.Inputs.Audio is not null);
        if (problems.Count > 0) throw new BadInputException(problems);

        var inventory = await models.DescribeAsync(input.ModelsDir, cancellationToken);
        var engine = Engines.EngineSelection.Resolve(input.Options.Engine, inventory);
        var plan = JobPlanner.Plan(video!, audio?.DurationSeconds, input.Options, inventory.AudioFeatures) with { Engine = engine };
        var planBlob = BlobNames.Plan(input.JobId);
        await store.WriteJsonAsync(planBlob, plan, cancellationToken: cancellationToken);
        return new PlanJobResult(planBlob, plan.Mode, plan.OutputFrameCount, plan.Segments.Count, plan.FrameRate, plan.Width, plan.Height,
            plan.OutputDuration.TotalSeconds, inventory.Models, watch.Elapsed.TotalSeconds, engine);
    }
}

/// <summary>WriteReport: stores the job report as JSON (overwriting: the last run of a job reports).</summary>
public sealed class WriteReportActivity(IBlobStore store) : IActivity<WriteReportInput, WriteReportResult>
{
    private const int ParallelReads = 8;

    public async Task<WriteReportResult> RunAsync(WriteReportInput input, CancellationToken cancellationToken)
    {
        var report = input.Report;
        if (input.PlanBlob is not null)
            report = report with { SegmentRecords = await SegmentRecordsAsync(report.JobId, input.PlanBlob, cancellationToken) };
        var name = BlobNames.Report(report.JobId);
        await store.WriteJsonAsync(name, report, cancellationToken: cancellationToken);
        return new WriteReportResult(name);
    }

    /// <summary>The stored segments' own records (metadata of each segment blob); segments not stored are left out.</summary>
    private async Task<SegmentRecord[]> SegmentRecordsAsync(string jobId, string planBlob, CancellationToken cancellationToken)
    {
        var plan = await store.ReadJsonAsync<JobPlan>(planBlob, cancellationToken: cancellationToken);
        var records = new SegmentRecord?[plan.Segments.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, records.Length), new ParallelOptions { MaxDegreeOfParallelism = ParallelReads, CancellationToken = cancellationToken },
            async (index, ct) =>
            {
                if (await store.GetPropertiesAsync(SegmentMetadata.BlobName(jobId, index, plan.Quality), ct) is not { } blob
                    || !blob.Metadata.TryGetValue(SegmentMetadata.Frames, out var frames)) return;
                records[index] = new SegmentRecord(index, Parse(frames), Parse(blob.Metadata.GetValueOrDefault(SegmentMetadata.FramesWithFace, "0")),
                    blob.Metadata.TryGetValue(SegmentMetadata.RenderSeconds, out var s) ? double.Parse(s, CultureInfo.InvariantCulture) : null,
                    blob.Metadata.GetValueOrDefault(SegmentMetadata.Worker));
            });
        return records.OfType<SegmentRecord>().ToArray();

        static int Parse(string value) => int.Parse(value, CultureInfo.InvariantCulture);
    }
}
