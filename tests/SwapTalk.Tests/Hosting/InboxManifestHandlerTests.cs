using SwapTalk.Core.Activities;
using SwapTalk.Core.Hosting.Inbox;
using SwapTalk.Core.Hosting.Manifests;
using SwapTalk.Core.Hosting.Starting;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Storage;
using SwapTalk.Core.Workflow;
using SwapTalk.Tests.Workflow;

namespace SwapTalk.Tests.Hosting;

/// <summary>The inbox blob trigger's logic: one job per manifest version, failed-job records instead of poison loops.</summary>
public sealed class InboxManifestHandlerTests : IAsyncLifetime
{
    private readonly HostingFixture _host = new(maxRequestBytes: 2048);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;
    public ValueTask DisposeAsync() => _host.DisposeAsync();

    private Task<InboxOutcome> Deliver(string name, string etag, string content, IJobInstances? instances = null) =>
        _host.InboxHandler.HandleAsync(name, etag, HostingFixture.Utf8(content), instances ?? _host.Instances, Ct);

    [Fact]
    public async Task A_good_manifest_starts_one_job_and_a_repeated_delivery_starts_nothing()
    {
        var manifest = await _host.UploadAsync("alice", new VideoDescriptor(30, "25"), new AudioDescriptor(1.5), ct: Ct);
        var first = await Deliver("alice/job.json", "\"0x8DC01\"", manifest);
        var jobId = TriggerInstanceIds.FromInboxBlob("alice/job.json", "0x8DC01");
        first.Should().Be(new InboxOutcome.Started("alice/job.json", jobId));

        var again = await Deliver("alice/job.json", "0x8DC01", manifest);
        again.Should().Be(new InboxOutcome.Duplicate("alice/job.json", jobId), "Event Grid delivers at least once");

        var done = await _host.Instances.WaitAsync(jobId, Ct);
        done.State.Should().Be(JobRuntimeState.Completed);
        WorkflowJson.Deserialize<DubJobResult>(done.OutputJson)!.OutputFrames.Should().Be(38);
        (await Deliver("alice/job.json", "0x8DC01", manifest)).Should().BeOfType<InboxOutcome.Duplicate>("a finished job is not started again either");
        _host.Activities.Rendered.Should().HaveCount(2, "one job, rendered once");
    }

    [Fact]
    public async Task A_new_version_of_the_manifest_is_a_new_job()
    {
        var manifest = await _host.UploadAsync("bob", new VideoDescriptor(10, "25"), null, ct: Ct);
        var first = (InboxOutcome.Started)await Deliver("bob/job.json", "0x1", manifest);
        var second = (InboxOutcome.Started)await Deliver("bob/job.json", "0x2", manifest);
        second.JobId.Should().NotBe(first.JobId);
        (await _host.Instances.WaitAsync(first.JobId, Ct)).State.Should().Be(JobRuntimeState.Completed);
        (await _host.Instances.WaitAsync(second.JobId, Ct)).State.Should().Be(JobRuntimeState.Completed);
    }

    [Theory]
    [InlineData("{ \"portrait\": ", "carol/bad-json.json", "carol/bad-json.json: not valid JSON*")]
    [InlineData("""{ "portrait": "inbox/carol/face.json", "video": "inbox/carol/talk.json", "options": { "segmentFrames": -1 } }""",
        "carol/bad-options.json", "options.segmentFrames: -1 is out of range*")]
    [InlineData("""{ "portrait": "inbox/carol/face.json", "video": "inbox/carol/nothing.mp4" }""", "carol/missing.json",
        "video: blob 'inbox/carol/nothing.mp4' does not exist*")]
    [InlineData("""{ "portrait": "https://acct.blob.core.windows.net/inbox/f.png?sv=1&sig=LEAKED", "video": "inbox/carol/talk.json" }""",
        "carol/url.json", "portrait: 'https://acct.blob.core.windows.net/inbox/f.png?[redacted]' is a URL*")]
    public async Task A_bad_manifest_gets_a_failed_job_record_with_the_reason_and_no_exception(string content, string name, string reason)
    {
        await _host.UploadAsync("carol", new VideoDescriptor(10, "25"), null, ct: Ct);
        var outcome = await Deliver(name, "0xA", content);

        var rejected = outcome.Should().BeOfType<InboxOutcome.Rejected>().Which;
        rejected.JobId.Should().Be(TriggerInstanceIds.FromInboxBlob(name, "0xA"));
        (await _host.Instances.GetAsync(rejected.JobId, Ct)).Should().BeNull("nothing was started");
        var report = (await _host.ReportAsync(rejected.JobId, Ct))!;
        report.Outcome.Should().Be(JobOutcome.Failed);
        report.Failure!.Step.Should().Be(FailedJobRecords.Step);
        report.Failure.BadInput.Should().BeTrue();
        report.Failure.Message.Should().Match("bad input*: " + reason);
        report.Failure.Message.Should().NotContain("LEAKED");
        report.Inputs.Portrait.Should().NotContain("LEAKED");

        var stamp = (await _host.Jobs.GetPropertiesAsync($"jobs/{rejected.JobId}/report.json", Ct))!.LastModified;
        (await Deliver(name, "0xA", content)).Should().BeOfType<InboxOutcome.Rejected>();
        (await _host.Jobs.GetPropertiesAsync($"jobs/{rejected.JobId}/report.json", Ct))!.LastModified.Should().Be(stamp, "the first record stays");
    }

