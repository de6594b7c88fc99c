using SwapTalk.Core.Hosting.Manifests;
using SwapTalk.Core.Hosting.Starting;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Hosting;
using SwapTalk.Functions.Settings;
using SwapTalk.Http;
using SwapTalk.Functions.Http;

namespace SwapTalk.Functions.Inbox;

/// <summary>What the inbox trigger did with one delivery.</summary>
public abstract record InboxOutcome(string BlobName)
{
    /// <summary>Not a job manifest (the Event Grid filter sends only *.json; anything else is left alone).</summary>
    public sealed record Ignored(string BlobName, string Reason) : InboxOutcome(BlobName);

    public sealed record Started(string BlobName, string JobId) : InboxOutcome(BlobName);

    /// <summary>The job of this blob version already exists: a repeated delivery, nothing new started.</summary>
    public sealed record Duplicate(string BlobName, string JobId) : InboxOutcome(BlobName);

    /// <summary>A bad manifest: a failed-job record with the reasons was written; nothing to retry.</summary>
    public sealed record Rejected(string BlobName, string JobId, IReadOnlyList<JobInputError> Errors) : InboxOutcome(BlobName);
}

/// <summary>
/// The blob trigger on job manifests uploaded to the inbox container. The job id comes from the blob's name and
/// the ETag of the version read, so Event Grid's at-least-once delivery starts one job per manifest version.
/// A manifest that cannot start (too large, not JSON, bad options, missing inputs) gets a failed-job record and
/// returns normally: an exception here would only make the runtime redeliver the same bad blob until it lands in
/// the poison queue. Exceptions still escape for what a retry can fix (storage or scheduler unavailable).
/// </summary>
public sealed class InboxManifestHandler(CloudManifestReader reader, JobStarter starter, FailedJobRecords records, int maxManifestBytes)
{
    public const string ManifestExtension = ".json";

    /// <param name="blobName">The blob's name inside the inbox container.</param>
    /// <param name="etag">The ETag of the version <paramref name="content"/> holds.</param>
    public async Task<InboxOutcome> HandleAsync(string blobName, string etag, Stream content, IJobInstances instances, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(blobName);
        ArgumentNullException.ThrowIfNull(content);
        if (!blobName.EndsWith(ManifestExtension, StringComparison.OrdinalIgnoreCase))
            return new InboxOutcome.Ignored(blobName, $"only {ManifestExtension} manifests start jobs");

        var jobId = TriggerInstanceIds.FromInboxBlob(blobName, etag);
        var read = await BoundedRead.ReadAsync(content, maxManifestBytes, cancellationToken);
        if (read is null)
            return await RejectAsync(blobName, jobId, null, [new JobInputError(blobName, $"the manifest is over the limit of {maxManifestBytes} bytes")], cancellationToken);

        var check = reader.Read(read, blobName);
        if (!check.IsValid) return await RejectAsync(blobName, jobId, check.Parsed, check.Errors, cancellationToken);

        return await starter.StartAsync(jobId, check.Manifest!, instances, cancellationToken) switch
        {
            JobStartOutcome.Started => new InboxOutcome.Started(blobName, jobId),
            JobStartOutcome.AlreadyExists => new InboxOutcome.Duplicate(blobName, jobId),
            JobStartOutcome.Rejected rejected => await RejectAsync(blobName, jobId, check.Parsed, rejected.Errors, cancellationToken),
            var other => throw new InvalidOperationException($"unexpected start outcome {other}"),
        };
    }

    private async Task<InboxOutcome> RejectAsync(string blobName, string jobId, CloudJobManifest? parsed, IReadOnlyList<JobInputError> errors, CancellationToken cancellationToken)
    {
        await records.WriteAsync(jobId, parsed, errors, cancellationToken);
        return new InboxOutcome.Rejected(blobName, jobId, errors);
    }
}
