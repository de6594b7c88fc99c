using System.Text.Json;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Media;
using SwapTalk.Core.Stages;
using SwapTalk.Core.Storage;

namespace SwapTalk.Core.FollowUps;

/// <summary>
/// The before/after sheet written once a dub has succeeded (the CLI's <c>dub</c> and <c>serve</c>): the job's plan read
/// from its blobs, a header naming the job, and the sheet itself (<see cref="DubPreview"/>). The dub is complete by now, so a
/// sheet that cannot be written is a warning, never a failed dub; cancellation still ends the caller.
/// </summary>
public sealed class PreviewSheet(MediaEngine media)
{
    /// <summary>The header of a dub's sheet: the job, its three inputs by name, the plan's shape, the engine, and an optional credit line.</summary>
    public static IReadOnlyList<string> DubHeader(string jobId, JobPlan plan, JobRequest request, string? credit)
    {
        var header = new List<string>
        {
            $"SWAPTALK DUB  {jobId}",
            $"PORTRAIT {Path.GetFileName(request.Portrait)}   VIDEO {Path.GetFileName(request.Video)}   AUDIO {(request.Audio is null ? "(THE VIDEO'S OWN)" : Path.GetFileName(request.Audio))}",
            $"{plan.OutputFrameCount} FRAMES AT {plan.FrameRate} FPS, {plan.Width}X{plan.Height}, {JsonName(plan.Mode)}, {JsonName(plan.LengthPolicy)}",
            EngineLine(plan),
        };
        if (!string.IsNullOrWhiteSpace(credit)) header.Add(credit);
        return header;
    }

    /// <summary>The shorter header the web page's sheet carries (its inputs are uploads with generated names).</summary>
    public static IReadOnlyList<string> PageHeader(string jobId, JobPlan plan) =>
    [
        $"SWAPTALK DUB  {jobId}",
        $"{plan.OutputFrameCount} FRAMES AT {plan.FrameRate} FPS, {plan.Width}X{plan.Height}",
        EngineLine(plan),
    ];

    /// <summary>
    /// Writes the sheet of job <paramref name="jobId"/> (its plan read from <paramref name="store"/>) for <paramref name="output"/>
    /// to <paramref name="sheetPath"/>: the path written, or null with <paramref name="warn"/> told why (a media, file or image problem).
    /// </summary>
    public async Task<string?> TryWriteAsync(IBlobStore store, string jobId, Func<JobPlan, IReadOnlyList<string>> header,
        string portrait, string video, string output, string sheetPath, Action<string> warn, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(warn);
        try
        {
            var plan = await store.ReadJsonAsync<JobPlan>(BlobNames.Plan(jobId), cancellationToken: cancellationToken);
            await DubPreview.WriteAsync(media, plan, portrait, video, output, sheetPath, header(plan), cancellationToken: cancellationToken);
            return sheetPath;
        }
        catch (Exception e) when (e is MediaException or IOException or InvalidDataException or UnauthorizedAccessException or OpenCvSharp.OpenCVException or ArgumentException)
        {
            warn(e.Message);
            return null;
        }
    }

    private static string EngineLine(JobPlan plan) => $"ENGINE {Engines.EngineSelection.Name(plan.Engine).ToUpperInvariant()}";

    /// <summary>The name the CLI and job JSON use for an option value ("cross-driven", "ping-pong"), not the C# enum's.</summary>
    private static string JsonName<T>(T value) where T : struct, Enum =>
        JsonSerializer.Serialize(value, JobRequestJson.Options).Trim('"');
}
