namespace SwapTalk.Core.Workflow;

/// <summary>
/// A failure as it crosses the workflow boundary (Durable: TaskFailureDetails): the exception's type name and
/// message, not the exception object, because it is stored in history and may come from another machine.
/// </summary>
public sealed record WorkflowFailureDetails(string ErrorType, string ErrorMessage, string? StackTrace = null, WorkflowFailureDetails? InnerFailure = null)
{
    public static WorkflowFailureDetails FromException(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        // A failed task inside a failed workflow: keep the task's own details as the cause.
        var inner = exception is WorkflowTaskFailedException task
            ? task.FailureDetails
            : exception.InnerException is { } e ? FromException(e) : null;
        return new WorkflowFailureDetails(exception.GetType().FullName ?? exception.GetType().Name, exception.Message, exception.StackTrace, inner);
    }

    /// <summary>The innermost failure: the original cause when tasks failed inside sub-workflows.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public WorkflowFailureDetails RootCause => InnerFailure?.RootCause ?? this;

    /// <summary>True if this failure or any failure it wraps was an exception of type <typeparamref name="T"/> or derived from it.</summary>
    public bool IsCausedBy<T>() where T : Exception
    {
        for (var f = this; f is not null; f = f.InnerFailure)
            if (Resolve(f.ErrorType) is { } type && typeof(T).IsAssignableFrom(type)) return true;
        return false;
    }

    public override string ToString() => $"{ErrorType}: {ErrorMessage}";

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Type?> Types = new();

    private static Type? Resolve(string typeName) => Types.GetOrAdd(typeName, static name =>
        Type.GetType(name, throwOnError: false)
        ?? AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetType(name, throwOnError: false)).FirstOrDefault(t => t is not null));
}

/// <summary>An activity or sub-workflow failed (after its retries); Durable: TaskFailedException.</summary>
public sealed class WorkflowTaskFailedException(string taskName, int taskId, WorkflowFailureDetails failureDetails)
    : Exception($"task '{taskName}' (#{taskId}) failed: {failureDetails.RootCause.ErrorMessage}")
{
    public string TaskName { get; } = taskName;
    public int TaskId { get; } = taskId;
    public WorkflowFailureDetails FailureDetails { get; } = failureDetails;
}

/// <summary>
/// Replaying a workflow made a different decision than the recorded run (another activity, another input,
/// another order): the workflow code is not deterministic (clock, randomness, I/O, thread timing) or changed.
/// </summary>
public sealed class NonDeterministicWorkflowException(string message) : Exception(message);

/// <summary>An activity input or output is larger than the payload limit: pass blob names, not bytes.</summary>
public sealed class WorkflowPayloadTooLargeException(string message) : Exception(message);

/// <summary>A workflow or activity name nobody registered; a wiring mistake, not retried.</summary>
public sealed class UnknownWorkflowTaskException(string message) : Exception(message);
