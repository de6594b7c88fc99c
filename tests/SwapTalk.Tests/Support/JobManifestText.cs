using System.Text.Json;
using SwapTalk.Core.Jobs;

namespace SwapTalk.Tests.Support;

/// <summary>
/// A job manifest's text (<see cref="JobRequestJson.Options"/>) read and written as the tests need it: errors are
/// <see cref="BadInputException"/>s naming the source, relative paths resolve against the manifest's folder. Only the
/// tests read manifest files; the hosts read requests through their own readers over the same options.
/// </summary>
public static class JobManifestText
{
    public static string Serialize(JobRequest request) => JsonSerializer.Serialize(request, JobRequestJson.Options);

    /// <summary>Parses a manifest; errors are <see cref="BadInputException"/>s naming <paramref name="sourceName"/>.</summary>
    public static JobRequest Parse(string json, string sourceName, string? baseDirectory = null)
    {
        JobRequest? request;
        try
        {
            request = JsonSerializer.Deserialize<JobRequest>(json, JobRequestJson.Options);
        }
        catch (JsonException ex)
        {
            throw new BadInputException([new JobInputError(sourceName, Explain(ex))], ex);
        }
        if (request is null)
            throw new BadInputException(sourceName, "the manifest is JSON null, expected an object with portrait, video and models");
        return baseDirectory is null ? request : ResolvePaths(request, baseDirectory);
    }

    public static async Task<JobRequest> LoadAsync(string path, CancellationToken cancellationToken = default)
    {
        string json;
        try
        {
            json = await File.ReadAllTextAsync(path, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new BadInputException([new JobInputError(path, $"cannot read the job manifest: {ex.Message}")], ex);
        }
        return Parse(json, path, Path.GetDirectoryName(Path.GetFullPath(path)));
    }

    /// <summary>Makes every relative path absolute against <paramref name="baseDirectory"/>.</summary>
    public static JobRequest ResolvePaths(JobRequest request, string baseDirectory)
    {
        string Resolve(string p) => p.Length == 0 ? p : Path.GetFullPath(p, baseDirectory);
        return request with
        {
            Portrait = Resolve(request.Portrait),
            Video = Resolve(request.Video),
            Audio = request.Audio is null ? null : Resolve(request.Audio),
            Models = Resolve(request.Models),
            Output = request.Output is null ? null : Resolve(request.Output),
        };
    }

    private static string Explain(JsonException ex)
    {
        // System.Text.Json appends "Path: ... | LineNumber: ..." itself; say it once, in our words.
        var message = ex.Message;
        var cut = message.IndexOf(" Path: ", StringComparison.Ordinal);
        if (cut > 0) message = message[..cut];
        var where = ex.Path is { Length: > 0 } p ? $" at {p}" : "";
        var line = ex.LineNumber is { } l ? $" (line {l + 1})" : "";
        return $"invalid job manifest{where}{line}: {message}";
    }
}
