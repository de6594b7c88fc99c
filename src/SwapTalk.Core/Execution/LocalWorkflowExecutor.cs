using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Threading.Channels;
using SwapTalk.Core.Activities;
using SwapTalk.Core.Telemetry;
using SwapTalk.Core.Workflow;
using SwapTalk.Core.Workflow.Runtime;

namespace SwapTalk.Core.Execution;

public sealed record LocalExecutorOptions
{
    /// <summary>Activities running at once (all kinds together); a GPU box renders 1-2 segments at a time.</summary>
    public int MaxParallelActivities { get; init; } = Math.Max(1, Environment.ProcessorCount);

    /// <summary>Largest activity input or output as JSON; Durable's queue messages spill to blobs above 64 KB.</summary>
    public int MaxPayloadBytes { get; init; } = 64 * 1024;

    public IProgress<ExecutionEvent>? Progress { get; init; }

    /// <summary>Records every instance's history (for replay tests and diagnosis).</summary>
    public WorkflowRecorder? Recorder { get; init; }

    /// <summary>Clock and delays (retry backoff, timers).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}

/// <summary>A workflow instance ended in failure (after retries); <see cref="Failure"/> holds the cause chain.</summary>
public sealed class WorkflowFailedException(string instanceId, WorkflowFailureDetails failure)
    : Exception($"workflow '{instanceId}' failed: {failure.RootCause.ErrorMessage}")
{
    public string InstanceId { get; } = instanceId;
    public WorkflowFailureDetails Failure { get; } = failure;

    /// <summary>True when retrying the same job cannot help (bad input, wiring mistakes).</summary>
    public bool IsPermanent => !WorkflowRetryPolicy.IsRetryable(Failure);
}

/// <summary>
/// Runs workflows in-process: the workflow code itself (on its own logical thread, as Durable would), each
/// activity from an <see cref="ActivityRegistry"/> on the thread pool with bounded parallelism, retries with
/// backoff per the call's policy (none for bad input), child workflows as nested instances. Cancellation
/// (Ctrl-C) stops scheduling, cancels running activities and waits for them; every blob already written stays,
/// so running the same job again resumes it (idempotent activities skip finished work).
/// </summary>
public sealed class LocalWorkflowExecutor
{
    private readonly ActivityRegistry _activities;
    private readonly WorkflowCatalog _workflows;
    private readonly LocalExecutorOptions _options;
    private readonly SemaphoreSlim _slots;
    private readonly ConcurrentDictionary<string, string?> _statuses = new(StringComparer.Ordinal);

    public LocalWorkflowExecutor(ActivityRegistry activities, WorkflowCatalog? workflows = null, LocalExecutorOptions? options = null)
    {
        _activities = activities ?? throw new ArgumentNullException(nameof(activities));
        _workflows = workflows ?? WorkflowCatalog.Default;
        _options = options ?? new LocalExecutorOptions();
        if (_options.MaxParallelActivities < 1)
            throw new ArgumentOutOfRangeException(nameof(options), _options.MaxParallelActivities, "at least one activity must be allowed to run");
        _slots = new SemaphoreSlim(_options.MaxParallelActivities);
    }

    /// <summary>The last custom status JSON an instance set, or null.</summary>
    public string? GetCustomStatus(string instanceId) => _statuses.TryGetValue(instanceId, out var status) ? status : null;

    /// <summary>Runs a workflow to its end and returns its output.</summary>
    /// <exception cref="WorkflowFailedException">The workflow failed.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; finished work stays stored.</exception>
    public async Task<TOutput> RunAsync<TOutput>(string workflowName, string instanceId, object input, CancellationToken cancellationToken = default)
    {
        var outcome = await RunInstanceAsync(workflowName, instanceId, WorkflowJson.Serialize(input), null, cancellationToken);
        if (outcome.Failure is { } failure) throw new WorkflowFailedException(instanceId, failure);
        return WorkflowJson.Deserialize<TOutput>(outcome.Output)!;
    }

