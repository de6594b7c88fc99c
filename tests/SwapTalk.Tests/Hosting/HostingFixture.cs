using System.Text;
using System.Text.Json;
using SwapTalk.Core.Activities;
using SwapTalk.Core.Execution;
using SwapTalk.Core.Hosting;
using SwapTalk.Core.Hosting.Http;
using SwapTalk.Core.Hosting.Inbox;
using SwapTalk.Core.Hosting.Manifests;
using SwapTalk.Core.Hosting.Starting;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Storage;
using SwapTalk.Core.Workflow;
using SwapTalk.Tests.Workflow;

namespace SwapTalk.Tests.Hosting;

/// <summary>
/// The cloud host's world on one machine: file-system stores for the jobs, inbox and batches containers, the real
/// trigger logic, and <see cref="LocalJobInstances"/> running the real cloud workflow with the workflow tests'
/// stand-in media activities (descriptors instead of media; planning, staging, storage and reports are real).
/// </summary>
public sealed class HostingFixture : IAsyncDisposable
{
    private readonly JobFixture _job = new();

    public HostingFixture(JobLimits? limits = null, int maxRequestBytes = 65536)
    {
        Inbox = new FileSystemBlobStore(Path.Combine(_job.Root, "inbox"));
        Batches = new FileSystemBlobStore(Path.Combine(_job.Root, "batches"));
        Settings = new HostSettings
        {
            InboxContainer = "inbox", JobsContainer = "jobs", WorkContainer = "work", BatchContainer = "batches",
            ModelsDir = _job.ModelsDir, MaxRequestBytes = maxRequestBytes, ResultUrlMinutes = 30,
        };
        Stores = new JobStores(_job.Store, new Dictionary<string, IBlobStore> { ["inbox"] = Inbox, ["batches"] = Batches });
        Reader = new CloudManifestReader(Settings.InputContainers);
        Starter = new JobStarter(Stores, _job.ModelsDir, JobFixture.FastRetry);
        Records = new FailedJobRecords(_job.Store);
        Registry = CloudWorkflows.AddHostActivities(_job.Activities.Registry(), Stores, limits);
        Instances = new LocalJobInstances(Registry, CloudWorkflows.Catalog, new LocalExecutorOptions { MaxParallelActivities = 2 });
    }

    public FileSystemBlobStore Jobs => _job.Store;
    public FileSystemBlobStore Inbox { get; }
    public FileSystemBlobStore Batches { get; }
    public HostSettings Settings { get; }
    public JobStores Stores { get; }
    public CloudManifestReader Reader { get; }
    public JobStarter Starter { get; }
    public FailedJobRecords Records { get; }
    public ActivityRegistry Registry { get; }
    public LocalJobInstances Instances { get; }
    public TestActivities Activities => _job.Activities;
    public string Root => _job.Root;

    public InboxManifestHandler InboxHandler => new(Reader, Starter, Records, Settings.MaxRequestBytes);

    public JobApi Api(IResultUrlSigner? signer = null, TimeProvider? time = null) =>
        new(Reader, Starter, Jobs, signer ?? new FileUrlSigner(Jobs), Settings, time);

    /// <summary>Uploads descriptor "media" for one job into the inbox and returns a manifest naming them.</summary>
    public async Task<string> UploadAsync(string folder, VideoDescriptor video, AudioDescriptor? audio, JobOptions? options = null,
        PortraitDescriptor? portrait = null, CancellationToken ct = default)
    {
        await Inbox.WriteTextAsync($"{folder}/face.json", JsonSerializer.Serialize(portrait ?? new PortraitDescriptor(), WorkflowJson.Options), cancellationToken: ct);
        await Inbox.WriteTextAsync($"{folder}/talk.json", JsonSerializer.Serialize(video, WorkflowJson.Options), cancellationToken: ct);
        if (audio is not null)
            await Inbox.WriteTextAsync($"{folder}/speech.json", JsonSerializer.Serialize(audio, WorkflowJson.Options), cancellationToken: ct);
        return ManifestJson(folder, audio is not null, options);
    }

    public static string ManifestJson(string folder, bool withAudio, JobOptions? options = null) =>
        JsonSerializer.Serialize(new CloudJobManifest
        {
            Portrait = $"inbox/{folder}/face.json",
            Video = $"inbox/{folder}/talk.json",
            Audio = withAudio ? $"inbox/{folder}/speech.json" : null,
            Options = options ?? new JobOptions { SegmentFrames = 20, SegmentsPerBatch = 2 },
        }, Compact);

    private static readonly JsonSerializerOptions Compact = new(CloudManifestReader.Json) { WriteIndented = false };

    public static MemoryStream Utf8(string text) => new(Encoding.UTF8.GetBytes(text));

    public async Task<JobReport?> ReportAsync(string jobId, CancellationToken ct) =>
        await Jobs.ExistsAsync(BlobNames.Report(jobId), ct) ? await Jobs.ReadJsonAsync<JobReport>(BlobNames.Report(jobId), cancellationToken: ct) : null;

    public async ValueTask DisposeAsync()
    {
        await Instances.DisposeAsync();
        _job.Dispose();
    }
}

/// <summary>The result links of a file-system store: file URLs (a local host serves them itself).</summary>
public sealed class FileUrlSigner(FileSystemBlobStore store) : IResultUrlSigner
{
    public List<(string Blob, ResultUrlWindow Window)> Signed { get; } = [];

    public Uri UrlOf(string blobName) => new UriBuilder { Scheme = Uri.UriSchemeFile, Host = "", Path = store.PathOf(blobName) }.Uri;

    public Task<Uri> SignReadAsync(string blobName, ResultUrlWindow window, CancellationToken cancellationToken)
    {
        Signed.Add((blobName, window));
        return Task.FromResult(UrlOf(blobName));
    }
}

/// <summary>
/// A clock that moves only when told to, or by exactly the delay a caller waits for (Task.Delay on this provider),
/// so time-based rules are checked exactly without sleeping.
/// </summary>
public sealed class ManualTime(DateTimeOffset start) : TimeProvider
{
    private long _ticks;

    public List<TimeSpan> Delays { get; } = [];

    public override DateTimeOffset GetUtcNow() => start + TimeSpan.FromTicks(Interlocked.Read(ref _ticks));
    public override long GetTimestamp() => Interlocked.Read(ref _ticks);
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        lock (Delays) Delays.Add(dueTime);
        Advance(dueTime);
        ThreadPool.QueueUserWorkItem(_ => callback(state));
        return new NoTimer();
    }

    private sealed class NoTimer : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => true;
        public void Dispose() { }
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
