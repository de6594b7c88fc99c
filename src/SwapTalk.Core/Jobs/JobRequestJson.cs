using System.Text.Json;
using System.Text.Json.Serialization;

namespace SwapTalk.Core.Jobs;

/// <summary>
/// The JSON form of a <see cref="JobRequest"/> (a job manifest):
/// <code>
/// { "portrait": "face.png", "video": "talk.mp4", "audio": "speech.wav", "models": "models",
///   "output": "dub.mp4", "options": { "segmentFrames": 100, "lengthPolicy": "ping-pong" } }
/// </code>
/// Unknown properties are errors (a misspelt option must not be silently ignored); relative paths in a
/// manifest file are relative to that file's folder.
/// </summary>
public static class JobRequestJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        RespectNullableAnnotations = true,
    };

    public static string Serialize(JobRequest request) => JsonSerializer.Serialize(request, Options);

    /// <summary>Parses a manifest; errors are <see cref="BadInputException"/>s naming <paramref name="sourceName"/>.</summary>
    public static JobRequest Parse(string json, string sourceName, string? baseDirectory = null)
    {
        JobRequest? request;
        try
        {
            request = JsonSerializer.Deserialize<JobRequest>(json, Options);
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
