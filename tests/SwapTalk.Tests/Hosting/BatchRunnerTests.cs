using System.Text;
using SwapTalk.Core.Activities;
using SwapTalk.Core.Hosting.Batch;
using SwapTalk.Core.Hosting.Manifests;
using SwapTalk.Core.Hosting.Starting;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Storage;
using SwapTalk.Tests.Workflow;

namespace SwapTalk.Tests.Hosting;

/// <summary>The batch timer's logic: one job per line with deterministic ids, bounded starts, a report per batch.</summary>
public sealed class BatchRunnerTests : IAsyncLifetime
{
    private readonly HostingFixture _host = new();
    private readonly ManualTime _time = new(new DateTimeOffset(2026, 11, 21, 3, 0, 0, TimeSpan.Zero));
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;
    public ValueTask DisposeAsync() => _host.DisposeAsync();

    private BatchRunner Runner(int maxStarts = 20, int perMinute = 60) =>
        new(_host.Batches, _host.Reader, _host.Starter, _host.Records,
            new BatchRunOptions { MaxStartsPerRun = maxStarts, StartsPerMinute = perMinute, MaxLineBytes = 4096, MaxBatchBytes = 64 * 1024 }, _time);

    private async Task<string[]> UploadJobsAsync(int count)
    {
        var lines = new string[count];
        for (var i = 0; i < count; i++)
            lines[i] = await _host.UploadAsync($"b{i}", new VideoDescriptor(10, "25"), null, new JobOptions { SegmentFrames = 10 }, ct: Ct);
        return lines;
    }

    [Fact]
    public void Lines_are_numbered_as_in_the_file_skipping_blanks_and_comments()
    {
        var text = "\uFEFF# nightly dubbing\r\n{\"a\":1}\r\n\r\n   // a note\r\n  \r\n{ broken\n{\"b\":2}";
        var lines = BatchManifest.Parse("n.jsonl", "v1", Encoding.UTF8.GetBytes(text), _host.Reader, 4096);
        lines.Select(l => l.Number).Should().Equal(2, 6, 7);
        lines.Select(l => l.JobId).Should().Equal(
            TriggerInstanceIds.FromBatchLine("n.jsonl", "v1", 2), TriggerInstanceIds.FromBatchLine("n.jsonl", "v1", 6), TriggerInstanceIds.FromBatchLine("n.jsonl", "v1", 7));
        lines[0].Check.Errors.Single().Input.Should().Be("a", "each line is validated as a manifest");
        lines[1].Check.Errors.Single().Message.Should().StartWith("not valid JSON");
        lines[1].Check.Errors.Single().Input.Should().Be("line 6");

        var longLine = BatchManifest.Parse("n.jsonl", "v1", Encoding.UTF8.GetBytes(new string(' ', 10) + "{" + new string('x', 5000) + "}"), _host.Reader, 4096);
        longLine.Single().Check.Errors.Single().Message.Should().Contain("over the limit of 4096");
        BatchManifest.IsBatchManifest("2026/11/nightly.jsonl").Should().BeTrue();
        BatchManifest.IsBatchManifest("2026/11/nightly.jsonl.report.json").Should().BeFalse();
    }

    [Fact]
    public async Task Bad_lines_are_reported_without_stopping_the_batch_and_starts_beyond_the_budget_wait_for_the_next_run()
    {
        var jobs = await UploadJobsAsync(3);
        var missing = jobs[0].Replace("b0/talk.json", "b0/absent.json");
        var text = string.Join("\n", "# three good, three bad", jobs[0], "{ not json", jobs[1], "{\"portrait\":\"inbox/b1/face.json\",\"video\":\"inbox/b1/talk.json\",\"options\":{\"crf\":3}}", missing, "", jobs[2]);
        await _host.Batches.WriteTextAsync("nightly.jsonl", text, cancellationToken: Ct);

        var first = await Runner(maxStarts: 2).RunAsync(_host.Instances, Ct);

        var report = first.Reports.Single();
        report.Batch.Should().Be("nightly.jsonl");
        report.Lines.Select(l => (l.Line, l.Status)).Should().Equal(
            (2, BatchLineStatus.Started), (3, BatchLineStatus.Rejected), (4, BatchLineStatus.Started),
            (5, BatchLineStatus.Rejected), (6, BatchLineStatus.Deferred), (8, BatchLineStatus.Deferred));
        report.Complete.Should().BeFalse();
        report.Lines.Single(l => l.Line == 5).Errors!.Single().Input.Should().Be("options.crf");
        foreach (var rejected in report.Lines.Where(l => l.Status == BatchLineStatus.Rejected))
            (await _host.ReportAsync(rejected.JobId, Ct))!.Failure!.Step.Should().Be(FailedJobRecords.Step, "a rejected line's id answers status queries too");
        (await _host.Batches.ReadJsonAsync<BatchReport>("nightly.jsonl.report.json", cancellationToken: Ct)).Lines.Should().HaveCount(6);
        // Inputs are looked up only when a line's turn to start comes (deferred lines cost no requests).

        var second = (await Runner(maxStarts: 2).RunAsync(_host.Instances, Ct)).Reports.Single();
        second.Lines.Select(l => l.Status).Should().Equal(BatchLineStatus.Started, BatchLineStatus.Rejected, BatchLineStatus.Started,
            BatchLineStatus.Rejected, BatchLineStatus.Rejected, BatchLineStatus.Started);
        second.Started.Should().Be(3);
        second.Lines.Single(l => l.Line == 6).Errors!.Single().Message.Should().Contain("'inbox/b0/absent.json' does not exist");
        second.Complete.Should().BeTrue();

        (await Runner().RunAsync(_host.Instances, Ct)).Reports.Should().BeEmpty("a complete batch is skipped");
        foreach (var line in second.Lines.Where(l => l.Status == BatchLineStatus.Started))
            (await _host.Instances.WaitAsync(line.JobId, Ct)).State.Should().Be(JobRuntimeState.Completed);
        _host.Activities.Rendered.Should().HaveCount(3, "three jobs of one segment each, each started once");
    }