    private async Task<WorkflowOutcome> RunInstanceAsync(string name, string instanceId, string? input, ActivityContext? parentSpan, CancellationToken cancellationToken)
    {
        var definition = _workflows.Get(name);
        var started = _options.Time.GetUtcNow().UtcDateTime;
        using var span = SwapTalkTelemetry.Source.StartActivity($"workflow {name}", ActivityKind.Internal, parentSpan ?? default);
        span?.SetTag(SwapTalkTelemetry.Tags.Workflow, name);
        span?.SetTag(SwapTalkTelemetry.Tags.WorkflowInstance, instanceId);
        if (JobIdOf(definition.InputType, input) is { } jobId) span?.SetTag(SwapTalkTelemetry.Tags.JobId, jobId);
        Report(new WorkflowStarted(instanceId, started, name));

        var driver = new LiveDriver(this, instanceId, span?.Context, cancellationToken);
        var runner = new WorkflowRunner(definition, instanceId, input, started, isReplaying: false, driver,
            _options.Recorder?.Begin(name, instanceId, input, started), _options.MaxPayloadBytes, () => _options.Time.GetUtcNow().UtcDateTime);
        driver.Runner = runner;
        var watch = Stopwatch.StartNew();
        try
        {
            var outcome = await runner.RunAsync(cancellationToken);
            if (outcome.Failure is { } failure) span?.SetStatus(ActivityStatusCode.Error, failure.RootCause.ErrorMessage);
            Report(new WorkflowFinished(instanceId, Now, name, watch.Elapsed, outcome.Failure, false));
            return outcome;
        }
        catch (OperationCanceledException)
        {
            span?.SetStatus(ActivityStatusCode.Error, "canceled");
            Report(new WorkflowFinished(instanceId, Now, name, watch.Elapsed, null, true));
            throw;
        }
        finally
        {
            // Nothing the instance started outlives it: a finished or cancelled workflow leaves no running activity.
            await driver.ShutdownAsync();
        }
    }

    /// <summary>One activity call with its retries; returns the completion event for the workflow.</summary>
    private async Task<WorkflowEvent> InvokeActivityAsync(string instanceId, WorkflowEvent call, WorkflowRetryPolicy? retry, ActivityContext? parentSpan, CancellationToken cancellationToken)
    {
        var name = call.Name!;
        ActivityRegistration registration;
        object? input;
        try
        {
            registration = _activities.Get(name);
            input = WorkflowJson.Deserialize(call.Payload, registration.InputType);
        }
        catch (Exception ex) when (ex is UnknownWorkflowTaskException or System.Text.Json.JsonException)
        {
            return Failed(call, WorkflowFailureDetails.FromException(ex));
        }

        var firstAttempt = _options.Time.GetTimestamp();
        for (var attempt = 1; ; attempt++)
        {
            await _slots.WaitAsync(cancellationToken);
            var watch = Stopwatch.StartNew();
            WorkflowFailureDetails failure;
            TimeSpan? delay;
            using (var span = StartActivitySpan(name, instanceId, input, attempt, parentSpan))
            {
                try
                {
                    Report(new ActivityStarted(instanceId, Now, name, call.TaskId, attempt, input));
                    var output = await registration.InvokeAsync(input, new ActivityCallContext(name, instanceId, attempt), cancellationToken);
                    var json = WorkflowJson.Serialize(output);
                    if (json is not null && Encoding.UTF8.GetByteCount(json) > _options.MaxPayloadBytes)
                        throw new WorkflowPayloadTooLargeException(
                            $"the result of activity '{name}' is {Encoding.UTF8.GetByteCount(json)} bytes of JSON, over the {_options.MaxPayloadBytes}-byte limit: return blob names, not data");
                    SwapTalkTelemetry.ActivityDuration.Record(watch.Elapsed.TotalSeconds, MeasurementTags(name, input, SwapTalkTelemetry.Outcomes.Succeeded));
                    Report(new ActivitySucceeded(instanceId, Now, name, call.TaskId, attempt, watch.Elapsed, input, output));
                    return new WorkflowEvent(WorkflowEventKind.TaskCompleted, call.TaskId, name, json);
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
                    failure = WorkflowFailureDetails.FromException(ex);
                }
                finally
                {
                    _slots.Release();
                }

                var again = retry is not null && retry.ShouldRetry(attempt, failure, _options.Time.GetElapsedTime(firstAttempt));
                delay = again ? retry!.DelayBefore(attempt + 1) : null;
                var outcome = again ? SwapTalkTelemetry.Outcomes.Retried : SwapTalkTelemetry.Outcomes.Failed;
                SwapTalkTelemetry.ActivityDuration.Record(watch.Elapsed.TotalSeconds, MeasurementTags(name, input, outcome));
                if (again) SwapTalkTelemetry.ActivityRetries.Add(1, MeasurementTags(name, input, outcome));
                Report(new ActivityFailed(instanceId, Now, name, call.TaskId, attempt, watch.Elapsed, input, failure, delay));
            }
            if (delay is null) return Failed(call, failure);
            await Task.Delay(delay.Value, _options.Time, cancellationToken);
        }
    }

