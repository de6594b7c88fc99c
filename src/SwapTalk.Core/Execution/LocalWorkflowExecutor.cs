using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SwapTalk.Core.Activities;
using SwapTalk.Core.Telemetry;
using SwapTalk.Core.Workflow;
using CoreFailureDetails = DurableTask.Core.FailureDetails;
using CoreTaskFailedException = DurableTask.Core.Exceptions.TaskFailedException;

namespace SwapTalk.Core.Execution;

public sealed record LocalExecutorOptions
{
    /// <summary>Activities running at once (all kinds together); a GPU box renders 1-2 segments at a time.</summary>
    public int MaxParallelActivities { get; init; } = Math.Max(1, Environment.ProcessorCount);

    /// <summary>Largest activity input or output as JSON; Durable's queue messages spill to blobs above 64 KB.</summary>
    public int MaxPayloadBytes { get; init; } = 64 * 1024;

    public IProgress<ExecutionEvent>? Progress { get; init; }

    /// <summary>Clock and delays (retry backoff, timers).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}

/// <summary>An orchestration instance ended in failure (after retries); <see cref="Failure"/> is the SDK's failure chain.</summary>
public sealed class WorkflowFailedException(string instanceId, TaskFailureDetails failure)
    : Exception($"orchestration '{instanceId}' failed: {failure.ErrorMessage}")
{
    public string InstanceId { get; } = instanceId;
    public TaskFailureDetails Failure { get; } = failure;

    /// <summary>The innermost failure: the activity's own, when a task failed inside the orchestration.</summary>
    public TaskFailureDetails RootCause
    {
        get
        {
            var f = Failure;
            while (f.InnerFailure is { } inner) f = inner;
            return f;
        }
    }

    /// <summary>True when running the same job again cannot help (bad input).</summary>
    public bool IsPermanent => JobRetry.IsBadInput(Failure);

    /// <summary>A failure of the machine (no space, permission, read-only file system) somewhere down the chain, else None.</summary>
    public Files.EnvironmentFailure EnvironmentFailure => JobRetry.EnvironmentFailureOf(Failure);
}

/// <summary>
/// The embedded engine: runs the SDK orchestrators of an <see cref="OrchestratorCatalog"/> in-process on a
/// <see cref="TaskOrchestrationContext"/> of its own, without history or replay (nothing outlives the process but
/// the blobs). Orchestration code runs one step at a time per instance, on a synchronization context of its own,
/// as Durable runs it; each activity runs on the thread pool with bounded parallelism; the call's retry policy or
/// handler applies with the SDK's semantics; sub-orchestrations are nested instances. Cancellation (Ctrl-C) stops
/// scheduling, cancels running activities and waits for them; every blob already written stays, so running the
/// same job again resumes it (idempotent activities skip finished work).
/// </summary>
public sealed class LocalWorkflowExecutor
{
    private readonly ActivityRegistry _activities;
    private readonly OrchestratorCatalog _orchestrators;
    private readonly LocalExecutorOptions _options;
    private readonly SemaphoreSlim _slots;
    private readonly ConcurrentDictionary<string, string?> _statuses = new(StringComparer.Ordinal);

    public LocalWorkflowExecutor(ActivityRegistry activities, OrchestratorCatalog? orchestrators = null, LocalExecutorOptions? options = null)
    {
        _activities = activities ?? throw new ArgumentNullException(nameof(activities));
        _orchestrators = orchestrators ?? OrchestratorCatalog.Default;
        _options = options ?? new LocalExecutorOptions();
        if (_options.MaxParallelActivities < 1)
            throw new ArgumentOutOfRangeException(nameof(options), _options.MaxParallelActivities, "at least one activity must be allowed to run");
        _slots = new SemaphoreSlim(_options.MaxParallelActivities);
    }

    /// <summary>The last custom status JSON an instance set, or null.</summary>
    public string? GetCustomStatus(string instanceId) => _statuses.TryGetValue(instanceId, out var status) ? status : null;

