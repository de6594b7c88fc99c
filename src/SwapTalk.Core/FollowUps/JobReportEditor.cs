using System.Text.Json;
using System.Text.Json.Nodes;
using SwapTalk.Core.Evaluation;
using SwapTalk.Core.Storage;

namespace SwapTalk.Core.FollowUps;

/// <summary>
/// Adds what is learnt after a job to its report.json, keeping every field the job wrote: notes about the written
/// output, the evaluation. Edits ignore cancellation: a report is never left half-written.
/// </summary>
public sealed class JobReportEditor(IBlobStore store)
{
    public async Task AddNotesAsync(string reportBlob, IReadOnlyList<ReportNote> notes)
    {
        ArgumentNullException.ThrowIfNull(notes);
        var report = await ReadAsync(reportBlob);
        var list = report["notes"] as JsonArray ?? [];
        foreach (var note in notes)
        {
            list.Add(note.Text);
            if (note.Value is not null) report[note.Key] = JsonSerializer.SerializeToNode(note.Value);
        }
        report["notes"] = list;
        await WriteAsync(reportBlob, report);
    }

    /// <summary>The evaluation under "evaluation".</summary>
    public async Task AddEvaluationAsync(string reportBlob, EvaluationResult evaluation)
    {
        var report = await ReadAsync(reportBlob);
        report["evaluation"] = JsonSerializer.SerializeToNode(evaluation, FollowUpJson.Options);
        await WriteAsync(reportBlob, report);
    }

    private async Task<JsonObject> ReadAsync(string reportBlob) =>
        JsonNode.Parse(await store.ReadTextAsync(reportBlob, CancellationToken.None))!.AsObject();

    private Task WriteAsync(string reportBlob, JsonObject report) =>
        store.WriteTextAsync(reportBlob, report.ToJsonString(FollowUpJson.Options), cancellationToken: CancellationToken.None);
}
