using System.Text.Json;
using SwapTalk.Core.Activities;
using SwapTalk.Core.Execution;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Stages;
using SwapTalk.Core.Storage;
using MediaException = SwapTalk.Core.Media.MediaException;

namespace SwapTalk.Cli.Commands;

/// <summary>
/// What <c>swaptalk dub</c> does once the job's output is in place: what the report and summary must say about the file
/// as written (its real size, a pass-through, a turned portrait), the before/after preview sheet and <c>--eval</c>.
/// </summary>
internal static class DubFollowUps
{
    internal sealed record OutputNote(string Key, string Text, object? Value = null);

    /// <summary>What the report and summary must say about the file as written: its real size where H.264 padded it, a video passed through.</summary>
    internal static async Task<List<OutputNote>> OutputNotesAsync(PipelineServices services, string outputPath, JobReport report, bool allowNoFace, JobRequest request)
    {
        var notes = new List<OutputNote>();
        var written = (await services.Media.ProbeAsync(outputPath)).RequireVideo();
        if (written.Width != report.Width || written.Height != report.Height)
            notes.Add(new("outputSize", $"output size: the file is {written.Width}x{written.Height}, the video {report.Width}x{report.Height}: H.264 4:2:0 needs even sides, so the last column/row is repeated (--lossless keeps the size)",
                new { width = written.Width, height = written.Height }));
        if (report.FramesWithFace == 0 && allowNoFace)
            notes.Add(new("noFace", $"no frame of '{request.Video}' shows a face: the video passed through unchanged (--allow-no-face)"));
        return notes;
    }

    internal static async Task AddToReportAsync(IBlobStore store, string reportBlob, IReadOnlyList<OutputNote> notes)
    {
        var report = System.Text.Json.Nodes.JsonNode.Parse(await store.ReadTextAsync(reportBlob, CancellationToken.None))!.AsObject();
        var list = report["notes"] as System.Text.Json.Nodes.JsonArray ?? [];
        foreach (var note in notes)
        {
            list.Add(note.Text);
            if (note.Value is not null) report[note.Key] = JsonSerializer.SerializeToNode(note.Value);
        }
        report["notes"] = list;
        await store.WriteTextAsync(reportBlob, report.ToJsonString(EvalCommand.Json), cancellationToken: CancellationToken.None);
    }

    /// <summary>
    /// The before/after sheet. The job has succeeded by now, so a preview that cannot be written is a warning,
    /// never a failed dub; a signal still ends the command (exit 3).
    /// </summary>
    internal static async Task<string?> WritePreviewAsync(JobRequest request, DubCommand.DubSettings settings, PipelineServices services, IBlobStore store,
        LocalJobResult result, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (settings.PreviewPath is null || result.OutputPath is null) return null;
        try
        {
            var plan = await store.ReadJsonAsync<JobPlan>(BlobNames.Plan(result.Result.JobId), cancellationToken: cancellationToken);
            var header = new List<string>
            {
                $"SWAPTALK DUB  {result.Result.JobId}",
                $"PORTRAIT {Path.GetFileName(request.Portrait)}   VIDEO {Path.GetFileName(request.Video)}   AUDIO {(request.Audio is null ? "(THE VIDEO'S OWN)" : Path.GetFileName(request.Audio))}",
                $"{plan.OutputFrameCount} FRAMES AT {plan.FrameRate} FPS, {plan.Width}X{plan.Height}, {JsonName(plan.Mode)}, {JsonName(plan.LengthPolicy)}",
                $"ENGINE {Core.Engines.EngineSelection.Name(plan.Engine).ToUpperInvariant()}",
            };
            if (!string.IsNullOrWhiteSpace(settings.Credit)) header.Add(settings.Credit!);
            await DubPreview.WriteAsync(services.Media, plan, request.Portrait, request.Video, result.OutputPath, settings.PreviewPath, header, cancellationToken: cancellationToken);
            return settings.PreviewPath;
        }
        catch (Exception e) when (e is MediaException or IOException or InvalidDataException or UnauthorizedAccessException or OpenCvSharp.OpenCVException or ArgumentException)
        {
            stderr.WriteLine($"dub: warning: the preview sheet was not written ({e.Message}); the dub itself is complete");
            return null;
        }
    }

    /// <summary>
    /// <c>--eval</c>: the output against the portrait, the target video (the original) and the driving audio, added to
    /// report.json as "evaluation". The dub is complete either way; an evaluation that cannot run says why and exits non-zero.
    /// </summary>
    internal static async Task<(int, Core.Evaluation.EvaluationResult?)> EvaluateAsync(JobRequest request, LocalJobResult result, IBlobStore store,
        string? identityModel, TextWriter stderr, CancellationToken cancellationToken)
    {
        var evalRequest = new Core.Evaluation.EvaluationRequest
        {
            Video = result.OutputPath!, Portrait = request.Portrait, Original = request.Video, Audio = request.Audio,
            LongerOutput = EvalCommand.RuleFor(request.Options.LengthPolicy),
        };
        var (code, evaluation) = await EvalCommand.EvaluateAsync(evalRequest, request.Models, identityModel,
            EvalCommand.ImagePathFor(result.OutputPath!, null), stderr, cancellationToken);
        if (evaluation is null)
        {
            stderr.WriteLine($"dub: the evaluation did not run; the dub itself is complete: {result.OutputPath}");
            return (code, null);
        }
        var report = System.Text.Json.Nodes.JsonNode.Parse(await store.ReadTextAsync(result.Result.ReportBlob, CancellationToken.None))!.AsObject();
        report["evaluation"] = JsonSerializer.SerializeToNode(evaluation, EvalCommand.Json);
        await store.WriteTextAsync(result.Result.ReportBlob, report.ToJsonString(EvalCommand.Json), cancellationToken: CancellationToken.None);
        return (DubCommand.Ok, evaluation);
    }


    /// <summary>The name the CLI and job JSON use for an option value ("cross-driven", "ping-pong"), not the C# enum's.</summary>
    private static string JsonName<T>(T value) where T : struct, Enum =>
        JsonSerializer.Serialize(value, JobRequestJson.Options).Trim('"');
}
