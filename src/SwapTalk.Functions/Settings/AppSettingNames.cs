namespace SwapTalk.Functions.Settings;

/// <summary>
/// Names of every app setting (environment variable) the cloud host and the core read, in one place,
/// so code, <c>bicep/</c>, <c>host.json</c> and <c>local.settings.json.example</c> cannot drift apart: the
/// deployment tests (tests/SwapTalk.Functions.Tests) compare the compiled ARM template against <see cref="Catalog"/>.
/// </summary>
/// <remarks>
/// Connection settings follow the Functions identity convention <c>{connection}__{property}</c>
/// (double underscore = configuration section separator), so one connection name works both as a
/// connection string locally (Azurite) and as a managed-identity section in the cloud.
/// </remarks>
public static class AppSettingNames
{
    // Pipeline core: the kernels own these names (they read them wherever they run); listed here
    // so the catalog and the deployment checks see every setting.
    public const string ExecutionProvider = SwapTalk.Core.Inference.OrtSettings.ExecutionProviderVariable;
    public const string CudaDeviceId = SwapTalk.Core.Inference.OrtSettings.CudaDeviceIdVariable;
    public const string ModelsDir = SwapTalk.Core.Models.ModelCatalog.DirectoryVariable;
    public const string Ffmpeg = SwapTalk.Core.Media.MediaTools.FfmpegVariable;
    public const string Ffprobe = SwapTalk.Core.Media.MediaTools.FfprobeVariable;

    // Job data store: the blob-store adapter and the inbox blob trigger share this connection.
    public const string StorageConnection = "SwapTalkStorage";
    public const string StorageServiceUri = StorageConnection + "__serviceUri";
    public const string StorageBlobServiceUri = StorageConnection + "__blobServiceUri";
    public const string StorageQueueServiceUri = StorageConnection + "__queueServiceUri";
    public const string StorageCredential = StorageConnection + "__credential";
    public const string StorageClientId = StorageConnection + "__clientId";

    // Containers of the job data store (blob layout in DESIGN.md).
    public const string InboxContainer = "SWAPTALK_INBOX_CONTAINER";
    public const string JobsContainer = "SWAPTALK_JOBS_CONTAINER";
    public const string WorkContainer = "SWAPTALK_WORK_CONTAINER";
    public const string BatchContainer = "SWAPTALK_BATCH_CONTAINER";

    // Trigger behaviour.
    public const string BatchSchedule = "SWAPTALK_BATCH_SCHEDULE";
    public const string BatchMaxStartsPerRun = "SWAPTALK_BATCH_MAX_STARTS_PER_RUN";
    public const string BatchStartsPerMinute = "SWAPTALK_BATCH_STARTS_PER_MINUTE";
    public const string ResultUrlMinutes = "SWAPTALK_RESULT_URL_MINUTES";
    public const string MaxRequestBytes = "SWAPTALK_MAX_REQUEST_BYTES";

    // Durable task hub (host.json's hubName); its queues and tables live in host storage (AzureWebJobsStorage).
    public const string TaskHubName = "TASKHUB_NAME";

    // Functions host and Azure SDK settings the deployment must set.
    public const string HostStorage = "AzureWebJobsStorage";
    public const string FunctionsWorkerRuntime = "FUNCTIONS_WORKER_RUNTIME";
    public const string HostStorageBlobServiceUri = "AzureWebJobsStorage__blobServiceUri";
    public const string HostStorageQueueServiceUri = "AzureWebJobsStorage__queueServiceUri";
    public const string HostStorageTableServiceUri = "AzureWebJobsStorage__tableServiceUri";
    public const string HostStorageCredential = "AzureWebJobsStorage__credential";
    public const string HostStorageClientId = "AzureWebJobsStorage__clientId";
    public const string SecretStorageType = "AzureWebJobsSecretStorageType";
    public const string ActivityConcurrencyOverride = "AzureFunctionsJobHost__extensions__durableTask__maxConcurrentActivityFunctions";
    public const string ApplicationInsightsConnection = "APPLICATIONINSIGHTS_CONNECTION_STRING";
    public const string ApplicationInsightsAuthentication = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING";
    public const string AzureClientId = "AZURE_CLIENT_ID";

    // Set only in the container image.
    public const string ScriptRoot = "AzureWebJobsScriptRoot";
    public const string ConsoleLogging = "AzureFunctionsJobHost__Logging__Console__IsEnabled";

    /// <summary>Value of <see cref="StorageCredential"/> and <see cref="HostStorageCredential"/> in the cloud.</summary>
    public const string ManagedIdentityCredential = "managedidentity";

    // The triggers' defaults have one source, HostSettings' initializers (what options binding falls back to); the
    // catalog shows them. Declared before Catalog: static fields initialize in textual order.
    private static readonly HostSettings Defaults = new();

