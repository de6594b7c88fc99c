using System.Security.Cryptography;
using System.Text;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Hosting;
using SwapTalk.Core.Hosting.Manifests;
using SwapTalk.Core.Hosting.Starting;

namespace SwapTalk.Http;

/// <summary>
/// Job ids (which are also the Durable instance ids) for jobs a trigger starts. Derived, never random, so a trigger
/// that fires twice for the same thing (Event Grid delivers at least once; a timer run is repeated after a crash)
/// finds the job it started the first time instead of starting a second one:
/// <list type="bullet">
/// <item>inbox manifest: the blob's name and ETag (re-uploading the manifest is a new version, so a new job);</item>
/// <item>batch line: the batch's name, its content version and the line number;</item>
/// <item>HTTP: the caller's <c>Idempotency-Key</c> (a fresh GUID when absent) and the canonical request.</item>
/// </list>
/// Every id is a valid <see cref="JobIds"/> id, a prefix naming the trigger plus 20 hex digits of a sha256.
/// </summary>
public static class TriggerInstanceIds
{
    public const string InboxPrefix = "inbox-";
    public const string BatchPrefix = "batch-";
    public const string ApiPrefix = "api-";

    public static string FromInboxBlob(string blobName, string etag)
    {
        ArgumentException.ThrowIfNullOrEmpty(blobName);
        return InboxPrefix + Hash("swaptalk-inbox-v1", blobName, NormalizeETag(etag));
    }

    public static string FromBatchLine(string batchName, string batchVersion, int lineNumber)
    {
        ArgumentException.ThrowIfNullOrEmpty(batchName);
        ArgumentException.ThrowIfNullOrWhiteSpace(batchVersion);
        ArgumentOutOfRangeException.ThrowIfLessThan(lineNumber, 1);
        return BatchPrefix + Hash("swaptalk-batch-v1", batchName, batchVersion.Trim(), lineNumber.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    public static string FromApiRequest(string idempotencyKey, string canonicalRequest)
    {
        ArgumentException.ThrowIfNullOrEmpty(idempotencyKey);
        ArgumentNullException.ThrowIfNull(canonicalRequest);
        return ApiPrefix + Hash("swaptalk-api-v1", idempotencyKey, canonicalRequest);
    }

    /// <summary>
    /// One spelling per ETag: HTTP headers quote it (<c>"0x8DC..."</c>), some payloads do not, weak ones carry <c>W/</c>.
    /// </summary>
    /// <exception cref="ArgumentException">The ETag is empty: without it two versions of a blob could not be told apart.</exception>
    public static string NormalizeETag(string? etag)
    {
        var value = etag?.Trim() ?? "";
        if (value.StartsWith("W/", StringComparison.Ordinal)) value = value[2..];
        if (value.Length >= 2 && value[0] == '"' && value[^1] == '"') value = value[1..^1];
        return value.Length > 0 ? value : throw new ArgumentException("the blob's ETag is empty; it is needed to tell versions of a manifest apart", nameof(etag));
    }

    private static string Hash(params string[] parts)
    {
        // Length-prefixed parts: ("a/b", "c") and ("a", "b/c") must not collide.
        var builder = new StringBuilder();
        foreach (var part in parts) builder.Append(part.Length).Append(':').Append(part).Append('\n');
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(builder.ToString()));
        return Convert.ToHexStringLower(hash.AsSpan(0, 10));
    }
}
