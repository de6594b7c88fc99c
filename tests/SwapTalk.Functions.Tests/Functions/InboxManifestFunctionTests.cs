using Azure.Storage.Blobs;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging.Abstractions;
using SwapTalk.Core.Activities;
using SwapTalk.Core.Hosting.Starting;
using SwapTalk.Core.Storage;
using SwapTalk.Functions.Functions;
using SwapTalk.Functions.Inbox;
using SwapTalk.Functions.Settings;
using SwapTalk.Http;
using SwapTalk.Functions.Tests.Host;

namespace SwapTalk.Functions.Tests.Functions;

/// <summary>
/// The inbox blob trigger's function on a manifest uploaded to Azurite, against the Durable test host: one job per
/// manifest version however often the event is delivered; a bad or hostile manifest leaves a failed-job record and
/// returns normally (an exception would only make the runtime redeliver it until it lands in the poison queue).
/// </summary>
public sealed class InboxManifestFunctionTests : IAsyncLifetime
{
    private CloudHost _host = null!;
    private InboxManifestFunction _function = null!;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _host = await CloudHost.StartAsync([(AppSettingNames.MaxRequestBytes, "2048")]);
        _function = new InboxManifestFunction(_host.Get<InboxManifestHandler>(), NullLogger<InboxManifestFunction>.Instance);
    }

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    private BlobClient Blob(string name) => _host.Blobs.GetBlobContainerClient(_host.Inbox).GetBlobClient(name);

    private async Task<string> UploadManifestAsync(string name, string content)
    {
        await _host.UploadAsync(_host.Inbox, name, content, Ct);
        var etag = (await Blob(name).GetPropertiesAsync(cancellationToken: Ct)).Value.ETag.ToString();
        return TriggerInstanceIds.FromInboxBlob(name, etag);
    }

    private async Task<List<string>> InstanceIdsAsync()
    {
        var ids = new List<string>();
        await foreach (var instance in _host.Client.GetAllInstancesAsync(new OrchestrationQuery { InstanceIdPrefix = TriggerInstanceIds.InboxPrefix }))
            ids.Add(instance.InstanceId);
        return ids;
    }

    private async Task<JobReport?> ReportAsync(string jobId)
    {
        var jobs = _host.Get<JobStores>().Jobs;
        return await jobs.ExistsAsync(BlobNames.Report(jobId), Ct) ? await jobs.ReadJsonAsync<JobReport>(BlobNames.Report(jobId), cancellationToken: Ct) : null;
    }

    [Fact]
    public async Task An_uploaded_manifest_starts_one_job_also_when_the_event_is_delivered_twice()
    {
        var manifest = await _host.UploadInputsAsync("alice", Ct);
        var jobId = await UploadManifestAsync("alice/job.json", manifest);

        await _function.Run(Blob("alice/job.json"), _host.Client, Ct);
        var first = await _host.WaitForStatusAsync(jobId, Ct);
        await _function.Run(Blob("alice/job.json"), _host.Client, Ct);

        (await InstanceIdsAsync()).Should().Equal(jobId);
        var second = await _host.Client.GetInstanceAsync(jobId, Ct);
        second!.CreatedAt.Should().Be(first.CreatedAt, "the second delivery found the job and started nothing");
        first.ReadInputAs<CloudDubJobInput>()!.Portrait.Should().Be($"{_host.Inbox}/alice/face.png");
        (await _host.FinishAsync(jobId, Ct)).RuntimeStatus.Should().Be(OrchestrationRuntimeStatus.Completed);

        // Uploading the manifest again is a new version, so a new job.
        var again = await UploadManifestAsync("alice/job.json", manifest);
        again.Should().NotBe(jobId);
        await _function.Run(Blob("alice/job.json"), _host.Client, Ct);
        (await InstanceIdsAsync()).Should().BeEquivalentTo([jobId, again]);
    }

    [Theory]
    [InlineData("{ \"portrait\": ", "not valid JSON")]
    [InlineData("""{ "portrait": "INBOX/nobody/face.png", "video": "INBOX/nobody/talk.mp4" }""", "video: blob 'INBOX/nobody/talk.mp4' does not exist")]
    [InlineData("""{ "portrait": "https://acct.blob.core.windows.net/inbox/f.png?sv=1&sig=LEAKED", "video": "INBOX/x/talk.mp4" }""", "is a URL")]
    [InlineData("""{ "portrait": "INBOX/../../etc/passwd", "video": "INBOX/x/talk.mp4" }""", "portrait:")]
    [InlineData("""{ "portrait": "elsewhere/face.png", "video": "INBOX/x/talk.mp4" }""", "is not one inputs are read from")]
    public async Task A_manifest_naming_a_missing_or_hostile_blob_fails_with_a_record_not_a_crash(string content, string reason)
    {
        var jobId = await UploadManifestAsync("carol/job.json", content.Replace("INBOX", _host.Inbox));

        await _function.Run(Blob("carol/job.json"), _host.Client, Ct);

        (await _host.Client.GetInstanceAsync(jobId, Ct)).Should().BeNull("nothing was started");
        var report = (await ReportAsync(jobId))!;
        report.Outcome.Should().Be(JobOutcome.Failed);
        report.Failure!.Step.Should().Be(FailedJobRecords.Step);
        report.Failure.BadInput.Should().BeTrue();
        report.Failure.Message.Should().Contain(reason.Replace("INBOX", _host.Inbox));
        report.Failure.Message.Should().NotContain("LEAKED", "SAS tokens are redacted");
        report.Inputs.Portrait.Should().NotContain("LEAKED");

        // A redelivery keeps the first record and still starts nothing.
        await _function.Run(Blob("carol/job.json"), _host.Client, Ct);
        (await InstanceIdsAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task An_oversized_manifest_is_rejected_and_a_deleted_one_is_no_error()
    {
        var jobId = await UploadManifestAsync("dave/big.json", "{\"portrait\":\"" + new string('x', 5000) + "\"}");
        await _function.Run(Blob("dave/big.json"), _host.Client, Ct);
        (await ReportAsync(jobId))!.Failure!.Message.Should().Contain("over the limit of 2048 bytes");

        var gone = Blob("dave/deleted.json");
        await _function.Run(gone, _host.Client, Ct);
        (await InstanceIdsAsync()).Should().BeEmpty();
    }
}
