using SwapTalk.Core.Activities;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Storage;
using SwapTalk.Core.Workflow;

namespace SwapTalk.Core.Execution;

/// <summary>A request made ready to run: its content-derived job id and the workflow input naming the staged blobs.</summary>
public sealed record StagedJob(string JobId, DubJobInput Input, JobValidationResult Validation);

/// <summary>A finished local job: the workflow result and where the MP4 was exported (if the request named an output).</summary>
public sealed record LocalJobResult(DubJobResult Result, string? OutputPath);

/// <summary>
/// The embedded default, end to end on one machine: validate the request (every problem at once), derive the
/// job id from the inputs' content, the models and the options, stage the inputs into the blob store (skipped
/// when already there), run the dub workflow in-process, and export the MP4 atomically. Running the same
/// request again finds the same job id and resumes: finished segments are not rendered again.
/// </summary>
public sealed class LocalJobRunner(
    IBlobStore store,
    ActivityRegistry activities,
    LocalExecutorOptions? executorOptions = null,
    IJobInputInspector? inspector = null,
    IModelInventory? models = null,
    JobLimits? limits = null)
{
    private readonly IModelInventory _models = models ?? new OnnxFolderInventory();

    /// <summary>Adds the activities the core implements fully (PlanJob, WriteReport) to a registry.</summary>
    public static ActivityRegistry AddCoreActivities(ActivityRegistry registry, IBlobStore store, IJobInputInspector inspector, IModelInventory? models = null, JobLimits? limits = null) =>
        registry
            .Add(ActivityNames.PlanJob, new PlanJobActivity(store, inspector, models ?? new OnnxFolderInventory(), limits))
            .Add(ActivityNames.WriteReport, new WriteReportActivity(store));

    /// <exception cref="BadInputException">The request is invalid (every problem listed).</exception>
    public async Task<StagedJob> StageAsync(JobRequest request, JobRetry? retry = null, CancellationToken cancellationToken = default)
    {
        var validation = await new JobValidator(limits, inspector).ValidateAsync(request, cancellationToken);
        validation.ThrowIfInvalid();

        var portraitHash = await JobIds.HashFileAsync(request.Portrait, cancellationToken);
        var videoHash = await JobIds.HashFileAsync(request.Video, cancellationToken);
        var audioHash = request.Audio is null ? null : await JobIds.HashFileAsync(request.Audio, cancellationToken);
        var inventory = await _models.DescribeAsync(request.Models, cancellationToken);
        var modelsFingerprint = string.Join(",", inventory.Models.Select(m => $"{m.File}={m.Sha256}"));
        var jobId = JobIds.FromContent(portraitHash, videoHash, audioHash, modelsFingerprint, request.Options);

        var inputs = new JobInputBlobs(
            await StageFileAsync(jobId, JobInputRole.Portrait, request.Portrait, portraitHash, cancellationToken),
            await StageFileAsync(jobId, JobInputRole.Video, request.Video, videoHash, cancellationToken),
            request.Audio is null ? null : await StageFileAsync(jobId, JobInputRole.Audio, request.Audio, audioHash!, cancellationToken));
        return new StagedJob(jobId, new DubJobInput(jobId, inputs, Path.GetFullPath(request.Models), request.Options, retry), validation);
    }

    /// <exception cref="BadInputException">The request is invalid.</exception>
    /// <exception cref="WorkflowFailedException">The job failed; its report says where and why.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; run the same request again to resume.</exception>
    public async Task<LocalJobResult> RunAsync(JobRequest request, JobRetry? retry = null, CancellationToken cancellationToken = default)
    {
        var staged = await StageAsync(request, retry, cancellationToken);
        var executor = new LocalWorkflowExecutor(activities, OrchestratorCatalog.Default, executorOptions);
        var result = await executor.RunAsync<DubJobResult>(WorkflowNames.DubJob, staged.JobId, staged.Input, cancellationToken);
        string? exported = null;
        if (request.Output is { } output)
        {
            exported = Path.GetFullPath(output);
            await ExportAsync(result.OutputBlob, exported, cancellationToken);
        }
        return new LocalJobResult(result, exported);
    }

    /// <summary>Copies a blob to a local file atomically: a partial file is never left under the final name.</summary>
    public async Task ExportAsync(string blobName, string path, CancellationToken cancellationToken = default)
    {
        var temp = $"{path}.{Environment.ProcessId}.partial";
        try
        {
            await using (var source = await store.OpenReadAsync(blobName, cancellationToken))
            await using (var target = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            {
                await source.CopyToAsync(target, cancellationToken);
                target.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    private async Task<string> StageFileAsync(string jobId, JobInputRole role, string path, string sha256, CancellationToken cancellationToken)
    {
        var name = BlobNames.Input(jobId, role, path);
        if (await store.GetPropertiesAsync(name, cancellationToken) is { } existing && existing.ContentHash == sha256) return name;
        var written = await store.WriteFileAsync(name, path, new BlobWriteOptions { Metadata = new Dictionary<string, string> { ["source_sha256"] = sha256 } }, cancellationToken);
        if (written.ContentHash != sha256)
            throw new BadInputException(role.ToString().ToLowerInvariant(), $"'{path}' changed while it was being staged; run the job again");
        return name;
    }
}
