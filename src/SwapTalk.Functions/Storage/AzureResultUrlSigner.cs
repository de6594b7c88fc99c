using Azure.Storage.Blobs;
using Azure.Storage.Sas;
using SwapTalk.Functions.Http;
using SwapTalk.Functions.Storage;
using SwapTalk.Core.Hosting;
using SwapTalk.Core.Hosting.Manifests;
using SwapTalk.Core.Hosting.Starting;
using SwapTalk.Functions.Settings;
using SwapTalk.Http;

namespace SwapTalk.Functions.Storage;

/// <summary>
/// Read-only links to one job blob for <see cref="ResultUrlPolicy"/>'s window. In the cloud (identity, shared keys
/// disabled) a user-delegation SAS signed with a key that itself expires with the link; with a connection string
/// holding an account key (Azurite) a service SAS, as that is all the emulator can sign.
/// </summary>
public sealed class AzureResultUrlSigner(BlobServiceClient service, BlobContainerRouting routing) : IResultUrlSigner
{
    public async Task<Uri> SignReadAsync(string blobName, ResultUrlWindow window, CancellationToken cancellationToken)
    {
        var blob = service.GetBlobContainerClient(routing.ContainerOf(blobName)).GetBlobClient(blobName);
        var sas = new BlobSasBuilder(BlobSasPermissions.Read, window.ExpiresOn)
        {
            BlobContainerName = blob.BlobContainerName,
            BlobName = blob.Name,
            Resource = "b",
            StartsOn = window.StartsOn,
            Protocol = ResultUrlPolicy.RequiresHttps(service.Uri) ? SasProtocol.Https : SasProtocol.HttpsAndHttp,
        };
        if (blob.CanGenerateSasUri) return blob.GenerateSasUri(sas);
        var key = await service.GetUserDelegationKeyAsync(window.StartsOn, window.ExpiresOn, cancellationToken);
        return new BlobUriBuilder(blob.Uri) { Sas = sas.ToSasQueryParameters(key.Value, service.AccountName) }.ToUri();
    }
}
