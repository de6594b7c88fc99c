using Azure.Core.Serialization;
using Azure.Storage.Blobs;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SwapTalk.Core.Activities;
using SwapTalk.Core.Hosting.Manifests;
using SwapTalk.Core.Hosting.Starting;
using SwapTalk.Core.Inference;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Media;
using SwapTalk.Core.Storage;
using SwapTalk.Core.Workflow;
using SwapTalk.Functions.Batch;
using SwapTalk.Functions.Http;
using SwapTalk.Functions.Inbox;
using SwapTalk.Functions.Settings;
using SwapTalk.Http;
using SwapTalk.Functions.Storage;

namespace SwapTalk.Functions.Composition;

/// <summary>
/// The app's wiring. The host's settings are options bound under the names of <see cref="AppSettingNames"/> and
/// validated at start-up; the blob service client is registered by Microsoft.Extensions.Azure from the
/// <c>SwapTalkStorage</c> section (a connection string locally, <c>serviceUri</c> + managed identity in the cloud),
/// the same connection the inbox blob trigger uses. Heavy services (ONNX Runtime, models) are created on first use,
/// by the first activity; HTTP and trigger invocations never load them.
/// </summary>
public static class FunctionsServices
{
    public static IServiceCollection AddSwapTalkFunctions(this IServiceCollection services, IConfiguration configuration)
    {
        string? Read(string name) => configuration[name];

        // Durable payloads and custom status are serialized exactly as the local executor does.
        services.Configure<WorkerOptions>(worker => worker.Serializer = new JsonObjectSerializer(WorkflowJson.Options));

        services.AddOptions<HostSettings>().Bind(configuration).ValidateOnStart();
        services.AddSingleton<IValidateOptions<HostSettings>, HostSettingsValidation>();
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<HostSettings>>().Value);

        var storage = configuration.GetSection(AppSettingNames.StorageConnection);
        services.AddAzureClients(clients => clients.AddBlobServiceClient(storage));

        // Job data store: jobs + work containers; inputs are read from the inbox and batch containers.
        services.AddSingleton(sp =>
        {
            var settings = sp.GetRequiredService<HostSettings>();
            var blobs = sp.GetRequiredService<BlobServiceClient>();
            return new JobStores(new AzureBlobStore(blobs, new BlobContainerRouting(settings.JobsContainer, settings.WorkContainer)),
                new Dictionary<string, IBlobStore>
                {
                    [settings.InboxContainer] = new AzureBlobStore(blobs, new BlobContainerRouting(settings.InboxContainer)),
                    [settings.BatchContainer] = new AzureBlobStore(blobs, new BlobContainerRouting(settings.BatchContainer)),
                });
        });
        services.AddSingleton<IResultUrlSigner>(sp =>
        {
            var settings = sp.GetRequiredService<HostSettings>();
            return new AzureResultUrlSigner(sp.GetRequiredService<BlobServiceClient>(), new BlobContainerRouting(settings.JobsContainer, settings.WorkContainer));
        });
        services.AddSingleton(TimeProvider.System);

        // The triggers' logic.
        services.AddSingleton(sp => new JobValidator(sp.GetRequiredService<HostSettings>().Limits));
        services.AddSingleton(sp => new CloudManifestReader(sp.GetRequiredService<HostSettings>().InputContainers, sp.GetRequiredService<JobValidator>()));
        services.AddSingleton(sp => new JobStarter(sp.GetRequiredService<JobStores>(), sp.GetRequiredService<HostSettings>().ModelsDir));
        services.AddSingleton(sp => new FailedJobRecords(sp.GetRequiredService<JobStores>().Jobs, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new InboxManifestHandler(sp.GetRequiredService<CloudManifestReader>(), sp.GetRequiredService<JobStarter>(),
            sp.GetRequiredService<FailedJobRecords>(), sp.GetRequiredService<HostSettings>().MaxRequestBytes));
        services.AddSingleton(sp =>
        {
            var settings = sp.GetRequiredService<HostSettings>();
            return new BatchRunner(sp.GetRequiredService<JobStores>().Input(settings.BatchContainer), sp.GetRequiredService<CloudManifestReader>(),
                sp.GetRequiredService<JobStarter>(), sp.GetRequiredService<FailedJobRecords>(), BatchRunOptions.From(settings), sp.GetRequiredService<TimeProvider>());
        });
        services.AddSingleton(sp => new JobApi(sp.GetRequiredService<CloudManifestReader>(), sp.GetRequiredService<JobStarter>(),
            sp.GetRequiredService<JobStores>().Jobs, sp.GetRequiredService<IResultUrlSigner>(), ApiOptions(sp.GetRequiredService<HostSettings>()),
            sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => PageFunctions.CreateUploads(sp.GetRequiredService<HostSettings>(), sp.GetRequiredService<JobStores>(),
            new Lazy<PipelineServices>(sp.GetRequiredService<PipelineServices>)));

        // The workflows and the pipeline's activities, the same code the CLI runs.
        services.AddSingleton(_ => new MediaEngine(MediaTools.Resolve(Read)));
        services.AddSingleton(sp => OrtRuntime.Initialize(new OrtRuntimeOptions(), sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton(sp =>
        {
            var settings = sp.GetRequiredService<HostSettings>();
            return new PipelineServices(sp.GetRequiredService<JobStores>().Jobs, sp.GetRequiredService<MediaEngine>(),
                sp.GetRequiredService<OrtRuntime>(), settings.ModelsDir, sp.GetRequiredService<ILoggerFactory>(),
                new PipelineOptions { Session = SessionSettings.FromEnvironment(Read), Limits = settings.Limits });
        });
        services.AddSingleton(sp => CloudWorkflows.AddHostActivities(
            PipelineActivities.Register(new ActivityRegistry(), sp.GetRequiredService<PipelineServices>()), sp.GetRequiredService<JobStores>(),
            sp.GetRequiredService<HostSettings>().Limits));
        return services;
    }

    private static JobApiOptions ApiOptions(HostSettings settings) => new(settings.MaxRequestBytes, settings.ResultUrlMinutes);
}
