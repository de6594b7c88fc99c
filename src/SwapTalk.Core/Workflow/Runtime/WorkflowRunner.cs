using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace SwapTalk.Core.Workflow.Runtime;

/// <summary>How one workflow instance ended: its output JSON, or the failure.</summary>
public sealed record WorkflowOutcome(string? Output, WorkflowFailureDetails? Failure)
{
    public bool Succeeded => Failure is null;
}

/// <summary>
/// What a runner's decisions turn into: the live driver starts activities, children and timers and reports
/// their results; the replay driver checks decisions against a recorded history and hands back recorded results.
/// </summary>
public interface IWorkflowDriver
{
    /// <summary>The workflow scheduled an activity, a child workflow or a timer (a decision event).</summary>
    void OnScheduled(WorkflowEvent decision, WorkflowTaskOptions? options, CancellationToken timerCancellation);

    void OnCustomStatus(string? statusJson, object? status);

    /// <summary>The next result for the workflow, or null to just let queued workflow code run (a wake-up).</summary>
    ValueTask<WorkflowEvent?> NextResultAsync(CancellationToken cancellationToken);

    /// <summary>Asks <see cref="NextResultAsync"/> to return (with null) so posted workflow code runs.</summary>
    void Wake();
}

/// <summary>
/// Runs one workflow instance the way Durable does: the workflow code runs on one logical thread (a private
/// synchronization context) and advances only when a result is applied; results are applied one at a time,
/// and the code runs until it waits again before the next one is applied. The sequence of decisions is thus a
/// function of the input and the order of results, which the history records and a replay reproduces.
/// </summary>
public sealed class WorkflowRunner : IWorkflowContext
{
    private readonly WorkflowDefinition _definition;
    private readonly string? _input;
    private readonly IWorkflowDriver _driver;
    private readonly IWorkflowHistorySink? _history;
    private readonly int _maxPayloadBytes;
    private readonly Func<DateTime> _clock;
    private readonly WorkflowSynchronizationContext _sync;
    private readonly Dictionary<int, Action<WorkflowEvent>> _pending = [];
    private int _nextTaskId;
    private int _guids;
    private Exception? _fatal;

    /// <param name="clock">Time for results that carry none (live runs); a replay uses the recorded times.</param>
    public WorkflowRunner(
        WorkflowDefinition definition,
        string instanceId,
        string? input,
        DateTime startedUtc,
        bool isReplaying,
        IWorkflowDriver driver,
        IWorkflowHistorySink? history,
        int maxPayloadBytes,
        Func<DateTime> clock)
    {
        _definition = definition;
        InstanceId = instanceId;
        _input = input;
        CurrentUtcDateTime = startedUtc;
        IsReplaying = isReplaying;
        _driver = driver;
        _history = history;
        _maxPayloadBytes = maxPayloadBytes;
        _clock = clock;
        _sync = new WorkflowSynchronizationContext(driver.Wake);
    }

    public string Name => _definition.Name;
    public string InstanceId { get; }
    public DateTime CurrentUtcDateTime { get; private set; }
    public bool IsReplaying { get; }

