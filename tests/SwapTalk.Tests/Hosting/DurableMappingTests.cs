using System.Text.Json;
using SwapTalk.Core.Activities;
using SwapTalk.Core.Hosting.Durable;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Workflow;

namespace SwapTalk.Tests.Hosting;

public class DurableMappingTests
{
    private static readonly WorkflowRetryPolicy Policy = new(4, TimeSpan.FromSeconds(5), 2.0, TimeSpan.FromSeconds(12), TimeSpan.FromMinutes(10));
    private static readonly WorkflowFailureDetails Transient = new("System.IO.IOException", "GPU busy");

    [Fact]
    public async Task A_transient_failure_is_retried_after_the_policys_backoff_until_the_attempts_are_spent()
    {
        var delays = new List<TimeSpan>();
        Task Delay(TimeSpan d)
        {
            delays.Add(d);
            return Task.CompletedTask;
        }

        var decisions = new List<bool>();
        for (var attempts = 1; attempts <= 4; attempts++)
            decisions.Add(await DurableMapping.RetryAsync(Policy, attempts, Transient, TimeSpan.FromSeconds(attempts), Delay));

        decisions.Should().Equal(true, true, true, false);
        delays.Should().Equal(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(12));
    }

    [Fact]
    public async Task Bad_input_anywhere_in_the_chain_is_never_retried_and_never_waited_for()
    {
        var waited = false;
        var badInput = new WorkflowFailureDetails("SwapTalk.Core.Workflow.WorkflowTaskFailedException", "task failed",
            InnerFailure: new WorkflowFailureDetails(typeof(BadInputException).FullName!, "no face"));
        (await DurableMapping.RetryAsync(Policy, 1, badInput, TimeSpan.Zero, _ => { waited = true; return Task.CompletedTask; })).Should().BeFalse();
        waited.Should().BeFalse();
        (await DurableMapping.RetryAsync(Policy, 1, Transient, TimeSpan.FromMinutes(9.95), _ => Task.CompletedTask))
            .Should().BeFalse("the next wait would pass the retry timeout");
    }

    [Fact]
    public void Retry_options_exist_only_where_the_call_has_a_policy()
    {
        DurableMapping.WithRetry(new WorkflowTaskOptions(Policy), p => p.MaxNumberOfAttempts.ToString()).Should().Be("4");
        DurableMapping.WithRetry(new WorkflowTaskOptions(), p => "built").Should().BeNull();
        DurableMapping.WithRetry(null, p => "built").Should().BeNull();
    }

    private sealed record HostFailure(string Type, string Message, string? Stack, HostFailure? Inner);

    [Fact]
    public void A_failure_chain_maps_link_by_link_and_keeps_its_root_cause_type()
    {
        var host = new HostFailure("SwapTalk.Core.Workflow.WorkflowTaskFailedException", "outer", "at X",
            new HostFailure("System.InvalidOperationException", "middle", null, new HostFailure(typeof(BadInputException).FullName!, "no video stream", null, null)));
        var mapped = DurableMapping.Failure(host, f => (f.Type, f.Message, f.Stack, f.Inner));
        mapped.ErrorMessage.Should().Be("outer");
        mapped.StackTrace.Should().Be("at X");
        mapped.InnerFailure!.ErrorType.Should().Be("System.InvalidOperationException");
        mapped.RootCause.ErrorMessage.Should().Be("no video stream");
        mapped.IsCausedBy<BadInputException>().Should().BeTrue();
        WorkflowRetryPolicy.IsRetryable(mapped).Should().BeFalse();
    }

    [Fact]
    public async Task Activities_run_through_the_registry_with_checked_types()
    {
        ActivityCallContext? seen = null;
        var registry = new ActivityRegistry().Add<WriteReportResult, WriteReportResult>("Echo", (input, context, _) =>
        {
            seen = context;
            return Task.FromResult(input with { ReportBlob = input.ReportBlob + "!" });
        });
        var output = await DurableMapping.RunActivityAsync<WriteReportResult, WriteReportResult>(registry, "Echo", new WriteReportResult("r"), "job-1", CancellationToken.None);
        output.Should().Be(new WriteReportResult("r!"));
        seen.Should().Be(new ActivityCallContext("Echo", "job-1", 1));

        var wrong = () => DurableMapping.RunActivityAsync<string, WriteReportResult>(registry, "Echo", "x", null, CancellationToken.None);
        await wrong.Should().ThrowAsync<InvalidOperationException>().WithMessage("*'Echo' is registered as WriteReportResult -> WriteReportResult*binds String -> WriteReportResult*");
        var unknown = () => DurableMapping.RunActivityAsync<string, string>(registry, "Nope", "x", null, CancellationToken.None);
        await unknown.Should().ThrowAsync<UnknownWorkflowTaskException>();
    }

    [Fact]
    public async Task Workflows_run_from_the_catalog_with_their_declared_output_type()
    {
        var catalog = WorkflowCatalog.Default.With<WriteReportResult, WriteReportResult>("Echo", (context, input) =>
            Task.FromResult(input with { ReportBlob = $"{input.ReportBlob} from {context.InstanceId}" }));
        var context = new InputOnlyContext(new WriteReportResult("r"));
        (await DurableMapping.RunWorkflowAsync<WriteReportResult>(catalog, "Echo", context)).Should().Be(new WriteReportResult("r from job-1"));

        var wrong = () => DurableMapping.RunWorkflowAsync<string>(catalog, "Echo", context);
        await wrong.Should().ThrowAsync<InvalidOperationException>().WithMessage("*'Echo' returns WriteReportResult, but the host declares String*");
        var unknown = () => DurableMapping.RunWorkflowAsync<string>(catalog, "Nope", context);
        await unknown.Should().ThrowAsync<UnknownWorkflowTaskException>();
    }

    /// <summary>A context that only hands out an input: enough for a workflow that calls nothing.</summary>
    private sealed class InputOnlyContext(object input) : IWorkflowContext
    {
        public string Name => "Echo";
        public string InstanceId => "job-1";
        public DateTime CurrentUtcDateTime => DateTime.UnixEpoch;
        public bool IsReplaying => false;
        public T? GetInput<T>() => (T)input;
        public Task<TResult> CallActivityAsync<TResult>(string name, object? input = null, WorkflowTaskOptions? options = null) => throw new NotSupportedException();
        public Task<TResult> CallSubWorkflowAsync<TResult>(string name, string? instanceId = null, object? input = null, WorkflowTaskOptions? options = null) => throw new NotSupportedException();
        public Task CreateTimer(DateTime fireAt, CancellationToken cancellationToken) => throw new NotSupportedException();
        public void SetCustomStatus(object? customStatus) => throw new NotSupportedException();
        public Guid NewGuid() => throw new NotSupportedException();
    }

    [Fact]
    public void The_instance_id_is_read_from_binding_data_in_any_form_the_host_sends()
    {
        DurableMapping.InstanceIdOf(new Dictionary<string, object?> { ["instanceId"] = "api-1" }).Should().Be("api-1");
        DurableMapping.InstanceIdOf(new Dictionary<string, object?> { ["InstanceId"] = "\"api-2\"" }).Should().Be("api-2");
        DurableMapping.InstanceIdOf(new Dictionary<string, object?> { ["instanceId"] = JsonSerializer.SerializeToElement("api-3") }).Should().Be("api-3");
        DurableMapping.InstanceIdOf(new Dictionary<string, object?> { ["other"] = "x" }).Should().BeNull();
        DurableMapping.InstanceIdOf(new Dictionary<string, object?> { ["instanceId"] = null }).Should().BeNull();
    }
}