    private async Task<WorkflowEvent> InvokeChildAsync(WorkflowEvent call, WorkflowRetryPolicy? retry, ActivityContext? parentSpan, CancellationToken cancellationToken)
    {
        var firstAttempt = _options.Time.GetTimestamp();
        for (var attempt = 1; ; attempt++)
        {
            WorkflowOutcome outcome;
            try
            {
                outcome = await RunInstanceAsync(call.Name!, call.ChildInstanceId!, call.Payload, parentSpan, cancellationToken);
            }
            catch (UnknownWorkflowTaskException ex)
            {
                return Failed(call, WorkflowFailureDetails.FromException(ex));
            }
            if (outcome.Failure is null) return new WorkflowEvent(WorkflowEventKind.TaskCompleted, call.TaskId, call.Name, outcome.Output);
            if (retry is null || !retry.ShouldRetry(attempt, outcome.Failure, _options.Time.GetElapsedTime(firstAttempt)))
                return Failed(call, outcome.Failure);
            await Task.Delay(retry.DelayBefore(attempt + 1), _options.Time, cancellationToken);
        }
    }

    private static WorkflowEvent Failed(WorkflowEvent call, WorkflowFailureDetails failure) =>
        new(WorkflowEventKind.TaskFailed, call.TaskId, call.Name, Failure: failure);

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

    private static string? JobIdOf(Type inputType, string? input)
    {
        if (input is null || (!typeof(IJobScoped).IsAssignableFrom(inputType) && inputType.GetProperty("JobId") is null)) return null;
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(input);
            return doc.RootElement.TryGetProperty("jobId", out var id) ? id.GetString() : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    /// <summary>Turns one instance's decisions into running work, and the work's ends into results for its runner.</summary>
    private sealed class LiveDriver(LocalWorkflowExecutor executor, string instanceId, ActivityContext? span, CancellationToken cancellationToken) : IWorkflowDriver
    {
        private readonly Channel<WorkflowEvent?> _results = Channel.CreateUnbounded<WorkflowEvent?>(new UnboundedChannelOptions { SingleReader = true });
        private readonly CancellationTokenSource _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        private readonly List<Task> _running = [];

        public WorkflowRunner? Runner { get; set; }

        public void OnScheduled(WorkflowEvent decision, WorkflowTaskOptions? options, CancellationToken timerCancellation)
        {
            var token = _stop.Token;
            Task work = decision.Kind switch
            {
                WorkflowEventKind.ActivityScheduled => Task.Run(() => Deliver(decision.TaskId, () => executor.InvokeActivityAsync(instanceId, decision, options?.Retry, span, token)), token),
                WorkflowEventKind.SubWorkflowScheduled => Task.Run(() => Deliver(decision.TaskId, () => executor.InvokeChildAsync(decision, options?.Retry, span, token)), token),
                _ => Deliver(decision.TaskId, () => TimerAsync(decision, timerCancellation, token)),
            };
            lock (_running) _running.Add(work);
        }

        public void OnCustomStatus(string? statusJson, object? status) =>
            executor.Report(new CustomStatusChanged(instanceId, executor.Now, status, statusJson));

        public async ValueTask<WorkflowEvent?> NextResultAsync(CancellationToken token) => await _results.Reader.ReadAsync(token);

        public void Wake() => _results.Writer.TryWrite(null);

        public async Task ShutdownAsync()
        {
            await _stop.CancelAsync();
            Task[] running;
            lock (_running) running = _running.ToArray();
            try
            {
                await Task.WhenAll(running);
            }
            catch (Exception)
            {
                // Cancelled work ends with OperationCanceledException; results no one waits for are dropped.
            }
            _stop.Dispose();
        }

        private async Task Deliver(int taskId, Func<Task<WorkflowEvent>> work)
        {
            WorkflowEvent result;
            try
            {
                result = await work();
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return; // the instance is being abandoned (Ctrl-C) or has ended
            }
            catch (Exception ex)
            {
                // A fault of the executor itself still reaches the workflow: it must never wait for a result forever.
                result = new WorkflowEvent(WorkflowEventKind.TaskFailed, taskId, Failure: WorkflowFailureDetails.FromException(ex));
            }
            _results.Writer.TryWrite(result);
        }

        private async Task<WorkflowEvent> TimerAsync(WorkflowEvent decision, CancellationToken timerCancellation, CancellationToken stop)
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(timerCancellation, stop);
            try
            {
                // Timers may wake a little early against the wall clock; a durable timer never fires before its time.
                for (var delay = decision.FireAt!.Value - executor.Now; delay > TimeSpan.Zero; delay = decision.FireAt.Value - executor.Now)
                    await Task.Delay(delay < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : delay, executor._options.Time, linked.Token);
                return new WorkflowEvent(WorkflowEventKind.TaskCompleted, decision.TaskId);
            }
            catch (OperationCanceledException) when (!stop.IsCancellationRequested)
            {
                return new WorkflowEvent(WorkflowEventKind.TaskCanceled, decision.TaskId);
            }
        }
    }
}
