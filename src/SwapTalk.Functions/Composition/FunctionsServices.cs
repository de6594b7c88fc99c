using Azure.Core.Serialization;
using Azure.Storage.Blobs;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SwapTalk.Core.Activities;
using SwapTalk.Core.Composition;
using SwapTalk.Azure.Manifests;
using SwapTalk.Azure.Starting;
using SwapTalk.Core.Inference;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Storage;
using SwapTalk.Core.Workflow;
using SwapTalk.Functions.Batch;
using SwapTalk.Functions.Http;
using SwapTalk.Functions.Inbox;
using SwapTalk.Functions.Settings;
using SwapTalk.Http;
using SwapTalk.Azure.Storage;
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

        // The triggers' logic: what the settings give them (limits, API and batch options) once, then each service built
        // by DI from its constructor where that needs nothing but services; the rest take a setting or a container's store.
        services.AddSingleton(sp => sp.GetRequiredService<HostSettings>().Limits);
        services.AddSingleton(sp => ApiOptions(sp.GetRequiredService<HostSettings>()));
        services.AddSingleton(sp => BatchRunOptions.From(sp.GetRequiredService<HostSettings>()));
        services.AddSingleton<JobValidator>();
        services.AddSingleton<FailedJobRecords>();
        services.AddSingleton<JobApi>();
        services.AddSingleton(sp => new CloudManifestReader(sp.GetRequiredService<HostSettings>().InputContainers, sp.GetRequiredService<JobValidator>()));
        services.AddSingleton(sp => new JobStarter(sp.GetRequiredService<JobStores>(), sp.GetRequiredService<HostSettings>().ModelsDir));
        services.AddSingleton(sp => new InboxManifestHandler(sp.GetRequiredService<CloudManifestReader>(), sp.GetRequiredService<JobStarter>(),
            sp.GetRequiredService<FailedJobRecords>(), sp.GetRequiredService<HostSettings>().MaxRequestBytes));
        services.AddSingleton(sp => new BatchRunner(sp.GetRequiredService<JobStores>().Input(sp.GetRequiredService<HostSettings>().BatchContainer),
            sp.GetRequiredService<CloudManifestReader>(), sp.GetRequiredService<JobStarter>(), sp.GetRequiredService<FailedJobRecords>(),
            sp.GetRequiredService<BatchRunOptions>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => PageFunctions.CreateUploads(sp.GetRequiredService<HostSettings>(), sp.GetRequiredService<JobStores>(),
            new Lazy<PipelineServices>(sp.GetRequiredService<PipelineServices>)));

        // The workflows and the pipeline's activities, the same composition root the CLI and the fleet use; this
        // host adds its job store, its fixed models folder and settings, and StageInputs.
        services.AddSingleton<IBlobStore>(sp => sp.GetRequiredService<JobStores>().Jobs);
        services.AddSingleton(sp =>
        {
            var settings = sp.GetRequiredService<HostSettings>();
            return new SwapTalkHostSettings(settings.ModelsDir, new PipelineOptions { Session = SessionSettings.FromEnvironment(Read), Limits = settings.Limits });
        });
        services.AddSwapTalkActivity<StageInputsInput, StageInputsResult, StageInputsActivity>(HostingActivityNames.StageInputs,
            sp => new StageInputsActivity(sp.GetRequiredService<JobStores>(), sp.GetRequiredService<JobLimits>()));
        services.AddSwapTalk(configuration);
        return services;
    }

    private static JobApiOptions ApiOptions(HostSettings settings) => new(settings.MaxRequestBytes, settings.ResultUrlMinutes);
}
