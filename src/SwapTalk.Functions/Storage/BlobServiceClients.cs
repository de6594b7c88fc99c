using Azure.Identity;
using Azure.Storage.Blobs;
using SwapTalk.Core.Hosting;

namespace SwapTalk.Functions.Storage;

/// <summary>The blob service client for the job data store, as <see cref="StorageConnection"/> decided.</summary>
public static class BlobServiceClients
{
    public static BlobServiceClient Create(StorageConnection connection) => connection switch
    {
        StorageConnection.ConnectionString local => new BlobServiceClient(local.Value),
        // Managed identity in the cloud (the user-assigned one when a client id is set), developer credentials locally.
        StorageConnection.Identity cloud => new BlobServiceClient(cloud.BlobServiceUri,
            new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = cloud.ManagedIdentityClientId })),
        _ => throw new ArgumentOutOfRangeException(nameof(connection), connection, "unknown storage connection"),
    };
}
