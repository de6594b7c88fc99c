using System.Text.Json;
using SwapTalk.Core.Activities;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Workflow;
using SwapTalk.Http;

namespace SwapTalk.Functions.Tests.Triggers;

public class JobStatusProjectionTests
{
    private static readonly DateTimeOffset Created = new(2026, 11, 21, 8, 0, 0, TimeSpan.Zero);
    private static readonly JobLinks Links = JobLinks.For(RequestBodyTests.Json("https://app.example/api/jobs/job-1?code=KEY", ""), "job-1");

    private static JobInstanceInfo Instance(JobRuntimeState state, JobStatus? status = null, string? output = null, string? failure = null) =>
        new("job-1", state, Created, Created.AddMinutes(3), status is null ? null : JsonSerializer.Serialize(status, WorkflowJson.Options), output, failure);

    private static JobReport Report(JobOutcome outcome, JobFailure? failure = null, string? output = null) => new()
    {
        JobId = "job-1", Outcome = outcome, LengthPolicy = LengthPolicy.PingPong, Inputs = new JobInputBlobs("p", "v", null),
        StartedUtc = Created.UtcDateTime, FinishedUtc = Created.UtcDateTime.AddMinutes(5), Failure = failure, OutputBlob = output,
    };

    [Theory]
    [InlineData("Pending", "pending")]
    [InlineData("Running", "running")]
    [InlineData("ContinuedAsNew", "running")]
    [InlineData("Suspended", "running")]
    [InlineData("Completed", "succeeded")]
    [InlineData("Failed", "failed")]
    [InlineData("Terminated", "canceled")]
    [InlineData("Canceled", "canceled")]
    [InlineData("SomethingNew", "unknown")]
    public void Every_durable_status_maps_to_an_api_status(string durable, string expected) =>
        JobStatusProjection.Project("job-1", Instance(JobRuntimeStates.FromDurableName(durable)), null, Links)!.Status.Should().Be(expected);

    [Fact]
    public void A_running_job_shows_its_phase_and_progress_from_the_custom_status()
    {
        var view = JobStatusProjection.Project("job-1", Instance(JobRuntimeState.Running, new JobStatus(JobStatus.Rendering, 3, 10, 300, 1000)), null, Links)!;
        view.Phase.Should().Be("rendering");
        view.Progress.Should().Be(new JobProgressView(3, 10, 300, 1000, 30.0));
        view.IsFinished.Should().BeFalse();
        view.Failure.Should().BeNull();
        view.CreatedAt.Should().Be(Created);
        view.Links.Status.Should().Be(new Uri("https://app.example/api/jobs/job-1"), "links never carry the caller's key");
        view.Links.Result.Should().Be(new Uri("https://app.example/api/jobs/job-1/result"));
        view.Links.Cancel.Should().Be(new Uri("https://app.example/api/jobs/job-1/cancel"));

        JobStatusProjection.Project("job-1", Instance(JobRuntimeState.Running, new JobStatus(JobStatus.Planning, 0, 0, 0, 0)), null, Links)!
            .Progress!.Percent.Should().BeNull("no total is known while planning");
        JobStatusProjection.Project("job-1", Instance(JobRuntimeState.Running), null, Links)!.Progress.Should().BeNull();
        var broken = new JobInstanceInfo("job-1", JobRuntimeState.Running, Created, Created, "{not json");
        JobStatusProjection.Project("job-1", broken, null, Links)!.Phase.Should().BeNull("a status that is not a JobStatus is ignored");
    }

    [Fact]
    public void A_finished_job_names_its_output_from_the_workflow_result()
    {
        var output = JsonSerializer.Serialize(new DubJobResult("job-1", "jobs/job-1/output/dub.mp4", "jobs/job-1/report.json", 100, 90, 5, 0), WorkflowJson.Options);
        var view = JobStatusProjection.Project("job-1", Instance(JobRuntimeState.Completed, new JobStatus(JobStatus.Done, 5, 5, 100, 100), output), null, Links)!;
        view.Status.Should().Be("succeeded");
        view.OutputBlob.Should().Be("jobs/job-1/output/dub.mp4");
        view.Progress!.Percent.Should().Be(100);
    }

    [Fact]
    public void A_failure_is_explained_by_the_report_when_there_is_one_and_redacted_either_way()
    {
        var report = Report(JobOutcome.Failed, new JobFailure("prepare", typeof(BadInputException).FullName!, "no face found in 'jobs/x/input/portrait.png'", true));
        var view = JobStatusProjection.Project("job-1", Instance(JobRuntimeState.Failed, failure: "task 'PrepareSource' failed"), report, Links)!;
        view.Failure.Should().Be(new JobFailureView("prepare", "no face found in 'jobs/x/input/portrait.png'", true));

        var bare = JobStatusProjection.Project("job-1", Instance(JobRuntimeState.Failed, failure: "see https://a/b?sig=SECRET"), null, Links)!;
        bare.Failure!.Step.Should().Be("unknown");
        bare.Failure.Message.Should().NotContain("SECRET");

        JobStatusProjection.Project("job-1", Instance(JobRuntimeState.Terminated, failure: "canceled through the API"), null, Links)!
            .Failure.Should().Be(new JobFailureView("canceled", "canceled through the API", false));
    }

    [Fact]
    public void A_job_rejected_by_its_trigger_has_only_its_failed_record_and_is_failed()
    {
        var record = Report(JobOutcome.Failed, new JobFailure("validate", typeof(BadInputException).FullName!, "bad input: options.segmentFrames: 0 is out of range", true));
        var view = JobStatusProjection.Project("job-1", null, record, Links)!;
        view.Status.Should().Be("failed");
        view.Phase.Should().Be("failed");
        view.Failure!.Step.Should().Be("validate");
        view.IsFinished.Should().BeTrue();

        JobStatusProjection.Project("job-1", null, Report(JobOutcome.Succeeded, output: "jobs/job-1/output/dub.mp4"), Links)!
            .Should().Match<JobStatusView>(v => v.Status == "succeeded" && v.OutputBlob == "jobs/job-1/output/dub.mp4", "history purged, report kept");
        JobStatusProjection.Project("job-1", null, null, Links).Should().BeNull();
    }

    [Fact]
    public void Links_follow_the_forwarded_scheme_and_keep_a_local_port()
    {
        JobLinks.For(RequestBodyTests.Json("http://app.example/api/jobs", "", ("X-Forwarded-Proto", "https")), "a").Status
            .Should().Be(new Uri("https://app.example/api/jobs/a"));
        JobLinks.For(RequestBodyTests.Json("http://localhost:7071/api/jobs?code=x", ""), "a").Cancel
            .Should().Be(new Uri("http://localhost:7071/api/jobs/a/cancel"));
        JobLinks.For(RequestBodyTests.Json("http://localhost:7071/api/jobs", "", ("X-Forwarded-Proto", "gopher")), "a").Status.Scheme.Should().Be("http");
    }
}