    private static string Number(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Every setting above, with who sets it and the default the code falls back to.</summary>
    public static IReadOnlyList<AppSetting> Catalog { get; } =
    [
        new(ExecutionProvider, AppSettingSource.Image, "cpu", "ONNX Runtime execution provider: cpu or cuda"),
        new(CudaDeviceId, AppSettingSource.Optional, "0", "CUDA device ordinal"),
        new(ModelsDir, AppSettingSource.Image, null, "folder holding models/manifest.json and the ONNX files"),
        new(Ffmpeg, AppSettingSource.Image, "ffmpeg", "ffmpeg binary (default: found on PATH)"),
        new(Ffprobe, AppSettingSource.Image, "ffprobe", "ffprobe binary (default: found on PATH)"),

        new(StorageConnection, AppSettingSource.LocalOnly, null, "connection string of the job data store (Azurite locally)"),
        new(StorageServiceUri, AppSettingSource.Deployment, null, "blob endpoint of the job data store, as Microsoft.Extensions.Azure reads it"),
        new(StorageBlobServiceUri, AppSettingSource.Deployment, null, "blob endpoint of the job data store, as the blob trigger reads it"),
        new(StorageQueueServiceUri, AppSettingSource.Deployment, null, "queue endpoint: the blob trigger keeps its poison queue there"),
        new(StorageCredential, AppSettingSource.Deployment, null, "'managedidentity' for the identity connection"),
        new(StorageClientId, AppSettingSource.Deployment, null, "client id of the user-assigned identity"),

        new(InboxContainer, AppSettingSource.Deployment, Defaults.InboxContainer, "container whose uploaded job manifests start jobs"),
        new(JobsContainer, AppSettingSource.Deployment, Defaults.JobsContainer, "container for job inputs, outputs and reports"),
        new(WorkContainer, AppSettingSource.Deployment, Defaults.WorkContainer, "container for intermediates; a lifecycle rule deletes them"),
        new(BatchContainer, AppSettingSource.Deployment, Defaults.BatchContainer, "container of batch manifests and batch reports"),

        new(BatchSchedule, AppSettingSource.Deployment, "0 0 * * * *", "NCRONTAB schedule of the batch timer (six fields, UTC)"),
        new(BatchMaxStartsPerRun, AppSettingSource.Deployment, Number(Defaults.BatchMaxStartsPerRun), "most jobs one timer run starts"),
        new(BatchStartsPerMinute, AppSettingSource.Optional, Number(Defaults.BatchStartsPerMinute), "most jobs the batch timer starts per minute (token bucket)"),
        new(ResultUrlMinutes, AppSettingSource.Deployment, Number(Defaults.ResultUrlMinutes), "lifetime of a result's read-only SAS URL"),
        new(MaxRequestBytes, AppSettingSource.Deployment, Number(Defaults.MaxRequestBytes), "largest accepted HTTP request body"),

        new(TaskHubName, AppSettingSource.Deployment, null, "Durable task hub name (Azure Storage backend: queues and tables in host storage)"),

        new(HostStorage, AppSettingSource.LocalOnly, null, "host storage connection string (Azurite locally)"),
        new(FunctionsWorkerRuntime, AppSettingSource.Deployment, null, "'dotnet-isolated'"),
        new(HostStorageBlobServiceUri, AppSettingSource.Deployment, null, "host storage blob endpoint (keys, leases, timers)"),
        new(HostStorageQueueServiceUri, AppSettingSource.Deployment, null, "host storage queue endpoint"),
        new(HostStorageTableServiceUri, AppSettingSource.Deployment, null, "host storage table endpoint"),
        new(HostStorageCredential, AppSettingSource.Deployment, null, "'managedidentity'"),
        new(HostStorageClientId, AppSettingSource.Deployment, null, "client id of the user-assigned identity"),
        new(SecretStorageType, AppSettingSource.Deployment, null, "'blob': the host generates and keeps its keys in host storage"),
        new(ActivityConcurrencyOverride, AppSettingSource.Deployment, null, "activities per replica (overrides host.json)"),
        new(ApplicationInsightsConnection, AppSettingSource.Deployment, null, "Application Insights endpoint (no key is used: local auth is off)"),
        new(ApplicationInsightsAuthentication, AppSettingSource.Deployment, null, "ClientId=...;Authorization=AAD"),
        new(AzureClientId, AppSettingSource.Deployment, null, "user-assigned identity DefaultAzureCredential picks"),

        new(ScriptRoot, AppSettingSource.Image, null, "where the Functions host finds the published app"),
        new(ConsoleLogging, AppSettingSource.Image, null, "host logs to the container console"),
    ];

    private static readonly Dictionary<string, AppSetting> ByName =
        Catalog.ToDictionary(s => s.Name, StringComparer.Ordinal);

    /// <summary>The catalog entry for a setting name, or null where the name is not a known setting.</summary>
    public static AppSetting? Find(string name) => ByName.GetValueOrDefault(name);
}

/// <summary>One app setting: its name, who provides it, the code's fallback and what it is for.</summary>
public sealed record AppSetting(string Name, AppSettingSource Source, string? Default, string Purpose);

/// <summary>Who provides a setting's value in the cloud.</summary>
public enum AppSettingSource
{
    /// <summary>Set on the Functions container app by <c>bicep/modules/function-app.bicep</c>.</summary>
    Deployment,
    /// <summary>Set by <c>ENV</c> in <c>infra/Dockerfile</c>.</summary>
    Image,
    /// <summary>Nobody sets it by default; the code uses <see cref="AppSetting.Default"/>.</summary>
    Optional,
    /// <summary>Only for local runs (<c>local.settings.json</c>); the cloud uses the identity form instead.</summary>
    LocalOnly,
}

public static class AppSettingSourceExtensions
{
    public static string Describe(this AppSettingSource source) => source switch
    {
        AppSettingSource.Deployment => "set by bicep/modules/function-app.bicep in the cloud and by local.settings.json locally",
        AppSettingSource.Image => "set by ENV in infra/Dockerfile in the cloud and by local.settings.json locally",
        AppSettingSource.Optional => "optional",
        AppSettingSource.LocalOnly => "a local-only setting (local.settings.json)",
        _ => source.ToString(),
    };
}
