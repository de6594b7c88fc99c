using System.Security.Cryptography;
using System.Text.Json.Serialization;
using SwapTalk.Functions.Inbox;
using SwapTalk.Core.Hosting.Manifests;
using SwapTalk.Core.Hosting.Starting;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Storage;
using SwapTalk.Core.Hosting;
using SwapTalk.Functions.Settings;
using SwapTalk.Http;
using SwapTalk.Functions.Http;

namespace SwapTalk.Functions.Batch;

[JsonConverter(typeof(JsonStringEnumConverter<BatchLineStatus>))]
public enum BatchLineStatus
{
    /// <summary>This run started the line's job.</summary>
    [JsonStringEnumMemberName("started")] Started,
    /// <summary>The job was started before (an earlier run, or a run whose report was lost).</summary>
    [JsonStringEnumMemberName("already-started")] AlreadyStarted,
    /// <summary>The line cannot start (bad JSON, bad options, missing input); a failed-job record holds the reason too.</summary>
    [JsonStringEnumMemberName("rejected")] Rejected,
    /// <summary>Not started yet: this run's start budget was spent; a later run starts it.</summary>
    [JsonStringEnumMemberName("deferred")] Deferred,
}

public sealed record BatchLineReport(int Line, string JobId, BatchLineStatus Status, IReadOnlyList<JobInputError>? Errors = null);

/// <summary>
/// The batch report, beside the batch as <c>{batch}.report.json</c>: one entry per job line, whether the batch is
/// complete (nothing deferred), and which version of the batch it describes.
/// </summary>
public sealed record BatchReport
{
    public required string Batch { get; init; }
    public required string Version { get; init; }
    public required DateTime UpdatedUtc { get; init; }
    public bool Complete { get; init; }

    /// <summary>A problem with the whole file (too large); no line was read.</summary>
    public string? Error { get; init; }

    public IReadOnlyList<BatchLineReport> Lines { get; init; } = [];

    public int Started => Lines.Count(l => l.Status == BatchLineStatus.Started);
    public int AlreadyStarted => Lines.Count(l => l.Status == BatchLineStatus.AlreadyStarted);
    public int Rejected => Lines.Count(l => l.Status == BatchLineStatus.Rejected);
    public int Deferred => Lines.Count(l => l.Status == BatchLineStatus.Deferred);
}

public sealed record BatchRunOptions
{
    /// <summary>Most jobs one run starts, over all batches (the rest are deferred to the next run).</summary>
    public int MaxStartsPerRun { get; init; } = 20;

    public int StartsPerMinute { get; init; } = 10;

    /// <summary>Largest line (one manifest), in bytes.</summary>
    public int MaxLineBytes { get; init; } = 65536;

    /// <summary>Largest batch file: 4 MiB is tens of thousands of lines, far more than a day of GPU time.</summary>
    public int MaxBatchBytes { get; init; } = 4 << 20;

    public static BatchRunOptions From(HostSettings settings) => new()
    {
        MaxStartsPerRun = settings.BatchMaxStartsPerRun,
        StartsPerMinute = settings.BatchStartsPerMinute,
        MaxLineBytes = settings.MaxRequestBytes,
    };
}

/// <summary>What one timer run did, over all batches.</summary>
public sealed record BatchRunSummary(IReadOnlyList<BatchReport> Reports)
{
    public int Started => Reports.Sum(r => r.Started);
    public int Deferred => Reports.Sum(r => r.Deferred);
}