    [Fact]
    public async Task An_oversized_manifest_is_rejected_without_being_read_whole()
    {
        var outcome = await Deliver("dave/big.json", "0x1", "{\"portrait\":\"" + new string('x', 5000) + "\"}");
        var rejected = outcome.Should().BeOfType<InboxOutcome.Rejected>().Which;
        rejected.Errors.Single().Message.Should().Be("the manifest is over the limit of 2048 bytes");
        (await _host.ReportAsync(rejected.JobId, Ct))!.Failure!.Message.Should().Contain("2048 bytes");
    }

    [Theory]
    [InlineData("eve/face.png")]
    [InlineData("eve/job.json.tmp")]
    [InlineData("eve/notes.txt")]
    public async Task Blobs_that_are_not_manifests_are_left_alone(string name)
    {
        var outcome = await Deliver(name, "0x1", "{}");
        outcome.Should().BeOfType<InboxOutcome.Ignored>().Which.Reason.Should().Contain(".json");
        (await _host.Jobs.ListAsync("jobs/", Ct).CountAsync(Ct)).Should().Be(0);
    }

    [Fact]
    public async Task Losing_the_race_for_the_id_to_a_parallel_delivery_counts_as_a_duplicate()
    {
        var manifest = await _host.UploadAsync("frank", new VideoDescriptor(10, "25"), null, ct: Ct);
        var racing = new RacingInstances(_host.Instances);
        var outcome = await Deliver("frank/job.json", "0x1", manifest, racing);
        outcome.Should().BeOfType<InboxOutcome.Duplicate>();
        racing.StartCalls.Should().Be(1);
        (await _host.Instances.WaitAsync(outcome.As<InboxOutcome.Duplicate>().JobId, Ct)).State.Should().Be(JobRuntimeState.Completed);
    }

    [Fact]
    public async Task Storage_failures_escape_so_the_runtime_retries_the_delivery()
    {
        var manifest = await _host.UploadAsync("gina", new VideoDescriptor(10, "25"), null, ct: Ct);
        var down = new UnavailableInstances();
        var deliver = () => Deliver("gina/job.json", "0x1", manifest, down);
        await deliver.Should().ThrowAsync<IOException>().WithMessage("scheduler unavailable");
    }

    /// <summary>Another delivery schedules the same id between our check and our start; ours then fails.</summary>
    private sealed class RacingInstances(LocalJobInstances inner) : IJobInstances
    {
        public int StartCalls { get; private set; }
        public Task<JobInstanceInfo?> GetAsync(string instanceId, CancellationToken cancellationToken) => inner.GetAsync(instanceId, cancellationToken);
        public Task CancelAsync(string instanceId, string reason, CancellationToken cancellationToken) => inner.CancelAsync(instanceId, reason, cancellationToken);

        public async Task StartAsync(string workflowName, string instanceId, object input, CancellationToken cancellationToken)
        {
            StartCalls++;
            await inner.StartAsync(workflowName, instanceId, input, cancellationToken);
            await inner.StartAsync(workflowName, instanceId, input, cancellationToken);
        }
    }

    private sealed class UnavailableInstances : IJobInstances
    {
        public Task<JobInstanceInfo?> GetAsync(string instanceId, CancellationToken cancellationToken) => throw new IOException("scheduler unavailable");
        public Task StartAsync(string workflowName, string instanceId, object input, CancellationToken cancellationToken) => throw new IOException("scheduler unavailable");
        public Task CancelAsync(string instanceId, string reason, CancellationToken cancellationToken) => throw new IOException("scheduler unavailable");
    }
}
