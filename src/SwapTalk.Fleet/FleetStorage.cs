using Azure.Identity;
using Azure.Storage.Blobs;
using DurableTask.AzureStorage;

using SwapTalk.Core.Storage;
using SwapTalk.Azure.Storage;

namespace SwapTalk.Fleet;

/// <summary>
/// Where a fleet keeps its task hub and its jobs' blobs: one storage account, named by a connection string or by an
/// account URL (https://ACCOUNT.blob.core.windows.net) used with the default Azure credential (a managed identity
/// on a VM or pod). The connection string is a secret: <see cref="ToString"/> names the account only.
/// </summary>
public sealed class FleetStorage
{
    private readonly string? _connectionString;
    private readonly Uri? _blobUri;

    private FleetStorage(string? connectionString, Uri? blobUri, string account)
    {
        _connectionString = connectionString;
        _blobUri = blobUri;
        Account = account;
    }

    /// <summary>The account's name (safe to log).</summary>
    public string Account { get; }

    /// <exception cref="ArgumentException">Neither a connection string nor an https blob URL.</exception>
    public static FleetStorage Parse(string storage)
    {
        if (string.IsNullOrWhiteSpace(storage)) throw new ArgumentException("--storage is empty: give a connection string or an account URL", nameof(storage));
        storage = storage.Trim();
        if (Uri.TryCreate(storage, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp))
        {
            var host = uri.Host.Split('.');
            if (host.Length < 3 || host[1] != "blob")
                throw new ArgumentException($"--storage {uri.GetLeftPart(UriPartial.Authority)} is not a blob endpoint (https://ACCOUNT.blob.core.windows.net)", nameof(storage));
            return new FleetStorage(null, new Uri(uri.GetLeftPart(UriPartial.Authority)), host[0]);
        }
        if (storage.Equals("UseDevelopmentStorage=true", StringComparison.OrdinalIgnoreCase)) return new FleetStorage(storage, null, "devstoreaccount1");
        var parts = storage.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => p.Split('=', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1], StringComparer.OrdinalIgnoreCase);
        if (!parts.TryGetValue("AccountName", out var account) || !(parts.ContainsKey("AccountKey") || parts.ContainsKey("SharedAccessSignature")))
            throw new ArgumentException("--storage is neither an account URL nor a connection string with AccountName and AccountKey (or SharedAccessSignature)", nameof(storage));
        return new FleetStorage(storage, null, account);
    }

    /// <summary>The clients the Durable Task Framework's Azure Storage provider uses (queues, tables, blobs).</summary>
    public StorageAccountClientProvider TaskHubClients() =>
        _connectionString is not null
            ? new StorageAccountClientProvider(_connectionString)
            : new StorageAccountClientProvider(_blobUri!, Endpoint("queue"), Endpoint("table"), new DefaultAzureCredential());

    public BlobServiceClient BlobService() =>
        _connectionString is not null ? new BlobServiceClient(_connectionString) : new BlobServiceClient(_blobUri!, new DefaultAzureCredential());

    /// <summary>The jobs' blob store: inputs, plan, segments, output and report in {hub}-jobs, scratch work in {hub}-work.</summary>
    public async Task<IBlobStore> JobStoreAsync(string taskHub, string? scratchDirectory = null, CancellationToken cancellationToken = default)
    {
        var service = BlobService();
        var routing = new BlobContainerRouting(ContainerName(taskHub, "jobs"), ContainerName(taskHub, "work"));
        await service.GetBlobContainerClient(routing.DefaultContainer).CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        await service.GetBlobContainerClient(routing.WorkContainer!).CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        return new AzureBlobStore(service, routing, scratchDirectory);
    }

    public static string ContainerName(string taskHub, string role) => $"{taskHub.ToLowerInvariant()}-{role}";

    public override string ToString() => $"storage account '{Account}'";

    private Uri Endpoint(string service) => new UriBuilder(_blobUri!) { Host = _blobUri!.Host.Replace(".blob.", $".{service}.", StringComparison.Ordinal) }.Uri;
}