/// <summary>
/// The batch timer's work: for every batch manifest, start each line's job with its deterministic id, at most
/// <see cref="BatchRunOptions.MaxStartsPerRun"/> per run and <see cref="BatchRunOptions.StartsPerMinute"/> per minute,
/// and write the batch report. Lines already settled by an earlier run of the same version are not redone, and a
/// complete batch is skipped; a line's problem is recorded and the batch goes on.
/// </summary>
public sealed class BatchRunner(
    IBlobStore batches, CloudManifestReader reader, JobStarter starter, FailedJobRecords records, BatchRunOptions options, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public async Task<BatchRunSummary> RunAsync(IJobInstances instances, CancellationToken cancellationToken)
    {
        var limiter = new StartRateLimiter(options.StartsPerMinute, Math.Min(options.StartsPerMinute, options.MaxStartsPerRun), _time);
        var budget = new StartBudget(options.MaxStartsPerRun);
        var found = new List<BlobItem>();
        await foreach (var item in batches.ListAsync("", cancellationToken))
            if (BatchManifest.IsBatchManifest(item.Name)) found.Add(item);

        var reports = new List<BatchReport>();
        foreach (var batch in found)
            if (await RunBatchAsync(batch, instances, limiter, budget, cancellationToken) is { } report) reports.Add(report);
        return new BatchRunSummary(reports);
    }

    /// <returns>The report written, or null when the batch was already complete.</returns>
    private async Task<BatchReport?> RunBatchAsync(BlobItem batch, IJobInstances instances, StartRateLimiter limiter, StartBudget budget, CancellationToken cancellationToken)
    {
        var name = batch.Name;
        var reportName = BatchManifest.ReportName(name);
        var previous = await ReadReportAsync(reportName, cancellationToken);
        byte[]? content;
        await using (var stream = await batches.OpenReadAsync(name, cancellationToken))
            content = await BoundedRead.ReadAsync(stream, options.MaxBatchBytes, cancellationToken);
        if (content is null)
        {
            // The listed size, not the blob's properties: those would hash the whole oversized file.
            var size = batch.ContentLength;
            var version = $"oversize-{size}-{batch.LastModified.UtcTicks}";
            if (previous is { Complete: true } && previous.Version == version) return null;
            return await WriteReportAsync(reportName, new BatchReport
            {
                Batch = name, Version = version, UpdatedUtc = Now, Complete = true,
                Error = $"the batch is {size} bytes, over the limit of {options.MaxBatchBytes}; split it into several files",
            }, cancellationToken);
        }

        var contentVersion = Convert.ToHexStringLower(SHA256.HashData(content));
        if (previous is { Complete: true } && previous.Version == contentVersion) return null;
        var settled = previous?.Version == contentVersion
            ? previous.Lines.Where(l => l.Status != BatchLineStatus.Deferred).ToDictionary(l => l.Line)
            : [];

        var lines = new List<BatchLineReport>();
        foreach (var line in BatchManifest.Parse(name, contentVersion, content, reader, options.MaxLineBytes))
        {
            if (settled.TryGetValue(line.Number, out var done))
            {
                lines.Add(done);
                continue;
            }
            lines.Add(await StartLineAsync(line, instances, limiter, budget, cancellationToken));
        }
        return await WriteReportAsync(reportName, new BatchReport
        {
            Batch = name, Version = contentVersion, UpdatedUtc = Now,
            Complete = lines.All(l => l.Status != BatchLineStatus.Deferred), Lines = lines,
        }, cancellationToken);
    }

    private async Task<BatchLineReport> StartLineAsync(BatchLine line, IJobInstances instances, StartRateLimiter limiter, StartBudget budget, CancellationToken cancellationToken)
    {
        if (!line.Check.IsValid)
        {
            await records.WriteAsync(line.JobId, line.Check.Parsed, line.Check.Errors, cancellationToken);
            return new BatchLineReport(line.Number, line.JobId, BatchLineStatus.Rejected, Redacted(line.Check.Errors));
        }
        if (budget.Left == 0)
        {
            // A job an earlier, interrupted run started is still found (and not counted against the budget).
            return await instances.GetAsync(line.JobId, cancellationToken) is null
                ? new BatchLineReport(line.Number, line.JobId, BatchLineStatus.Deferred)
                : new BatchLineReport(line.Number, line.JobId, BatchLineStatus.AlreadyStarted);
        }
        var outcome = await starter.StartAsync(line.JobId, line.Check.Manifest!, instances, cancellationToken,
            beforeSchedule: async ct =>
            {
                budget.Take();
                await limiter.AcquireAsync(ct);
            });
        switch (outcome)
        {
            case JobStartOutcome.Started:
                return new BatchLineReport(line.Number, line.JobId, BatchLineStatus.Started);
            case JobStartOutcome.AlreadyExists:
                return new BatchLineReport(line.Number, line.JobId, BatchLineStatus.AlreadyStarted);
            case JobStartOutcome.Rejected rejected:
                await records.WriteAsync(line.JobId, line.Check.Parsed, rejected.Errors, cancellationToken);
                return new BatchLineReport(line.Number, line.JobId, BatchLineStatus.Rejected, Redacted(rejected.Errors));
            default:
                throw new InvalidOperationException($"unexpected start outcome {outcome}");
        }
    }

    private static IReadOnlyList<JobInputError> Redacted(IReadOnlyList<JobInputError> errors) =>
        errors.Select(e => new JobInputError(Redaction.Echo(e.Input), Redaction.Message(e.Message))).ToList();

    private DateTime Now => _time.GetUtcNow().UtcDateTime;

    private async Task<BatchReport?> ReadReportAsync(string reportName, CancellationToken cancellationToken)
    {
        if (!await batches.ExistsAsync(reportName, cancellationToken)) return null;
        try
        {
            return await batches.ReadJsonAsync<BatchReport>(reportName, cancellationToken: cancellationToken);
        }
        catch (BlobStoreException)
        {
            // An unreadable report (edited by hand, older format) is replaced; the job ids make redoing lines safe.
            return null;
        }
    }

    private async Task<BatchReport> WriteReportAsync(string reportName, BatchReport report, CancellationToken cancellationToken)
    {
        await batches.WriteJsonAsync(reportName, report, cancellationToken: cancellationToken);
        return report;
    }

    private sealed class StartBudget(int starts)
    {
        public int Left { get; private set; } = starts;
        public void Take() => Left--;
    }
}