    /// <summary>Runs the workflow to its end. Cancellation abandons it mid-flight (like a host crash): resumable.</summary>
    public async Task<WorkflowOutcome> RunAsync(CancellationToken cancellationToken)
    {
        Task<object?>? workflow = null;
        _sync.Run(() => workflow = _definition.RunAsync(this));
        // Misbehaving code (ConfigureAwait(false), Task.Run) can end the workflow off its thread: wake the loop then too.
        _ = workflow!.ContinueWith(static (_, driver) => ((IWorkflowDriver)driver!).Wake(), _driver,
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        ThrowIfFatal();
        while (!workflow!.IsCompleted)
        {
            var result = await _driver.NextResultAsync(cancellationToken);
            if (result is not null) Apply(result);
            else _sync.Run(static () => { });
            ThrowIfFatal();
        }

        WorkflowOutcome outcome;
        if (workflow.IsCompletedSuccessfully)
        {
            try
            {
                outcome = new WorkflowOutcome(Payload(workflow.Result, "the output"), null);
            }
            catch (Exception ex) when (ex is JsonException or NotSupportedException or WorkflowPayloadTooLargeException)
            {
                outcome = new WorkflowOutcome(null, WorkflowFailureDetails.FromException(ex));
            }
        }
        else
        {
            var error = workflow.Exception?.InnerException ?? new TaskCanceledException("the workflow canceled itself");
            outcome = new WorkflowOutcome(null, WorkflowFailureDetails.FromException(error));
        }
        _history?.Finish(outcome.Output, outcome.Failure);
        return outcome;
    }

    public T? GetInput<T>() => WorkflowJson.Deserialize<T>(_input);

    public Task<TResult> CallActivityAsync<TResult>(string name, object? input = null, WorkflowTaskOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return Schedule<TResult>(new WorkflowEvent(WorkflowEventKind.ActivityScheduled, NextTaskId(), name,
            Payload(input, $"the input of activity '{name}'")), options, name, default);
    }

    public Task<TResult> CallSubWorkflowAsync<TResult>(string name, string? instanceId = null, object? input = null, WorkflowTaskOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var id = NextTaskId();
        return Schedule<TResult>(new WorkflowEvent(WorkflowEventKind.SubWorkflowScheduled, id, name,
            Payload(input, $"the input of workflow '{name}'"), instanceId ?? $"{InstanceId}:{id}"), options, name, default);
    }

    public Task CreateTimer(DateTime fireAt, CancellationToken cancellationToken) =>
        Schedule<object?>(new WorkflowEvent(WorkflowEventKind.TimerScheduled, NextTaskId(), FireAt: fireAt.ToUniversalTime()), null, "timer", cancellationToken);

    public void SetCustomStatus(object? customStatus)
    {
        EnsureOnWorkflowThread();
        var json = Payload(customStatus, "the custom status");
        if (json is { Length: > 16 * 1024 })
            throw new WorkflowPayloadTooLargeException($"the custom status of '{InstanceId}' is {json.Length} characters; Durable allows 16 KB");
        Decide(new WorkflowEvent(WorkflowEventKind.CustomStatusSet, Payload: json), () => _driver.OnCustomStatus(json, customStatus));
    }

    /// <summary>Name-based (version 5 style) GUIDs from the instance id and a counter: the same on every replay.</summary>
    public Guid NewGuid()
    {
        EnsureOnWorkflowThread();
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{InstanceId}\n{_guids++}"));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }

    private int NextTaskId()
    {
        EnsureOnWorkflowThread();
        return _nextTaskId++;
    }

    private Task<TResult> Schedule<TResult>(WorkflowEvent decision, WorkflowTaskOptions? options, string taskName, CancellationToken timerCancellation)
    {
        // Continuations run inline on the workflow thread when a result is applied: nothing reorders them.
        var completion = new TaskCompletionSource<TResult>();
        _pending[decision.TaskId] = result =>
        {
            switch (result.Kind)
            {
                case WorkflowEventKind.TaskCompleted:
                    try
                    {
                        completion.SetResult(WorkflowJson.Deserialize<TResult>(result.Payload)!);
                    }
                    catch (JsonException ex)
                    {
                        completion.SetException(new WorkflowTaskFailedException(taskName, decision.TaskId, WorkflowFailureDetails.FromException(ex)));
                    }
                    break;
                case WorkflowEventKind.TaskFailed:
                    completion.SetException(new WorkflowTaskFailedException(taskName, decision.TaskId,
                        result.Failure ?? new WorkflowFailureDetails("(unknown)", "no failure details")));
                    break;
                default:
                    completion.SetCanceled();
                    break;
            }
        };
        Decide(decision, () => _driver.OnScheduled(decision, options, timerCancellation));
        return completion.Task;
    }

    private void Decide(WorkflowEvent decision, Action notifyDriver)
    {
        _history?.Add(decision);
        try
        {
            notifyDriver();
        }
        catch (NonDeterministicWorkflowException ex)
        {
            // Surface it even if the workflow code catches exceptions around the call.
            _fatal ??= ex;
            throw;
        }
    }

    private void Apply(WorkflowEvent result)
    {
        if (!_pending.Remove(result.TaskId, out var resolve))
            throw new NonDeterministicWorkflowException($"workflow '{InstanceId}' got a result for task #{result.TaskId}, which it has not scheduled (or already has)");
        result = result.Timestamp is null ? result with { Timestamp = _clock() } : result;
        CurrentUtcDateTime = result.Timestamp!.Value;
        _history?.Add(result);
        _sync.Run(() => resolve(result));
    }

    private string? Payload(object? value, string what)
    {
        var json = WorkflowJson.Serialize(value);
        if (json is not null && Encoding.UTF8.GetByteCount(json) > _maxPayloadBytes)
            throw new WorkflowPayloadTooLargeException(
                $"{what} in workflow '{InstanceId}' is {Encoding.UTF8.GetByteCount(json)} bytes of JSON, over the {_maxPayloadBytes}-byte limit: pass blob names, not data");
        return json;
    }

    private void EnsureOnWorkflowThread()
    {
        if (SynchronizationContext.Current != _sync)
            throw new InvalidOperationException(
                $"workflow '{InstanceId}' called its context from outside the workflow thread (Task.Run, ConfigureAwait(false) or a foreign await); workflow code must stay on its thread to be deterministic");
    }

    private void ThrowIfFatal()
    {
        if (_fatal is not null) throw _fatal;
    }
}

/// <summary>The workflow's one logical thread: posted work queues here and runs only inside <see cref="Run"/>.</summary>
internal sealed class WorkflowSynchronizationContext(Action wake) : SynchronizationContext
{
    private readonly Queue<(SendOrPostCallback Callback, object? State)> _queue = new();
    private bool _running;

    public override void Post(SendOrPostCallback d, object? state)
    {
        bool wakeUp;
        lock (_queue)
        {
            _queue.Enqueue((d, state));
            wakeUp = !_running;
        }
        if (wakeUp) wake();
    }

    public override void Send(SendOrPostCallback d, object? state) =>
        throw new NotSupportedException("workflow code cannot be entered synchronously from another thread");

    public override SynchronizationContext CreateCopy() => this;

    /// <summary>Runs <paramref name="action"/>, then everything it (transitively) posted, on the calling thread.</summary>
    public void Run(Action action)
    {
        var previous = Current;
        SetSynchronizationContext(this);
        lock (_queue) _running = true;
        try
        {
            action();
            while (true)
            {
                (SendOrPostCallback Callback, object? State) next;
                lock (_queue)
                {
                    if (!_queue.TryDequeue(out next))
                    {
                        _running = false;
                        break;
                    }
                }
                next.Callback(next.State);
            }
        }
        finally
        {
            lock (_queue) _running = false;
            SetSynchronizationContext(previous);
        }
    }
}