    /// <summary>Runs an orchestration to its end and returns its output.</summary>
    /// <exception cref="WorkflowFailedException">The orchestration failed.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; finished work stays stored.</exception>
    public async Task<TOutput> RunAsync<TOutput>(string orchestratorName, string instanceId, object input, CancellationToken cancellationToken = default)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var work = new RunningWork();
        try
        {
            var (output, failure) = await RunInstanceAsync(orchestratorName, instanceId, WorkflowJson.Serialize(input), null, null, work, stop.Token);
            if (failure is not null) throw new WorkflowFailedException(instanceId, failure);
            return WorkflowJson.Deserialize<TOutput>(output)!;
        }
        finally
        {
            // Nothing the job started outlives it: a finished or cancelled job leaves no running activity.
            await stop.CancelAsync();
            await work.DrainAsync();
        }
    }

    private async Task<(string? Output, TaskFailureDetails? Failure)> RunInstanceAsync(
        string name, string instanceId, string? input, ParentOrchestrationInstance? parent, ActivityContext? parentSpan, RunningWork work, CancellationToken cancellationToken)
    {
        var orchestrator = _orchestrators.Get(name);
        using var span = SwapTalkTelemetry.Source.StartActivity($"workflow {name}", ActivityKind.Internal, parentSpan ?? default);
        span?.SetTag(SwapTalkTelemetry.Tags.Workflow, name);
        span?.SetTag(SwapTalkTelemetry.Tags.WorkflowInstance, instanceId);
        var typedInput = WorkflowJson.Deserialize(input, orchestrator.InputType);
        if (typedInput is IJobScoped job) span?.SetTag(SwapTalkTelemetry.Tags.JobId, job.JobId);
        else if (orchestrator.InputType.GetProperty("JobId")?.GetValue(typedInput) is string jobId) span?.SetTag(SwapTalkTelemetry.Tags.JobId, jobId);
        Report(new WorkflowStarted(instanceId, Now, name));

        var context = new LocalOrchestrationContext(this, name, instanceId, typedInput, parent, span?.Context, work, cancellationToken);
        var watch = Stopwatch.StartNew();
        try
        {
            var output = await OrchestrationScheduler.RunAsync(() => orchestrator.RunAsync(context, typedInput), cancellationToken);
            Report(new WorkflowFinished(instanceId, Now, name, watch.Elapsed, null, false));
            return (WorkflowJson.Serialize(output), null);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            span?.SetStatus(ActivityStatusCode.Error, "canceled");
            Report(new WorkflowFinished(instanceId, Now, name, watch.Elapsed, null, true));
            throw;
        }
        catch (Exception ex)
        {
            var failure = OrchestrationFailure(ex);
            span?.SetStatus(ActivityStatusCode.Error, failure.ErrorMessage);
            Report(new WorkflowFinished(instanceId, Now, name, watch.Elapsed, failure, false));
            return (null, failure);
        }
    }

    /// <summary>
    /// An orchestrator's failure as Durable records it: a task failure it let through keeps the task's details as
    /// its inner failure, so the cause (e.g. bad input) stays readable from the instance.
    /// </summary>
    private static TaskFailureDetails OrchestrationFailure(Exception ex) => ex is TaskFailedException task
        ? new TaskFailureDetails(ex.GetType().ToString(), ex.Message, ex.StackTrace, task.FailureDetails, null)
        : TaskFailureDetails.FromException(ex);

