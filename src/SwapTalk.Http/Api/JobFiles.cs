using SwapTalk.Core.Storage;

namespace SwapTalk.Http;

/// <summary>A job file to stream: its blob, content type and length.</summary>
public sealed record JobFile(string Blob, string ContentType, long Length);

/// <summary>
/// The files of a job the page shows, by name (never by a path a caller sends): <c>output</c> (the dubbed video),
/// <c>video</c> and <c>portrait</c> (the staged inputs), <c>preview</c> (the before/after sheet), <c>evaluation</c>
/// (the evaluation image), <c>evaluation.json</c> (its numbers) and <c>original</c> (the target video as the browser can play it). The host writes preview and evaluation after a
/// job succeeds (<c>swaptalk serve</c> does; see docs/azure.md for the cloud host).
/// </summary>
public static class JobFiles
{
    public const string Output = "output";
    public const string Video = "video";
    public const string Original = "original";
    public const string Portrait = "portrait";
    public const string Preview = "preview";
    public const string Evaluation = "evaluation";
    public const string EvaluationJson = "evaluation.json";

    public static IReadOnlyList<string> All { get; } = [Output, Original, Video, Portrait, Preview, Evaluation, EvaluationJson];

    public static bool IsKnown(string file) => All.Contains(file, StringComparer.Ordinal);

    /// <summary>The target video re-encoded as H.264 without sound, for browsers that cannot play the upload as it is (MPEG-PS, AVI...).</summary>
    public static string OriginalBlob(string jobId) => $"{BlobNames.Job(jobId)}output/original.mp4";
    public static string PreviewBlob(string jobId) => $"{BlobNames.Job(jobId)}output/preview.png";
    public static string EvaluationBlob(string jobId) => $"{BlobNames.Job(jobId)}output/evaluation.png";
    public static string EvaluationJsonBlob(string jobId) => $"{BlobNames.Job(jobId)}output/evaluation.json";

    /// <returns>The blob holding the file, or null when the job has none (an input not staged yet, no output).</returns>
    public static async Task<string?> BlobAsync(IBlobStore jobs, string jobId, string file, string? outputBlob, CancellationToken cancellationToken)
    {
        switch (file)
        {
            case Output: return outputBlob;
            case Original: return OriginalBlob(jobId);
            case Preview: return PreviewBlob(jobId);
            case Evaluation: return EvaluationBlob(jobId);
            case EvaluationJson: return EvaluationJsonBlob(jobId);
        }
        // Staged inputs keep their role and extension: jobs/{id}/input/video.mp4.
        await foreach (var item in jobs.ListAsync($"{BlobNames.Job(jobId)}input/", cancellationToken))
            if (Path.GetFileNameWithoutExtension(item.Name) == file) return item.Name;
        return null;
    }

    public static string ContentType(string blob) => Path.GetExtension(blob).ToLowerInvariant() switch
    {
        ".mp4" or ".m4v" or ".mov" => "video/mp4",
        ".mkv" => "video/x-matroska",
        ".webm" => "video/webm",
        ".png" => "image/png",
        ".jpg" or ".jpeg" => "image/jpeg",
        ".webp" => "image/webp",
        ".json" => "application/json",
        ".wav" => "audio/wav",
        ".mp3" => "audio/mpeg",
        ".m4a" => "audio/mp4",
        _ => "application/octet-stream",
    };
}
