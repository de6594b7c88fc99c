using Azure;
using Azure.Storage.Blobs;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using SwapTalk.Core.Hosting;
using SwapTalk.Functions.Inbox;
using SwapTalk.Functions.Durable;
using SwapTalk.Core.Hosting.Manifests;
using SwapTalk.Core.Hosting.Starting;
using SwapTalk.Functions.Settings;
using SwapTalk.Http;
using SwapTalk.Functions.Http;

namespace SwapTalk.Functions.Functions;

/// <summary>
/// Job manifests uploaded to the inbox container start jobs. Event Grid (BlobCreated on inbox/*.json, deployed by
/// infra/hooks/postdeploy.sh) calls the blob extension's webhook with this function's name. The ETag is the one of
/// the version downloaded here, so the job id always matches the content it starts.
/// </summary>
public sealed class InboxManifestFunction(InboxManifestHandler handler, ILogger<InboxManifestFunction> logger)
{
    [Function(HostFunctionNames.InboxManifest)]
    public async Task Run(
        [BlobTrigger("%" + AppSettingNames.InboxContainer + "%/{name}", Source = BlobTriggerSource.EventGrid, Connection = AppSettingNames.StorageConnection)]
        BlobClient manifest,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken)
    {
        try
        {
            var download = await manifest.DownloadStreamingAsync(cancellationToken: cancellationToken);
            await using var content = download.Value.Content;
            var outcome = await handler.HandleAsync(manifest.Name, download.Value.Details.ETag.ToString(), content,
                new DurableJobInstances(client), cancellationToken);
            logger.LogInformation("inbox manifest {Blob}: {Outcome}", manifest.Name, outcome);
        }
        catch (RequestFailedException gone) when (gone.Status == 404)
        {
            // Deleted between the event and this call: nothing to start, nothing to retry.
            logger.LogWarning("inbox manifest {Blob} no longer exists", manifest.Name);
        }
    }
}
