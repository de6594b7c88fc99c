using System.Text.Json;
using SwapTalk.Core.Jobs;

namespace SwapTalk.Azure.Manifests;

/// <summary>
/// A dub request as the cloud host receives it (HTTP body, inbox manifest, one batch line): the inputs as blobs the
/// caller uploaded, named <c>container/path</c>, and the same <see cref="JobOptions"/> as the CLI's manifest.
/// There is no models folder (the workers have theirs) and no output path (the result stays in the jobs container).
/// <code>
/// { "portrait": "inbox/alice/face.png", "video": "inbox/alice/talk.mp4", "audio": "inbox/alice/speech.wav",
///   "options": { "segmentFrames": 100, "lengthPolicy": "ping-pong" } }
/// </code>
/// Properties are nullable so a missing one is reported in our words, with the others, not as the first JSON error.
/// </summary>
public sealed record CloudJobManifest
{
    public string? Portrait { get; init; }
    public string? Video { get; init; }
    public string? Audio { get; init; }
    public JobOptions? Options { get; init; } = new();

    /// <summary>Compact JSON with every option explicit: equal requests give equal text (ids are derived from it).</summary>
    public string ToCanonicalJson() => JsonSerializer.Serialize(this with { Options = Options ?? new JobOptions() }, Canonical);

    private static readonly JsonSerializerOptions Canonical = new(JobRequestJson.Options) { WriteIndented = false };
}

/// <summary>A manifest that parsed and passed validation: the blobs to stage and the options.</summary>
public sealed record ValidManifest(BlobReference Portrait, BlobReference Video, BlobReference? Audio, JobOptions Options, string CanonicalJson);

/// <summary>
/// Either a valid manifest or every problem found, each naming the field (<c>options.segmentFrames</c>).
/// <see cref="Parsed"/> is what the JSON said, when it was JSON of the right shape (a failed-job record shows it).
/// </summary>
public sealed record ManifestCheck(CloudJobManifest? Parsed, ValidManifest? Manifest, IReadOnlyList<JobInputError> Errors)
{
    public bool IsValid => Manifest is not null && Errors.Count == 0;
}
