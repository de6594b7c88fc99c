using System.Text.Json;
using SwapTalk.Core.Activities;
using SwapTalk.Azure.Starting;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Storage;
using SwapTalk.Core.Workflow;
using SwapTalk.Tests.Workflow;

namespace SwapTalk.Tests.Hosting;

/// <summary>
/// The cloud workflow's world on one machine: file-system stores for the jobs, inbox and batches containers and the
/// workflow tests' stand-in media activities plus the real staging activity (descriptors instead of media;
/// planning, staging, storage and reports are real). The triggers' tests live in tests/SwapTalk.Functions.Tests.
/// </summary>
public sealed class HostingFixture : IDisposable
{
    private readonly JobFixture _job = new();

    public HostingFixture(JobLimits? limits = null)
    {
        Inbox = new FileSystemBlobStore(Path.Combine(_job.Root, "inbox"));
        Batches = new FileSystemBlobStore(Path.Combine(_job.Root, "batches"));
        Stores = new JobStores(_job.Store, new Dictionary<string, IBlobStore> { ["inbox"] = Inbox, ["batches"] = Batches });
        Registry = CloudWorkflows.AddHostActivities(_job.Activities.Registry(), Stores, limits);
    }

    public FileSystemBlobStore Jobs => _job.Store;
    public FileSystemBlobStore Inbox { get; }
    public FileSystemBlobStore Batches { get; }
    public JobStores Stores { get; }
    public ActivityRegistry Registry { get; }
    public TestActivities Activities => _job.Activities;
    public string ModelsDir => _job.ModelsDir;
    public string Root => _job.Root;

    /// <summary>Uploads descriptor "media" for one job into the inbox.</summary>
    public async Task UploadAsync(string folder, VideoDescriptor video, AudioDescriptor? audio, PortraitDescriptor? portrait = null, CancellationToken ct = default)
    {
        await Inbox.WriteTextAsync($"{folder}/face.json", JsonSerializer.Serialize(portrait ?? new PortraitDescriptor(), WorkflowJson.Options), cancellationToken: ct);
        await Inbox.WriteTextAsync($"{folder}/talk.json", JsonSerializer.Serialize(video, WorkflowJson.Options), cancellationToken: ct);
        if (audio is not null)
            await Inbox.WriteTextAsync($"{folder}/speech.json", JsonSerializer.Serialize(audio, WorkflowJson.Options), cancellationToken: ct);
    }

    public async Task<JobReport?> ReportAsync(string jobId, CancellationToken ct) =>
        await Jobs.ExistsAsync(BlobNames.Report(jobId), ct) ? await Jobs.ReadJsonAsync<JobReport>(BlobNames.Report(jobId), cancellationToken: ct) : null;

    public void Dispose() => _job.Dispose();
}
