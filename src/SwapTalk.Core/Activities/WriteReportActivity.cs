using System.Globalization;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Storage;

namespace SwapTalk.Core.Activities;

/// <summary>WriteReport: stores the job report as JSON (overwriting: the last run of a job reports).</summary>
public sealed class WriteReportActivity(IBlobStore store) : IActivity<WriteReportInput, WriteReportResult>
{
    private const int ParallelReads = 8;

    public async Task<WriteReportResult> RunAsync(WriteReportInput input, CancellationToken cancellationToken)
    {
        var report = input.Report;
        if (input.PlanBlob is not null)
            report = report with { SegmentRecords = await SegmentRecordsAsync(report.JobId, input.PlanBlob, cancellationToken) };
        var name = BlobNames.Report(report.JobId);
        await store.WriteJsonAsync(name, report, cancellationToken: cancellationToken);
        return new WriteReportResult(name);
    }

    /// <summary>The stored segments' own records (metadata of each segment blob); segments not stored are left out.</summary>
    private async Task<SegmentRecord[]> SegmentRecordsAsync(string jobId, string planBlob, CancellationToken cancellationToken)
    {
        var plan = await store.ReadJsonAsync<JobPlan>(planBlob, cancellationToken: cancellationToken);
        var records = new SegmentRecord?[plan.Segments.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, records.Length), new ParallelOptions { MaxDegreeOfParallelism = ParallelReads, CancellationToken = cancellationToken },
            async (index, ct) =>
            {
                if (await store.GetPropertiesAsync(SegmentMetadata.BlobName(jobId, index, plan.Quality), ct) is not { } blob
                    || !blob.Metadata.TryGetValue(SegmentMetadata.Frames, out var frames)) return;
                records[index] = new SegmentRecord(index, Parse(frames), Parse(blob.Metadata.GetValueOrDefault(SegmentMetadata.FramesWithFace, "0")),
                    blob.Metadata.TryGetValue(SegmentMetadata.RenderSeconds, out var s) ? double.Parse(s, CultureInfo.InvariantCulture) : null,
                    blob.Metadata.GetValueOrDefault(SegmentMetadata.Worker));
            });
        return records.OfType<SegmentRecord>().ToArray();

        static int Parse(string value) => int.Parse(value, CultureInfo.InvariantCulture);
    }
}
