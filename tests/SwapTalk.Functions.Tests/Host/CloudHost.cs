using System.Text;
using Azure.Storage.Blobs;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using SwapTalk.Azure.Starting;
using SwapTalk.Core.Storage;
using SwapTalk.Core.Workflow;
using SwapTalk.Functions.Composition;
using SwapTalk.Functions.Settings;

namespace SwapTalk.Functions.Tests.Host;

/// <summary>
/// The cloud host on one machine, from real parts: the Functions app's own composition (<see cref="FunctionsServices"/>)
/// over fresh containers in Azurite, and the Durable Task SDK's in-process test host (a real engine and
/// <see cref="DurableTaskClient"/>, real replay) running <see cref="StandInDubJob"/> under the cloud workflow's name.
/// </summary>
public sealed class CloudHost : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly DurableTaskTestHost _durable;

    private CloudHost(BlobServiceClient blobs, IReadOnlyDictionary<string, string> containers, ServiceProvider services, DurableTaskTestHost durable)
    {
        Blobs = blobs;
        Containers = containers;
        _services = services;
        _durable = durable;
    }

    public BlobServiceClient Blobs { get; }

    /// <summary>Setting name to this host's container name (each test gets its own four).</summary>
    public IReadOnlyDictionary<string, string> Containers { get; }

    public string Inbox => Containers[AppSettingNames.InboxContainer];
    public string Batches => Containers[AppSettingNames.BatchContainer];
    public DurableTaskClient Client => _durable.Client;

    public T Get<T>() where T : notnull => _services.GetRequiredService<T>();

    /// <param name="settings">App settings on top of the containers, the storage connection and the models folder.</param>
    /// <param name="services">Replacements after the app's own registrations (a manual clock).</param>
    public static async Task<CloudHost> StartAsync(IEnumerable<(string Name, string Value)>? settings = null, Action<IServiceCollection>? services = null)
    {
        var blobs = await Azurite.ServiceAsync();
        var suffix = Guid.NewGuid().ToString("N")[..16];
        var containers = new Dictionary<string, string>
        {
            [AppSettingNames.InboxContainer] = $"inbox-{suffix}",
            [AppSettingNames.JobsContainer] = $"jobs-{suffix}",
            [AppSettingNames.WorkContainer] = $"work-{suffix}",
            [AppSettingNames.BatchContainer] = $"batches-{suffix}",
        };
        foreach (var container in containers.Values) await blobs.GetBlobContainerClient(container).CreateAsync();

        var values = new Dictionary<string, string?>(containers.Select(c => new KeyValuePair<string, string?>(c.Key, c.Value)))
        {
            [AppSettingNames.StorageConnection] = Azurite.ConnectionString,
            [AppSettingNames.ModelsDir] = "/opt/swaptalk/models",
        };
        foreach (var (name, value) in settings ?? []) values[name] = value;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var collection = new ServiceCollection().AddLogging().AddSwapTalkFunctions(configuration);
        services?.Invoke(collection);
        var provider = collection.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = false });

        var durable = await DurableTaskTestHost.StartAsync(registry => StandInDubJob.Register(registry, provider.GetRequiredService<JobStores>()));
        return new CloudHost(blobs, containers, provider, durable);
    }

    /// <summary>Uploads a blob to one of this host's containers.</summary>
    public async Task UploadAsync(string container, string name, string content, CancellationToken ct) =>
        await Blobs.GetBlobContainerClient(container).GetBlobClient(name).UploadAsync(BinaryData.FromString(content), overwrite: true, ct);

    /// <summary>A job manifest naming portrait/video/audio blobs under <paramref name="folder"/> of the inbox, uploaded first.</summary>
    public async Task<string> UploadInputsAsync(string folder, CancellationToken ct)
    {
        foreach (var file in new[] { "face.png", "talk.mp4", "speech.wav" }) await UploadAsync(Inbox, $"{folder}/{file}", "media " + file, ct);
        return Manifest($"{Inbox}/{folder}/face.png", $"{Inbox}/{folder}/talk.mp4", $"{Inbox}/{folder}/speech.wav");
    }

    public static string Manifest(string portrait, string video, string? audio = null) =>
        "{" + $"\"portrait\":\"{portrait}\",\"video\":\"{video}\"" + (audio is null ? "" : $",\"audio\":\"{audio}\"") +
        ",\"options\":{\"segmentFrames\":20,\"segmentsPerBatch\":2}}";

    /// <summary>Waits (on the engine) until the instance has a custom status or has finished.</summary>
    public async Task<OrchestrationMetadata> WaitForStatusAsync(string instanceId, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        while (true)
        {
            var metadata = await Client.GetInstanceAsync(instanceId, getInputsAndOutputs: true, timeout.Token);
            if (metadata is { SerializedCustomStatus: not null } || metadata?.IsCompleted == true) return metadata;
            await Task.Delay(50, timeout.Token);
        }
    }

    public async Task<OrchestrationMetadata> FinishAsync(string instanceId, CancellationToken ct)
    {
        await Client.RaiseEventAsync(instanceId, StandInDubJob.FinishEvent, "go", ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        return await Client.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: true, timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await _durable.DisposeAsync();
        await _services.DisposeAsync();
        foreach (var container in Containers.Values) await Blobs.GetBlobContainerClient(container).DeleteIfExistsAsync();
    }
}

/// <summary>
/// A small orchestration registered under the cloud workflow's name (<see cref="CloudWorkflowNames.CloudDubJob"/>) so
/// the triggers' tests see real instances: it reports progress in its custom status, waits for the test's
/// <see cref="FinishEvent"/> (so status and cancel find it running), then an activity writes the output video blob
/// (deterministic bytes) and it returns the dub's result. The real dub runs in the workflow tests.
/// </summary>
public static class StandInDubJob
{
    public const string FinishEvent = "finish";
    public const string WriteOutput = "StandInWriteOutput";

    public static byte[] OutputBytes(string jobId) => Encoding.UTF8.GetBytes($"stand-in video of {jobId}");

    public static void Register(DurableTaskRegistry registry, JobStores stores)
    {
        registry.AddOrchestratorFunc<CloudDubJobInput, DubJobResult>(CloudWorkflowNames.CloudDubJob, async (context, input) =>
        {
            context.SetCustomStatus(new JobStatus(JobStatus.Rendering, 1, 3, 20, 60));
            await context.WaitForExternalEvent<string>(FinishEvent);
            var output = await context.CallActivityAsync<string>(WriteOutput, input.JobId);
            context.SetCustomStatus(new JobStatus(JobStatus.Done, 3, 3, 60, 60));
            return new DubJobResult(input.JobId, output, BlobNames.Report(input.JobId), 60, 60, 3, 0);
        });
        registry.AddActivityFunc<string, string>(WriteOutput, async (_, jobId) =>
        {
            var name = BlobNames.Output(jobId);
            await stores.Jobs.WriteAsync(name, new MemoryStream(OutputBytes(jobId)), new BlobWriteOptions { ContentType = "video/mp4" });
            return name;
        });
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
