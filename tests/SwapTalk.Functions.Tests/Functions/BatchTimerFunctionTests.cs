using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using SwapTalk.Core.Storage;
using SwapTalk.Functions.Batch;
using SwapTalk.Functions.Functions;
using SwapTalk.Functions.Settings;
using SwapTalk.Http;
using SwapTalk.Functions.Tests.Host;

namespace SwapTalk.Functions.Tests.Functions;

/// <summary>
/// The batch timer's function on a JSON Lines batch in Azurite, against the Durable test host: its lines start at the
/// configured rate (on a manual clock, so the waits are exact without sleeping) and within the per-run budget; the
/// next run starts the deferred lines and a complete batch is not run again.
/// </summary>
public sealed class BatchTimerFunctionTests : IAsyncLifetime
{
    private readonly ManualTime _time = new(new DateTimeOffset(2026, 11, 21, 3, 0, 0, TimeSpan.Zero));
    private CloudHost _host = null!;
    private BatchTimerFunction _function = null!;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _host = await CloudHost.StartAsync(
            [(AppSettingNames.BatchStartsPerMinute, "2"), (AppSettingNames.BatchMaxStartsPerRun, "4")],
            services => services.AddSingleton<TimeProvider>(_time));
        _function = new BatchTimerFunction(_host.Get<BatchRunner>(), NullLogger<BatchTimerFunction>.Instance);
    }

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    private async Task<List<OrchestrationMetadata>> InstancesAsync()
    {
        var found = new List<OrchestrationMetadata>();
        await foreach (var instance in _host.Client.GetAllInstancesAsync(new OrchestrationQuery { InstanceIdPrefix = TriggerInstanceIds.BatchPrefix }))
            found.Add(instance);
        return found;
    }

    private async Task<BatchReport> ReportAsync(string batch) =>
        await _host.Get<SwapTalk.Core.Hosting.Starting.JobStores>().Input(_host.Batches).ReadJsonAsync<BatchReport>(BatchManifest.ReportName(batch), cancellationToken: Ct);

    [Fact]
    public async Task The_timer_starts_its_lines_at_the_configured_rate_and_defers_what_is_over_the_run_budget()
    {
        foreach (var file in new[] { "face.png", "talk.mp4" }) await _host.UploadAsync(_host.Batches, $"night/{file}", file, Ct);
        var line = CloudHost.Manifest($"{_host.Batches}/night/face.png", $"{_host.Batches}/night/talk.mp4");
        var batch = string.Join('\n', "# five jobs and one bad line", line, line, line, "{ broken", line, line) + "\n";
        await _host.UploadAsync(_host.Batches, "night.jsonl", batch, Ct);

        await _function.Run(new TimerInfo(), _host.Client, Ct);

        // A burst of two, then one start every 30 s (2 per minute); the budget of 4 defers the fifth good line.
        _time.Delays.Should().Equal(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30));
        (await InstancesAsync()).Should().HaveCount(4);
        var report = await ReportAsync("night.jsonl");
        report.Complete.Should().BeFalse();
        report.Lines.Select(l => (l.Line, l.Status)).Should().Equal(
            (2, BatchLineStatus.Started), (3, BatchLineStatus.Started), (4, BatchLineStatus.Started), (5, BatchLineStatus.Rejected),
            (6, BatchLineStatus.Started), (7, BatchLineStatus.Deferred));
        report.Lines.Single(l => l.Status == BatchLineStatus.Rejected).Errors!.Single().Message.Should().Contain("not valid JSON");

        _time.Advance(TimeSpan.FromHours(1));
        await _function.Run(new TimerInfo(), _host.Client, Ct);
        (await InstancesAsync()).Should().HaveCount(5);
        var next = await ReportAsync("night.jsonl");
        next.Complete.Should().BeTrue();
        next.Lines.Single(l => l.Line == 7).Status.Should().Be(BatchLineStatus.Started);

        // A complete batch is not run again: no new job, no new report.
        var written = next.UpdatedUtc;
        await _function.Run(new TimerInfo(), _host.Client, Ct);
        (await InstancesAsync()).Should().HaveCount(5);
        (await ReportAsync("night.jsonl")).UpdatedUtc.Should().Be(written);
    }
}