    [Fact]
    public async Task A_repeated_run_after_a_lost_report_finds_the_jobs_it_started()
    {
        var jobs = await UploadJobsAsync(2);
        await _host.Batches.WriteTextAsync("again.jsonl", string.Join("\n", jobs), cancellationToken: Ct);
        var first = (await Runner().RunAsync(_host.Instances, Ct)).Reports.Single();
        await _host.Batches.DeleteAsync("again.jsonl.report.json", Ct);

        var second = (await Runner().RunAsync(_host.Instances, Ct)).Reports.Single();
        second.Lines.Select(l => l.Status).Should().OnlyContain(s => s == BatchLineStatus.AlreadyStarted);
        second.Lines.Select(l => l.JobId).Should().Equal(first.Lines.Select(l => l.JobId));
    }

    [Fact]
    public async Task Starts_are_spread_by_the_rate_limit_on_the_injected_clock()
    {
        var jobs = await UploadJobsAsync(5);
        await _host.Batches.WriteTextAsync("paced.jsonl", string.Join("\n", jobs), cancellationToken: Ct);
        var start = _time.GetUtcNow();

        var report = (await Runner(maxStarts: 5, perMinute: 2).RunAsync(_host.Instances, Ct)).Reports.Single();

        report.Started.Should().Be(5);
        _time.GetUtcNow().Should().Be(start + TimeSpan.FromSeconds(90), "a burst of 2, then one every 30 s");
        _time.Delays.Should().Equal(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30));
        report.UpdatedUtc.Should().Be((start + TimeSpan.FromSeconds(90)).UtcDateTime);
    }

    [Fact]
    public async Task A_changed_batch_is_a_new_batch_with_new_job_ids()
    {
        var jobs = await UploadJobsAsync(2);
        await _host.Batches.WriteTextAsync("edit.jsonl", jobs[0], cancellationToken: Ct);
        var before = (await Runner().RunAsync(_host.Instances, Ct)).Reports.Single();
        await _host.Batches.WriteTextAsync("edit.jsonl", jobs[0] + "\n" + jobs[1], cancellationToken: Ct);
        var after = (await Runner().RunAsync(_host.Instances, Ct)).Reports.Single();

        after.Version.Should().NotBe(before.Version);
        after.Lines.Should().HaveCount(2).And.OnlyContain(l => l.Status == BatchLineStatus.Started);
        after.Lines[0].JobId.Should().NotBe(before.Lines[0].JobId);
    }

    [Fact]
    public async Task Only_jsonl_blobs_are_batches_and_an_oversized_one_is_reported_once()
    {
        await _host.Batches.WriteTextAsync("notes.txt", "not a batch", cancellationToken: Ct);
        await _host.Batches.WriteTextAsync("huge.jsonl", new string('#', 70 * 1024), cancellationToken: Ct);

        var first = await Runner().RunAsync(_host.Instances, Ct);
        var report = first.Reports.Single();
        report.Batch.Should().Be("huge.jsonl");
        report.Error.Should().Contain("over the limit of 65536").And.Contain("split it");
        report.Complete.Should().BeTrue();
        (await Runner().RunAsync(_host.Instances, Ct)).Reports.Should().BeEmpty();
    }
}
