using SwapTalk.Core.Jobs;
using SwapTalk.Core.Storage;

namespace SwapTalk.Cli.Commands;

/// <summary>
/// What <c>swaptalk dub</c> checks before any work, in the user's words: the files given and written (by flag), the
/// flag of each validation error, failure texts mapped back to inputs and to the user's own file names, the
/// work folder's size for a disk-full sentence.
/// </summary>
internal static class DubInputChecks
{
    /// <summary>The CLI's flag for a validation error's input (the job API's names: "portrait", "options.quality.crf").</summary>
    internal static string FlagOf(string input) => input switch
    {
        "portrait" => "--face",
        "video" => "--video",
        "audio" => "--audio",
        "models" => "--models",
        "output" => "--out",
        "options.segmentFrames" => "--segment-frames",
        "options.lengthPolicy" => "--policy",
        "options.engine" => "--engine",
        "options.faceSelection" => "--face-selection",
        "options.quality.crf" => "--crf",
        "options.quality.preset" => "--preset",
        _ => input,
    };

    /// <summary>"bad input: portrait: msg" (a failure's text, as it crossed the workflow) back into its input and message.</summary>
    internal static List<JobInputError> FromFailureMessage(string text)
    {
        var match = System.Text.RegularExpressions.Regex.Match(text, @"^bad input(?: \(\d+ problems\))?: (?<rest>.*)$", System.Text.RegularExpressions.RegexOptions.Singleline);
        var rest = match.Success ? match.Groups["rest"].Value : text;
        var errors = new List<JobInputError>();
        foreach (var part in System.Text.RegularExpressions.Regex.Split(rest, @"; (?=[a-zA-Z.]+: )"))
        {
            var colon = part.IndexOf(": ", StringComparison.Ordinal);
            var key = colon > 0 ? part[..colon] : "";
            errors.Add(key.Length > 0 && !key.Contains(' ') && !key.Contains('/') ? new JobInputError(key, part[(colon + 2)..]) : new JobInputError("input", part));
        }
        return errors.Count > 0 ? errors : [new JobInputError("input", text)];
    }

    /// <summary>Internal copies of the inputs (WORK/jobs/ID/input/...) named as the files the user gave.</summary>
    internal static string InUserWords(string message, JobRequest request, string workDirectory, string jobId)
    {
        foreach (var (role, path) in new[] { (JobInputRole.Portrait, request.Portrait), (JobInputRole.Video, request.Video), (JobInputRole.Audio, request.Audio) })
        {
            if (path is null) continue;
            var blob = BlobNames.Input(jobId, role, path);
            message = message.Replace(Path.Combine(workDirectory, blob), path, StringComparison.Ordinal).Replace(blob, path, StringComparison.Ordinal);
        }
        return message;
    }

    /// <summary>The files the user gave, in their flags (the models folder's files are inputs too, but are read only by ORT).</summary>
    internal static IEnumerable<Core.Files.UserInput> Inputs(JobRequest request, DubSettings settings)
    {
        yield return new("--face", request.Portrait);
        yield return new("--video", request.Video);
        if (request.Audio is not null) yield return new("--audio", request.Audio);
        if (settings.IdentityModel is not null) yield return new("--identity-model", settings.IdentityModel);
        if (Directory.Exists(request.Models))
            foreach (var model in Directory.EnumerateFiles(request.Models, "*.onnx"))
                yield return new("--models", model);
    }

    /// <summary>Every file this dub writes outside its work folder, with the flag that names it.</summary>
    internal static List<Core.Files.UserOutput> Outputs(JobRequest request, DubSettings settings)
    {
        var list = new List<Core.Files.UserOutput>
        {
            new("--out", request.Output!, request.Options?.Quality is { Lossless: true } ? [".mkv"] : [".mp4"]),
        };
        if (settings.PreviewPath is not null) list.Add(new(settings.PreviewFlag, settings.PreviewPath, [".png", ".jpg", ".jpeg"]));
        if (settings.TelemetryPath is not null) list.Add(new("--telemetry", settings.TelemetryPath, [".json"]));
        if (settings.Evaluate && request.Output is not null && !Core.Files.InputPaths.LooksLikeUrl(request.Output))
            list.Add(new("--eval (its image)", Core.FollowUps.DubEvaluation.ImagePathFor(request.Output, null), [".png"]));
        return list;
    }

    /// <summary>About what the work folder needs (staged inputs, segments, the stitched output, raw frames spilled while rendering): for the disk-full sentence.</summary>
    internal static long? EstimateWorkBytes(JobRequest request, DubSettings settings)
    {
        try
        {
            var inputs = new[] { request.Portrait, request.Video, request.Audio }.Where(p => p is not null && File.Exists(p)).Sum(p => new FileInfo(p!).Length);
            var video = new FileInfo(request.Video);
            var perOutput = request.Options.Quality.Lossless ? 12 * video.Length : 2 * video.Length; // FFV1 runs ~10x an H.264 source
            return inputs + 2 * perOutput; // segments + the stitched copy
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }
}
