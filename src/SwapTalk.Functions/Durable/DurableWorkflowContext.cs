using Microsoft.DurableTask;
using SwapTalk.Core.Hosting.Durable;
using SwapTalk.Core.Workflow;
using SwapTalk.Core.Hosting;
using SwapTalk.Core.Hosting.Manifests;
using SwapTalk.Core.Hosting.Starting;
using SwapTalk.Functions.Settings;
using SwapTalk.Functions.Starting;
using SwapTalk.Functions.Http;

namespace SwapTalk.Functions.Durable;

/// <summary>
/// The core's workflow port over Durable's orchestration context, member by member (the table in docs/workflow.md).
/// No decisions here: retries are <see cref="WorkflowRetryPolicy"/>'s (through <see cref="DurableMapping.RetryAsync"/>,
/// waiting on a durable timer), failures map link by link, and a failed task surfaces as the core's
/// <see cref="WorkflowTaskFailedException"/>. A test in tests/SwapTalk.Tests/Hosting reads this file and checks that
/// every member stays a single delegating expression or the one translating try/catch.
/// </summary>
public sealed class DurableWorkflowContext(TaskOrchestrationContext context) : IWorkflowContext
{
    public string Name => context.Name.Name;

    public string InstanceId => context.InstanceId;

    public DateTime CurrentUtcDateTime => context.CurrentUtcDateTime;

    public bool IsReplaying => context.IsReplaying;

    public T? GetInput<T>() => context.GetInput<T>();

    public Task<TResult> CallActivityAsync<TResult>(string name, object? input = null, WorkflowTaskOptions? options = null) =>
        Translate(() => context.CallActivityAsync<TResult>(name, input, new TaskOptions(Retry(options))));

    public Task<TResult> CallSubWorkflowAsync<TResult>(string name, string? instanceId = null, object? input = null, WorkflowTaskOptions? options = null) =>
        Translate(() => context.CallSubOrchestratorAsync<TResult>(name, input, new SubOrchestrationOptions(Retry(options), instanceId)));

    public Task CreateTimer(DateTime fireAt, CancellationToken cancellationToken) => context.CreateTimer(fireAt, cancellationToken);

    public void SetCustomStatus(object? customStatus) => context.SetCustomStatus(customStatus);

    public Guid NewGuid() => context.NewGuid();

    private static TaskRetryOptions? Retry(WorkflowTaskOptions? options) =>
        DurableMapping.WithRetry(options, policy => TaskRetryOptions.FromRetryHandler(retry =>
            DurableMapping.RetryAsync(policy, retry.LastAttemptNumber, Failure(retry.LastFailure), retry.TotalRetryTime,
                delay => retry.OrchestrationContext.CreateTimer(delay, retry.CancellationToken))));

    private static WorkflowFailureDetails Failure(TaskFailureDetails failure) =>
        DurableMapping.Failure(failure, f => (f.ErrorType, f.ErrorMessage, f.StackTrace, f.InnerFailure));

    private static async Task<TResult> Translate<TResult>(Func<Task<TResult>> call)
    {
        try
        {
            return await call();
        }
        catch (TaskFailedException failed)
        {
            throw new WorkflowTaskFailedException(failed.TaskName, failed.TaskId, Failure(failed.FailureDetails));
        }
    }
}
