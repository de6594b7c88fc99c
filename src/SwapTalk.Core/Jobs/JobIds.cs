using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace SwapTalk.Core.Jobs;

/// <summary>
/// Job ids. Derived from content, never random: the same portrait, video, audio, models and options give
/// the same id, so re-running the same dub finds its stored work and resumes instead of starting over;
/// changing any of them (or its bytes) gives a new id, so stale work is never reused.
/// </summary>
public static class JobIds
{
    public const int MaxLength = 64;

    private static readonly JsonSerializerOptions Compact = new(JobRequestJson.Options) { WriteIndented = false };

    /// <param name="portraitSha256">sha256 (hex) of the portrait's bytes.</param>
    /// <param name="videoSha256">sha256 of the target video.</param>
    /// <param name="audioSha256">sha256 of the driving audio, or null (self-driven).</param>
    /// <param name="modelsFingerprint">Identifies the model weights (e.g. their hashes joined); null if unknown.</param>
    /// <param name="options">The job options (canonical JSON is hashed).</param>
    public static string FromContent(string portraitSha256, string videoSha256, string? audioSha256, string? modelsFingerprint, JobOptions options)
    {
        var canonical = new StringBuilder()
            .Append("swaptalk-job-v1\n")
            .Append(portraitSha256.ToLowerInvariant()).Append('\n')
            .Append(videoSha256.ToLowerInvariant()).Append('\n')
            .Append(audioSha256?.ToLowerInvariant() ?? "-").Append('\n')
            .Append(modelsFingerprint ?? "-").Append('\n')
            .Append(JsonSerializer.Serialize(options, Compact))
            .ToString();
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(canonical));
        return "job-" + Convert.ToHexStringLower(hash.AsSpan(0, 10));
    }

    /// <summary>
    /// Ids from elsewhere (a trigger, a user) must be safe as a blob-name segment and as a Durable instance id:
    /// 1..64 of [a-z0-9-_], starting with a letter or digit.
    /// </summary>
    public static bool IsValid(string? jobId) =>
        jobId is { Length: > 0 and <= MaxLength }
        && (char.IsAsciiLetterLower(jobId[0]) || char.IsAsciiDigit(jobId[0]))
        && jobId.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_');

    public static string Validate(string? jobId) =>
        IsValid(jobId)
            ? jobId!
            : throw new BadInputException("jobId", $"'{jobId}' is not a job id; use 1..{MaxLength} characters of a-z, 0-9, '-' and '_', starting with a letter or digit");

    /// <summary>The sha256 (lowercase hex) of a file's bytes, streamed.</summary>
    public static async Task<string> HashFileAsync(string path, CancellationToken cancellationToken = default)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));
    }
}
