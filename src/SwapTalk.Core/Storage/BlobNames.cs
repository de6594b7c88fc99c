using SwapTalk.Core.Jobs;

namespace SwapTalk.Core.Storage;

/// <summary>Which job input a blob holds.</summary>
public enum JobInputRole { Portrait, Video, Audio }

/// <summary>
/// Every blob name a job uses, in one place. Deterministic, so a retried or resumed activity writes the same
/// blob (or finds it done) instead of a second copy:
/// <code>
/// jobs/{jobId}/input/portrait.png | video.mp4 | audio.wav   (extension kept from the original file)
/// jobs/{jobId}/work/plan.json
/// jobs/{jobId}/work/source-latent.bin
/// jobs/{jobId}/work/audio-features.bin
/// jobs/{jobId}/work/segments/00000.mkv ...
/// jobs/{jobId}/output/dub.mp4
/// jobs/{jobId}/report.json
/// </code>
/// </summary>
public static class BlobNames
{
    /// <summary>Five digits in segment names keep them in order when listed; 99999 segments is 11 hours at 25 fps in 10-frame segments.</summary>
    public const int MaxSegments = 100_000;

    public static string Job(string jobId) => $"jobs/{JobIds.Validate(jobId)}/";

    public static string Input(string jobId, JobInputRole role, string originalFileName)
    {
        var extension = Path.GetExtension(originalFileName).ToLowerInvariant();
        if (extension.Length is < 2 or > 9 || !extension.Skip(1).All(char.IsAsciiLetterOrDigit))
            extension = ".bin";
        return $"{Job(jobId)}input/{role.ToString().ToLowerInvariant()}{extension}";
    }

    public static string Plan(string jobId) => $"{Job(jobId)}work/plan.json";
    public static string SourceLatent(string jobId) => $"{Job(jobId)}work/source-latent.bin";

    /// <summary>The geometric engine's source: the portrait's face and the mouth bank (Engines/Geometric/GeometricSource).</summary>
    public static string SourceFace(string jobId) => $"{Job(jobId)}work/source-face.bin";
    public static string AudioFeatures(string jobId) => $"{Job(jobId)}work/audio-features.bin";
    public static string SegmentsPrefix(string jobId) => $"{Job(jobId)}work/segments/";

    public static string Segment(string jobId, int index) =>
        index is >= 0 and < MaxSegments
            ? $"{SegmentsPrefix(jobId)}{index:D5}.mkv"
            : throw new ArgumentOutOfRangeException(nameof(index), $"segment index {index} is outside 0..{MaxSegments - 1}");

    public static string Output(string jobId) => $"{Job(jobId)}output/dub.mp4";
    public static string Report(string jobId) => $"{Job(jobId)}report.json";

    /// <summary>Spans and metrics the CLI saves beside the report when asked to.</summary>
    public static string Telemetry(string jobId) => $"{Job(jobId)}telemetry.json";
}