    /// <summary>One activity attempt off the orchestration's thread; a failure comes back as the SDK's TaskFailedException.</summary>
    private async Task<T> InvokeActivityAsync<T>(string instanceId, string name, int taskId, int attempt, object? input, ActivityContext? parentSpan, CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken);
        var watch = Stopwatch.StartNew();
        object? typedInput = input;
        using var span = StartActivitySpan(name, instanceId, input, attempt, parentSpan);
        try
        {
            var registration = _activities.Get(name);
            Report(new ActivityStarted(instanceId, Now, name, taskId, attempt, input));
            // Through JSON, as every Durable engine passes inputs and outputs: what does not survive it fails here first.
            typedInput = WorkflowJson.Deserialize(CheckedPayload(WorkflowJson.Serialize(input), name, "input"), registration.InputType);
            var output = await registration.InvokeAsync(typedInput, cancellationToken);
            var result = WorkflowJson.Deserialize<T>(CheckedPayload(WorkflowJson.Serialize(output), name, "result"))!;
            SwapTalkTelemetry.ActivityDuration.Record(watch.Elapsed.TotalSeconds, MeasurementTags(name, input, SwapTalkTelemetry.Outcomes.Succeeded));
            Report(new ActivitySucceeded(instanceId, Now, name, taskId, attempt, watch.Elapsed, typedInput, output));
            return result;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            span?.SetStatus(ActivityStatusCode.Error, "canceled");
            SwapTalkTelemetry.ActivityDuration.Record(watch.Elapsed.TotalSeconds, MeasurementTags(name, input, SwapTalkTelemetry.Outcomes.Canceled));
            throw;
        }
        catch (Exception ex)
        {
            SwapTalkTelemetry.RecordFailure(span, ex);
            SwapTalkTelemetry.ActivityDuration.Record(watch.Elapsed.TotalSeconds, MeasurementTags(name, input, SwapTalkTelemetry.Outcomes.Failed));
            var failure = TaskFailureDetails.FromException(ex);
            Report(new ActivityFailed(instanceId, Now, name, taskId, attempt, watch.Elapsed, typedInput, failure));
            throw new TaskFailedException(name, taskId, failure);
        }
        finally
        {
            _slots.Release();
        }
    }

    private string? CheckedPayload(string? json, string name, string what)
    {
        if (json is not null && Encoding.UTF8.GetByteCount(json) > _options.MaxPayloadBytes)
            throw new InvalidOperationException(
                $"the {what} of activity '{name}' is {Encoding.UTF8.GetByteCount(json)} bytes of JSON, over the {_options.MaxPayloadBytes}-byte limit: pass blob names, not data");
        return json;
    }

    private DateTime Now => _options.Time.GetUtcNow().UtcDateTime;

    private void Report(ExecutionEvent e)
    {
        if (e is CustomStatusChanged status) _statuses[status.InstanceId] = status.StatusJson;
        _options.Progress?.Report(e);
    }

    private static Activity? StartActivitySpan(string name, string instanceId, object? input, int attempt, ActivityContext? parent)
    {
        var span = SwapTalkTelemetry.Source.StartActivity($"activity {name}", ActivityKind.Internal, parent ?? default);
        if (span is null) return null;
        span.SetTag(SwapTalkTelemetry.Tags.Activity, name);
        span.SetTag(SwapTalkTelemetry.Tags.WorkflowInstance, instanceId);
        span.SetTag(SwapTalkTelemetry.Tags.Attempt, attempt);
        if (input is IJobScoped job) span.SetTag(SwapTalkTelemetry.Tags.JobId, job.JobId);
        if (input is ISegmentScoped segment) span.SetTag(SwapTalkTelemetry.Tags.SegmentIndex, segment.SegmentIndex);
        return span;
    }

    private static TagList MeasurementTags(string name, object? input, string outcome)
    {
        var tags = new TagList { { SwapTalkTelemetry.Tags.Activity, name }, { SwapTalkTelemetry.Tags.Outcome, outcome } };
        if (input is IJobScoped job) tags.Add(SwapTalkTelemetry.Tags.JobId, job.JobId);
        return tags;
    }

    /// <summary>The activities and child instances a job has in flight, so a stop can wait for every one of them.</summary>
    private sealed class RunningWork
    {
        private readonly List<Task> _tasks = [];

        public Task<T> Track<T>(Task<T> task)
        {
            lock (_tasks) _tasks.Add(task);
            return task;
        }

        public async Task DrainAsync()
        {
            while (true)
            {
                Task[] pending;
                lock (_tasks)
                {
                    _tasks.RemoveAll(t => t.IsCompleted);
                    pending = _tasks.ToArray();
                }
                if (pending.Length == 0) return;
                try
                {
                    await Task.WhenAll(pending);
                }
                catch (Exception)
                {
                    // Cancelled work ends with OperationCanceledException; results no one waits for are dropped.
                }
            }
        }
    }

    /// <summary>
    /// Runs one instance's orchestration code one step at a time (Durable's single-threaded rule): every
    /// continuation of the orchestrator is queued here and run in order on one logical thread.
    /// </summary>
    private sealed class OrchestrationScheduler : SynchronizationContext
    {
        private readonly System.Threading.Channels.Channel<(SendOrPostCallback Callback, object? State)> _queue =
            System.Threading.Channels.Channel.CreateUnbounded<(SendOrPostCallback, object?)>(new() { SingleReader = true });

        public override void Post(SendOrPostCallback d, object? state) => _queue.Writer.TryWrite((d, state));

        public override void Send(SendOrPostCallback d, object? state) =>
            throw new NotSupportedException("orchestration code never blocks on another thread");

        public override SynchronizationContext CreateCopy() => this;

        public static async Task<object?> RunAsync(Func<Task<object?>> body, CancellationToken cancellationToken)
        {
            var scheduler = new OrchestrationScheduler();
            Task<object?>? run = null;
            scheduler.Post(_ => run = body(), null);
            var reader = scheduler._queue.Reader;
            while (run is null || !run.IsCompleted)
            {
                var (callback, state) = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                var previous = Current;
                SetSynchronizationContext(scheduler);
                try
                {
                    callback(state);
                }
                finally
                {
                    SetSynchronizationContext(previous);
                }
            }
            return await run.ConfigureAwait(false);
        }
    }

    /// <summary>The SDK's orchestration context over this executor: no history, so never replaying.</summary>
    private sealed class LocalOrchestrationContext(
        LocalWorkflowExecutor executor, string name, string instanceId, object? input, ParentOrchestrationInstance? parent,
        ActivityContext? span, RunningWork work, CancellationToken cancellationToken) : TaskOrchestrationContext
    {
        private int _nextTaskId;
        private int _nextGuid;

        public override TaskName Name => name;

        public override string InstanceId => instanceId;

        public override ParentOrchestrationInstance? Parent => parent;

        public override DateTime CurrentUtcDateTime => executor.Now;

        public override bool IsReplaying => false;

        protected override ILoggerFactory LoggerFactory => NullLoggerFactory.Instance;

        public override T? GetInput<T>() where T : default => input is T typed ? typed : default;

        public override Task<TResult> CallActivityAsync<TResult>(TaskName name, object? input = null, TaskOptions? options = null)
        {
            var taskId = _nextTaskId++;
            return WithRetryAsync(attempt => work.Track(Task.Run(
                () => executor.InvokeActivityAsync<TResult>(instanceId, name.Name, taskId, attempt, input, span, cancellationToken), cancellationToken)), name, options, input);
        }

        public override Task<TResult> CallSubOrchestratorAsync<TResult>(TaskName orchestratorName, object? input = null, TaskOptions? options = null)
        {
            var taskId = _nextTaskId++;
            var childId = (options as SubOrchestrationOptions)?.InstanceId ?? NewGuid().ToString("N");
            return WithRetryAsync(_ => work.Track(Task.Run(async () =>
            {
                var (output, failure) = await executor.RunInstanceAsync(orchestratorName.Name, childId, WorkflowJson.Serialize(input),
                    new ParentOrchestrationInstance(name, instanceId), span, work, cancellationToken);
                if (failure is not null) throw new TaskFailedException(orchestratorName.Name, taskId, failure);
                return WorkflowJson.Deserialize<TResult>(output)!;
            }, cancellationToken)), orchestratorName, options, input);
        }

        public override async Task CreateTimer(DateTime fireAt, CancellationToken cancellationToken)
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, this.Stopping);
            // Timers may wake a little early against the wall clock; a durable timer never fires before its time.
            for (var delay = fireAt.ToUniversalTime() - executor.Now; delay > TimeSpan.Zero; delay = fireAt.ToUniversalTime() - executor.Now)
                await Task.Delay(delay < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : delay, executor._options.Time, linked.Token);
        }

        public override void SetCustomStatus(object? customStatus) =>
            executor.Report(new CustomStatusChanged(instanceId, executor.Now, customStatus, WorkflowJson.Serialize(customStatus)));

        /// <summary>A name-based GUID from the instance id and a counter, as Durable derives it (the same on every run).</summary>
        public override Guid NewGuid()
        {
            var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{instanceId}:{_nextGuid++}"));
            hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
            hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
            return new Guid(hash.AsSpan(0, 16));
        }

        public override Task<T> WaitForExternalEvent<T>(string eventName, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException($"the embedded executor has no external events ('{eventName}'); run this orchestration on a Durable engine");

        public override void SendEvent(string instanceId, string eventName, object payload) =>
            throw new NotSupportedException($"the embedded executor has no external events ('{eventName}'); run this orchestration on a Durable engine");

        public override void ContinueAsNew(object? newInput = null, bool preserveUnprocessedEvents = true) =>
            throw new NotSupportedException("the embedded executor does not continue instances as new; run this orchestration on a Durable engine");

        private CancellationToken Stopping => cancellationToken;

        /// <summary>
        /// A call with its retries, decided in orchestration code as the SDK decides them: a <see cref="RetryPolicy"/>
        /// (attempts, backoff first * coefficient^(n-1) capped at the maximum interval, the retry timeout, and its
        /// failure filter), or a retry handler given the SDK's <see cref="RetryContext"/>; waits are timers.
        /// </summary>
        private async Task<T> WithRetryAsync<T>(Func<int, Task<T>> attempt, TaskName name, TaskOptions? options, object? input)
        {
            var first = CurrentUtcDateTime;
            for (var n = 1; ; n++)
            {
                try
                {
                    return await attempt(n);
                }
                catch (TaskFailedException failed) when (!Stopping.IsCancellationRequested)
                {
                    TimeSpan? delay = null;
                    if (options?.Retry?.Policy is { } policy)
                    {
                        if (n < policy.MaxNumberOfAttempts && policy.Handle(CoreFailure(failed))
                            && (policy.RetryTimeout == Timeout.InfiniteTimeSpan || CurrentUtcDateTime < first + policy.RetryTimeout))
                        {
                            var ms = policy.FirstRetryInterval.TotalMilliseconds * Math.Pow(policy.BackoffCoefficient, n - 1);
                            delay = policy.MaxRetryInterval != Timeout.InfiniteTimeSpan && ms >= policy.MaxRetryInterval.TotalMilliseconds
                                ? policy.MaxRetryInterval
                                : TimeSpan.FromMilliseconds(ms);
                        }
                    }
                    else if (options?.Retry?.Handler is { } handler
                        && await handler(new RetryContext(this, n, failed.FailureDetails, CurrentUtcDateTime - first, Stopping)))
                    {
                        delay = TimeSpan.Zero; // the handler waited as long as it wanted (on a timer of its own)
                    }

                    if (delay is null) throw;
                    SwapTalkTelemetry.ActivityRetries.Add(1, MeasurementTags(name.Name, input, SwapTalkTelemetry.Outcomes.Retried));
                    executor.Report(new ActivityRetrying(instanceId, executor.Now, name.Name, n, failed.FailureDetails, delay.Value));
                    if (delay > TimeSpan.Zero) await CreateTimer(CurrentUtcDateTime + delay.Value, CancellationToken.None);
                }
            }
        }

        /// <summary>The failure as the SDK's policy filter reads it (DurableTask.Core's exception, with its failure details).</summary>
        private static CoreTaskFailedException CoreFailure(TaskFailedException failed)
        {
            static CoreFailureDetails Convert(TaskFailureDetails f) =>
                new(f.ErrorType, f.ErrorMessage, f.StackTrace, f.InnerFailure is { } inner ? Convert(inner) : null, isNonRetriable: false);
            return new CoreTaskFailedException(failed.Message, failed) { FailureDetails = Convert(failed.FailureDetails) };
        }
    }
}
