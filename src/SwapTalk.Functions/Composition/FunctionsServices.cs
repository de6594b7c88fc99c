using Azure.Core.Serialization;
using Azure.Storage.Blobs;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SwapTalk.Core.Activities;
using SwapTalk.Core.Hosting;
using SwapTalk.Core.Hosting.Batch;
using SwapTalk.Core.Hosting.Http;
using SwapTalk.Core.Hosting.Inbox;
using SwapTalk.Core.Hosting.Manifests;
using SwapTalk.Core.Hosting.Starting;
using SwapTalk.Core.Hosting.Storage;
using SwapTalk.Core.Inference;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Media;
using SwapTalk.Core.Storage;
using SwapTalk.Core.Workflow;
using SwapTalk.Functions.Storage;

namespace SwapTalk.Functions.Composition;

/// <summary>
/// The app's wiring. Settings are read once, only through <see cref="AppSettingNames"/>, and a missing or malformed
/// one stops the host at start-up with a message naming it. Heavy services (ONNX Runtime, models) are created on
/// first use, by the first activity; HTTP and trigger invocations never load them.
/// </summary>
public static class FunctionsServices
{
    public static IServiceCollection AddSwapTalkFunctions(this IServiceCollection services, IConfiguration configuration)
    {
        string? Read(string name) => configuration[name];
        var settings = HostSettings.Load(Read);
        var jobsLayout = new BlobContainerRouting(settings.JobsContainer, settings.WorkContainer);

        // Durable payloads and custom status are serialized exactly as the local executor does.
        services.Configure<WorkerOptions>(worker => worker.Serializer = new JsonObjectSerializer(WorkflowJson.Options));
        services.AddSingleton(settings);

        // Job data store: jobs + work containers; inputs are read from the inbox and batch containers.
        services.AddSingleton(_ => BlobServiceClients.Create(StorageConnection.Resolve(Read)));
        services.AddSingleton(sp =>
        {
            var blobs = sp.GetRequiredService<BlobServiceClient>();
            return new JobStores(new AzureBlobStore(blobs, jobsLayout), new Dictionary<string, IBlobStore>
            {
                [settings.InboxContainer] = new AzureBlobStore(blobs, new BlobContainerRouting(settings.InboxContainer)),
                [settings.BatchContainer] = new AzureBlobStore(blobs, new BlobContainerRouting(settings.BatchContainer)),
            });
        });
        services.AddSingleton<IResultUrlSigner>(sp => new AzureResultUrlSigner(sp.GetRequiredService<BlobServiceClient>(), jobsLayout));

        // The triggers' logic (src/SwapTalk.Core/Hosting).
        services.AddSingleton(_ => new JobValidator(settings.Limits));
        services.AddSingleton(sp => new CloudManifestReader(settings.InputContainers, sp.GetRequiredService<JobValidator>()));
        services.AddSingleton(sp => new JobStarter(sp.GetRequiredService<JobStores>(), settings.ModelsDir));
        services.AddSingleton(sp => new FailedJobRecords(sp.GetRequiredService<JobStores>().Jobs, TimeProvider.System));
        services.AddSingleton(sp => new InboxManifestHandler(sp.GetRequiredService<CloudManifestReader>(), sp.GetRequiredService<JobStarter>(),
            sp.GetRequiredService<FailedJobRecords>(), settings.MaxRequestBytes));
        services.AddSingleton(sp => new BatchRunner(sp.GetRequiredService<JobStores>().Input(settings.BatchContainer), sp.GetRequiredService<CloudManifestReader>(),
            sp.GetRequiredService<JobStarter>(), sp.GetRequiredService<FailedJobRecords>(), BatchRunOptions.From(settings), TimeProvider.System));
        services.AddSingleton(sp => new JobApi(sp.GetRequiredService<CloudManifestReader>(), sp.GetRequiredService<JobStarter>(),
            sp.GetRequiredService<JobStores>().Jobs, sp.GetRequiredService<IResultUrlSigner>(), settings, TimeProvider.System));

        // The workflows and the pipeline's activities, the same code the CLI runs.
        services.AddSingleton(_ => new MediaEngine(MediaTools.Resolve(Read)));
        services.AddSingleton(sp => OrtRuntime.Initialize(new OrtRuntimeOptions(), sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton(sp => new PipelineServices(sp.GetRequiredService<JobStores>().Jobs, sp.GetRequiredService<MediaEngine>(),
            sp.GetRequiredService<OrtRuntime>(), settings.ModelsDir, sp.GetRequiredService<ILoggerFactory>(),
            new PipelineOptions { Session = SessionSettings.FromEnvironment(Read), Limits = settings.Limits }));
        services.AddSingleton(sp => CloudWorkflows.AddHostActivities(
            PipelineActivities.Register(new ActivityRegistry(), sp.GetRequiredService<PipelineServices>()), sp.GetRequiredService<JobStores>(), settings.Limits));
        return services;
    }
}
