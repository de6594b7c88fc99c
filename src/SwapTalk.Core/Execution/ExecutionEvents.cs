using Microsoft.DurableTask;

namespace SwapTalk.Core.Execution;

/// <summary>What the local executor reports while it runs (through <see cref="LocalExecutorOptions.Progress"/>).</summary>
public abstract record ExecutionEvent(string InstanceId, DateTime TimestampUtc);

public sealed record WorkflowStarted(string InstanceId, DateTime TimestampUtc, string Name) : ExecutionEvent(InstanceId, TimestampUtc);

public sealed record WorkflowFinished(string InstanceId, DateTime TimestampUtc, string Name, TimeSpan Elapsed, TaskFailureDetails? Failure, bool Canceled)
    : ExecutionEvent(InstanceId, TimestampUtc)
{
    public bool Succeeded => Failure is null && !Canceled;
}

public sealed record CustomStatusChanged(string InstanceId, DateTime TimestampUtc, object? Status, string? StatusJson) : ExecutionEvent(InstanceId, TimestampUtc);

/// <summary>An activity attempt started. <see cref="Input"/> is the typed input record (e.g. RenderSegmentInput).</summary>
public sealed record ActivityStarted(string InstanceId, DateTime TimestampUtc, string Name, int TaskId, int Attempt, object? Input)
    : ExecutionEvent(InstanceId, TimestampUtc);

/// <summary>An activity attempt succeeded. <see cref="Output"/> is the typed result record (e.g. RenderSegmentResult).</summary>
public sealed record ActivitySucceeded(string InstanceId, DateTime TimestampUtc, string Name, int TaskId, int Attempt, TimeSpan Elapsed, object? Input, object? Output)
    : ExecutionEvent(InstanceId, TimestampUtc);

/// <summary>An activity attempt failed (the orchestration then decides whether to retry: <see cref="ActivityRetrying"/>).</summary>
public sealed record ActivityFailed(string InstanceId, DateTime TimestampUtc, string Name, int TaskId, int Attempt, TimeSpan Elapsed, object? Input, TaskFailureDetails Failure)
    : ExecutionEvent(InstanceId, TimestampUtc);

/// <summary>The call's retry policy or handler chose another attempt after <paramref name="Attempt"/>, after <paramref name="Delay"/>.</summary>
public sealed record ActivityRetrying(string InstanceId, DateTime TimestampUtc, string Name, int Attempt, TaskFailureDetails Failure, TimeSpan Delay)
    : ExecutionEvent(InstanceId, TimestampUtc);
