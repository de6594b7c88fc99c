using SwapTalk.Core.Jobs;

namespace SwapTalk.Http;

/// <summary>
/// The result link on <c>swaptalk serve</c>: the job's own file route (<c>/api/jobs/{id}/files/output</c>), behind the
/// same access rule as the rest of the API. A path, made absolute on the host the caller reached by <see cref="JobApi"/>.
/// </summary>
public sealed class LocalResultUrlSigner : IResultUrlSigner
{
    public Task<Uri> SignReadAsync(string blobName, ResultUrlWindow window, CancellationToken cancellationToken)
    {
        // Output blobs are jobs/{jobId}/output/...: the id is the second part.
        var parts = blobName.Split('/');
        if (parts.Length < 3 || parts[0] != "jobs" || !JobIds.IsValid(parts[1]))
            throw new ArgumentException($"'{blobName}' is not a job blob", nameof(blobName));
        return Task.FromResult(new Uri($"/{JobLinks.RoutePrefix}/jobs/{Uri.EscapeDataString(parts[1])}/files/{JobFiles.Output}", UriKind.Relative));
    }
}
