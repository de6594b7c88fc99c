using System.Text.Json;
using System.Text.Json.Serialization;
using SwapTalk.Core.Activities;
using SwapTalk.Core.Evaluation;
using SwapTalk.Core.Execution;
using SwapTalk.Core.FollowUps;

namespace SwapTalk.Cli.Commands;

/// <summary>How a finished <c>swaptalk dub</c> ends on stdout: one JSON object with <c>--json</c>, else the summary lines.</summary>
internal static class DubResultOutput
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.Never };

    public static void Write(TextWriter stdout, DubSettings settings, LocalJobResult result, JobReport report, IReadOnlyList<ReportNote> notes,
        string? previewPath, EvaluationResult? evaluation, TimeSpan elapsed)
    {
        var outputPath = result.OutputPath!;
        var reportPath = Path.Combine(settings.WorkDirectory, result.Result.ReportBlob);
        var peak = ProcessMemory.PeakBytes();
        if (settings.Json)
        {
            stdout.WriteLine(JsonSerializer.Serialize(new DubJsonResult(outputPath, reportPath, result.Result.JobId, result.Result.OutputFrames,
                result.Result.FramesWithFace, result.Result.SegmentsRendered, result.Result.SegmentsReused, elapsed.TotalSeconds, peak, previewPath,
                evaluation?.Image, notes.Select(n => n.Text).ToList()), Json));
            return;
        }
        DubProgress.Summary(stdout, report, outputPath, reportPath, elapsed, settings.TelemetryPath);
        foreach (var note in notes) stdout.WriteLine($"dub: {note.Text}");
        if (previewPath is not null) stdout.WriteLine($"dub: preview: {previewPath}");
        if (evaluation is not null) EvaluationSummary.Write(stdout, evaluation);
    }
}
