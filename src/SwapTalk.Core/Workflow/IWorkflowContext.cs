namespace SwapTalk.Core.Workflow;

/// <summary>
/// The workflow port: what workflow (orchestration) code may do, modelled on Durable Task's
/// TaskOrchestrationContext so the Azure adapter maps each member in a line or two. Workflow code follows
/// Durable's rules everywhere, including here: no I/O, no clock (use <see cref="CurrentUtcDateTime"/>), no
/// randomness (use <see cref="NewGuid"/>), no environment, no threads or ConfigureAwait(false); inputs and
/// outputs are small JSON records that name blobs, never bytes. Activities do the work.
/// Implementations: the local executor (in-process), the replayer (determinism tests) and the Durable adapter.
/// </summary>
public interface IWorkflowContext
{
    /// <summary>The workflow's registered name.</summary>
    string Name { get; }

    string InstanceId { get; }

    /// <summary>Deterministic time: the same value at the same point of every replay.</summary>
    DateTime CurrentUtcDateTime { get; }

    bool IsReplaying { get; }

    T? GetInput<T>();

    /// <summary>Calls an activity by name; a failure surfaces as <see cref="WorkflowTaskFailedException"/>.</summary>
    Task<TResult> CallActivityAsync<TResult>(string name, object? input = null, WorkflowTaskOptions? options = null);

    /// <summary>Runs another workflow as a child with its own (small) history.</summary>
    Task<TResult> CallSubWorkflowAsync<TResult>(string name, string? instanceId = null, object? input = null, WorkflowTaskOptions? options = null);

    /// <summary>A durable timer; cancelling <paramref name="cancellationToken"/> cancels it.</summary>
    Task CreateTimer(DateTime fireAt, CancellationToken cancellationToken);

    /// <summary>A small JSON-serializable progress value hosts can show (Durable: the custom status, under 16 KB).</summary>
    void SetCustomStatus(object? customStatus);

    /// <summary>A GUID that is the same on every replay.</summary>
    Guid NewGuid();
}

/// <summary>Options of one call (Durable: TaskOptions with TaskRetryOptions).</summary>
public sealed record WorkflowTaskOptions(WorkflowRetryPolicy? Retry = null);

/// <summary>
/// Declarative retry with exponential backoff, with the parameters and rules of Durable's RetryPolicy.
/// One rule on top: a failure caused by <see cref="Jobs.BadInputException"/> is never retried, because
/// the same input fails the same way; everything else is treated as transient.
/// </summary>
public sealed record WorkflowRetryPolicy
{
    public WorkflowRetryPolicy(
        int maxNumberOfAttempts,
        TimeSpan firstRetryInterval,
        double backoffCoefficient = 1.0,
        TimeSpan? maxRetryInterval = null,
        TimeSpan? retryTimeout = null)
    {
        if (maxNumberOfAttempts <= 0)
            throw new ArgumentOutOfRangeException(nameof(maxNumberOfAttempts), maxNumberOfAttempts, "the number of attempts must be at least 1");
        if (firstRetryInterval <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(firstRetryInterval), firstRetryInterval, "the first retry interval must be positive");
        if (backoffCoefficient < 1.0)
            throw new ArgumentOutOfRangeException(nameof(backoffCoefficient), backoffCoefficient, "the backoff coefficient must be at least 1.0");
        if (maxRetryInterval is { } max && max != Timeout.InfiniteTimeSpan && max < firstRetryInterval)
            throw new ArgumentOutOfRangeException(nameof(maxRetryInterval), max, "the maximum retry interval must be at least the first retry interval");
        if (retryTimeout is { } timeout && timeout != Timeout.InfiniteTimeSpan && timeout < firstRetryInterval)
            throw new ArgumentOutOfRangeException(nameof(retryTimeout), timeout, "the retry timeout must be at least the first retry interval");
        MaxNumberOfAttempts = maxNumberOfAttempts;
        FirstRetryInterval = firstRetryInterval;
        BackoffCoefficient = backoffCoefficient;
        MaxRetryInterval = maxRetryInterval ?? TimeSpan.FromHours(1);
        RetryTimeout = retryTimeout ?? Timeout.InfiniteTimeSpan;
    }

    /// <summary>The JSON form (workflow inputs carry the policy): every value explicit.</summary>
    [System.Text.Json.Serialization.JsonConstructor]
    private WorkflowRetryPolicy(int maxNumberOfAttempts, TimeSpan firstRetryInterval, double backoffCoefficient, TimeSpan maxRetryInterval, TimeSpan retryTimeout)
        : this(maxNumberOfAttempts, firstRetryInterval, backoffCoefficient, (TimeSpan?)maxRetryInterval, (TimeSpan?)retryTimeout)
    {
    }

    /// <summary>3 attempts, 5 s then 10 s apart: rides out a busy GPU or a storage hiccup, gives up on a real fault.</summary>
    public static WorkflowRetryPolicy Default { get; } = new(3, TimeSpan.FromSeconds(5), 2.0, TimeSpan.FromMinutes(1));

    public int MaxNumberOfAttempts { get; }
    public TimeSpan FirstRetryInterval { get; }
    public double BackoffCoefficient { get; }
    public TimeSpan MaxRetryInterval { get; }
    public TimeSpan RetryTimeout { get; }

    /// <summary>The wait before attempt <paramref name="nextAttempt"/> (2, 3, ...): first * coefficient^(n-2), capped.</summary>
    public TimeSpan DelayBefore(int nextAttempt)
    {
        if (nextAttempt < 2) throw new ArgumentOutOfRangeException(nameof(nextAttempt), nextAttempt, "retries start at attempt 2");
        var ticks = FirstRetryInterval.Ticks * Math.Pow(BackoffCoefficient, nextAttempt - 2);
        var cap = MaxRetryInterval == Timeout.InfiniteTimeSpan ? double.MaxValue : MaxRetryInterval.Ticks;
        return TimeSpan.FromTicks((long)Math.Min(ticks, Math.Min(cap, TimeSpan.MaxValue.Ticks / 2.0)));
    }

    /// <summary>
    /// False for failures that repeat identically: bad input (anywhere in the chain), an unknown task name,
    /// an oversized payload.
    /// </summary>
    public static bool IsRetryable(WorkflowFailureDetails failure) =>
        !failure.IsCausedBy<Jobs.BadInputException>()
        && !failure.IsCausedBy<UnknownWorkflowTaskException>()
        && !failure.IsCausedBy<WorkflowPayloadTooLargeException>();

    /// <summary>Whether to make another attempt after <paramref name="attemptsMade"/> failed ones, <paramref name="elapsed"/> since the first.</summary>
    public bool ShouldRetry(int attemptsMade, WorkflowFailureDetails failure, TimeSpan elapsed)
    {
        if (attemptsMade >= MaxNumberOfAttempts || !IsRetryable(failure)) return false;
        return RetryTimeout == Timeout.InfiniteTimeSpan || elapsed + DelayBefore(attemptsMade + 1) <= RetryTimeout;
    }
}
