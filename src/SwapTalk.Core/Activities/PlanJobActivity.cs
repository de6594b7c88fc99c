using System.Diagnostics;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Storage;
using SwapTalk.Core.Telemetry;

namespace SwapTalk.Core.Activities;

/// <summary>The model files a job uses, with their hashes, and the audio feature layout they imply.</summary>
public sealed record ModelInventory(IReadOnlyList<ModelUse> Models, AudioFeatureLayout AudioFeatures);

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
        var plan = JobPlanner.Plan(video!, audio?.DurationSeconds, input.Options, inventory.AudioFeatures);
        var planBlob = BlobNames.Plan(input.JobId);
        await store.WriteJsonAsync(planBlob, plan, cancellationToken: cancellationToken);
        return new PlanJobResult(planBlob, plan.Mode, plan.OutputFrameCount, plan.Segments.Count, plan.FrameRate, plan.Width, plan.Height,
            plan.OutputDuration.TotalSeconds, inventory.Models, watch.Elapsed.TotalSeconds);
    }
}

/// <summary>WriteReport: stores the job report as JSON (overwriting: the last run of a job reports).</summary>
public sealed class WriteReportActivity(IBlobStore store) : IActivity<WriteReportInput, WriteReportResult>
{
    public async Task<WriteReportResult> RunAsync(WriteReportInput input, CancellationToken cancellationToken)
    {
        var name = BlobNames.Report(input.Report.JobId);
        await store.WriteJsonAsync(name, input.Report, cancellationToken: cancellationToken);
        return new WriteReportResult(name);
    }
}
