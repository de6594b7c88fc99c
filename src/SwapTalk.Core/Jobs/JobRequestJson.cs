using System.Text.Json;
using System.Text.Json.Serialization;

namespace SwapTalk.Core.Jobs;

/// <summary>
/// The JSON form of a <see cref="JobRequest"/> (a job manifest):
/// <code>
/// { "portrait": "face.png", "video": "talk.mp4", "audio": "speech.wav", "models": "models",
///   "output": "dub.mp4", "options": { "segmentFrames": 100, "lengthPolicy": "ping-pong" } }
/// </code>
/// Unknown properties are errors (a misspelt option must not be silently ignored). The cloud manifests
/// (SwapTalk.Azure's CloudJobManifest) and job ids read and write requests with these options.
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
}
