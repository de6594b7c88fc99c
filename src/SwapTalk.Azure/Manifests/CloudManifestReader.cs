using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using SwapTalk.Core.Jobs;

namespace SwapTalk.Azure.Manifests;

/// <summary>
/// Reads and validates cloud manifests. JSON errors become field-named messages (no .NET type names, values
/// redacted); option rules are the core's <see cref="JobValidator"/>'s, not a copy of them.
/// </summary>
public sealed class CloudManifestReader(IReadOnlyCollection<string> inputContainers, JobValidator? validator = null)
{
    private readonly JobValidator _validator = validator ?? new JobValidator();

    public static readonly JsonSerializerOptions Json = JobRequestJson.Options;

    /// <summary>Parses and validates UTF-8 JSON; <paramref name="source"/> names the whole document in errors ("body", a blob name, "line 7").</summary>
    public ManifestCheck Read(ReadOnlySpan<byte> utf8Json, string source)
    {
        CloudJobManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<CloudJobManifest>(utf8Json, Json);
        }
        catch (JsonException ex)
        {
            return new ManifestCheck(null, null, [Explain(ex, source)]);
        }
        if (manifest is null)
            return new ManifestCheck(null, null, [new JobInputError(source, "the manifest is JSON null; expected an object with portrait, video and options")]);
        return Validate(manifest);
    }

    public ManifestCheck Read(string json, string source) => Read(Encoding.UTF8.GetBytes(json), source);

    public ManifestCheck Validate(CloudJobManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var errors = new List<JobInputError>();
        var portrait = BlobReference.TryParse(manifest.Portrait, "portrait", inputContainers, errors);
        var video = BlobReference.TryParse(manifest.Video, "video", inputContainers, errors);
        BlobReference? audio = null;
        if (manifest.Audio is not null) audio = BlobReference.TryParse(manifest.Audio, "audio", inputContainers, errors);
        errors.AddRange(OptionErrors(manifest.Options));
        if (errors.Count > 0) return new ManifestCheck(manifest, null, errors);
        return new ManifestCheck(manifest, new ValidManifest(portrait!, video!, audio, manifest.Options!, manifest.ToCanonicalJson()), []);
    }

    /// <summary>
    /// The validator's option rules. Its request check also checks local files; empty paths stop those checks before
    /// any file-system access, and their "no path given" errors are dropped: inputs here are blobs, checked above.
    /// </summary>
    private IEnumerable<JobInputError> OptionErrors(JobOptions? options) =>
        _validator.CheckRequest(new JobRequest { Portrait = "", Video = "", Models = "", Options = options! })
            .Where(e => e.Input == "options" || e.Input.StartsWith("options.", StringComparison.Ordinal))
            .Select(e => e with { Message = Redaction.Message(e.Message) });

    private static JobInputError Explain(JsonException ex, string source)
    {
        var where = ex.LineNumber is { } line ? $" (line {line + 1}, position {(ex.BytePositionInLine ?? 0) + 1})" : "";
        var path = FieldOf(ex.Path);
        var message = ex.Message;
        var cut = message.IndexOf(" Path: ", StringComparison.Ordinal);
        if (cut > 0) message = message[..cut];

        // A syntax error: the reader's message is about characters, which is what the caller needs.
        if (ex.InnerException?.GetType().Name == "JsonReaderException")
            return new JobInputError(source, $"not valid JSON{where}: {Redaction.Echo(message)}");
        if (message.Contains("could not be mapped to any .NET member", StringComparison.Ordinal))
        {
            var parent = path.Contains('.') ? path[..path.LastIndexOf('.')] : "";
            var known = PropertyNames(parent);
            return new JobInputError(path, $"'{Redaction.Echo(path[(path.LastIndexOf('.') + 1)..])}' is not a known property{where}" +
                (known.Count > 0 ? $"; known here: {string.Join(", ", known)}" : ""));
        }
        if (path.Length == 0)
            return new JobInputError(source, $"the manifest must be a JSON object{where}");
        return new JobInputError(path, $"expected {Expectation(path)}{where}");
    }

    /// <summary>"$.options.quality.crf" -> "options.quality.crf"; "$" -> "".</summary>
    private static string FieldOf(string? jsonPath) =>
        string.IsNullOrEmpty(jsonPath) || jsonPath == "$" ? "" : jsonPath.StartsWith("$.", StringComparison.Ordinal) ? jsonPath[2..] : jsonPath.TrimStart('$');

    private static JsonPropertyInfo? Property(string path)
    {
        var type = Json.GetTypeInfo(typeof(CloudJobManifest));
        JsonPropertyInfo? property = null;
        foreach (var segment in path.Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            property = type.Properties.FirstOrDefault(p => p.Name == segment);
            if (property is null) return null;
            type = Json.GetTypeInfo(property.PropertyType);
        }
        return property;
    }

    private static IReadOnlyList<string> PropertyNames(string path)
    {
        var type = path.Length == 0 ? typeof(CloudJobManifest) : Property(path)?.PropertyType;
        return type is null ? [] : Json.GetTypeInfo(type).Properties.Select(p => p.Name).ToList();
    }

    private static string Expectation(string path)
    {
        var type = Property(path)?.PropertyType;
        if (type is null) return "a different value";
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type.IsEnum)
            return "one of " + string.Join(", ", Enum.GetValues(type).Cast<object>().Select(v => JsonSerializer.Serialize(v, type, Json)));
        if (type == typeof(int) || type == typeof(long)) return "a whole number";
        if (type == typeof(double)) return "a number";
        if (type == typeof(string)) return "a string";
        if (type == typeof(bool)) return "true or false";
        return "an object";
    }
}
