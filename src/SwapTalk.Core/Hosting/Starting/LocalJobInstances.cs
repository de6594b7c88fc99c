using System.Collections.Concurrent;
using System.Text.Json;
using SwapTalk.Core.Activities;
using SwapTalk.Core.Execution;
using SwapTalk.Core.Workflow;

namespace SwapTalk.Core.Hosting.Starting;

/// <summary>
/// <see cref="IJobInstances"/> in-process: each started instance runs on a <see cref="LocalWorkflowExecutor"/> in the
/// background, with the custom status, output and failure kept as Durable keeps them. It lets the triggers' logic
/// run end to end on one machine (and in tests) with the same workflows and activities the cloud runs.
/// Instances live as long as this object; there is no persistence across processes.
/// </summary>
public sealed class LocalJobInstances(ActivityRegistry activities, OrchestratorCatalog? catalog = null, LocalExecutorOptions? options = null)
    : IJobInstances, IAsyncDisposable
{
    private readonly OrchestratorCatalog _catalog = catalog ?? CloudWorkflows.Catalog;
    private readonly LocalExecutorOptions _options = options ?? new LocalExecutorOptions();
    private readonly ConcurrentDictionary<string, Instance> _instances = new(StringComparer.Ordinal);

    public Task<JobInstanceInfo?> GetAsync(string instanceId, CancellationToken cancellationToken) =>
        Task.FromResult(_instances.TryGetValue(instanceId, out var instance) ? instance.Snapshot() : null);

    public Task StartAsync(string workflowName, string instanceId, object input, CancellationToken cancellationToken)
    {
        _catalog.Get(workflowName);
        var now = _options.Time.GetUtcNow();
        var instance = new Instance(instanceId, now);
        if (!_instances.TryAdd(instanceId, instance))
            throw new InvalidOperationException($"an instance with id '{instanceId}' already exists");
        var executor = new LocalWorkflowExecutor(activities, _catalog, _options with { Progress = new Listener(instance, _options.Progress, _options.Time) });
        instance.Run = Task.Run(() => RunAsync(executor, workflowName, instance, input), CancellationToken.None);
        return Task.CompletedTask;
    }

    public Task CancelAsync(string instanceId, string reason, CancellationToken cancellationToken)
    {
        if (_instances.TryGetValue(instanceId, out var instance)) instance.Cancel(reason);
        return Task.CompletedTask;
    }

    /// <summary>Waits for an instance to finish (in any way) and returns its final state.</summary>
    public async Task<JobInstanceInfo> WaitAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        if (!_instances.TryGetValue(instanceId, out var instance)) throw new ArgumentException($"no instance '{instanceId}'", nameof(instanceId));
        await instance.Run!.WaitAsync(cancellationToken);
        return instance.Snapshot();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var instance in _instances.Values) instance.Cancel("the host is shutting down");
        foreach (var instance in _instances.Values)
            if (instance.Run is { } run) await run;
    }

    private async Task RunAsync(LocalWorkflowExecutor executor, string workflowName, Instance instance, object input)
    {
        instance.Set(JobRuntimeState.Running, _options.Time.GetUtcNow());
        try
        {
            var output = await executor.RunAsync<JsonElement>(workflowName, instance.Id, input, instance.Cancellation.Token);
            instance.Finish(JobRuntimeState.Completed, _options.Time.GetUtcNow(), output: output.GetRawText());
        }
        catch (OperationCanceledException)
        {
            instance.Finish(JobRuntimeState.Terminated, _options.Time.GetUtcNow(), failure: instance.CancelReason);
        }
        catch (WorkflowFailedException ex)
        {
            instance.Finish(JobRuntimeState.Failed, _options.Time.GetUtcNow(), failure: ex.Failure.ErrorMessage);
        }
        catch (Exception ex)
        {
            instance.Finish(JobRuntimeState.Failed, _options.Time.GetUtcNow(), failure: ex.Message);
        }
    }

    private sealed class Instance(string id, DateTimeOffset created)
    {
        private readonly Lock _gate = new();
        private JobRuntimeState _state = JobRuntimeState.Pending;
        private DateTimeOffset _updated = DateTimeOffset.MinValue;
        private string? _status, _output, _failure;

        public string Id => id;
        public Task? Run { get; set; }
        public CancellationTokenSource Cancellation { get; } = new();
        public string? CancelReason { get; private set; }

        public void Cancel(string reason)
        {
            lock (_gate)
            {
                if (_state.IsTerminal()) return;
                CancelReason ??= reason;
            }
            Cancellation.Cancel();
        }

        public void Set(JobRuntimeState state, DateTimeOffset at)
        {
            lock (_gate)
            {
                if (!_state.IsTerminal()) (_state, _updated) = (state, at);
            }
        }

        public void SetStatus(string? json, DateTimeOffset at)
        {
            lock (_gate) (_status, _updated) = (json, at);
        }

        public void Finish(JobRuntimeState state, DateTimeOffset at, string? output = null, string? failure = null)
        {
            lock (_gate) (_state, _updated, _output, _failure) = (state, at, output, failure);
        }

        public JobInstanceInfo Snapshot()
        {
            lock (_gate) return new JobInstanceInfo(id, _state, created, _updated == DateTimeOffset.MinValue ? created : _updated, _status, _output, _failure);
        }
    }

    /// <summary>Keeps the top-level instance's custom status (children have their own ids) and forwards every event.</summary>
    private sealed class Listener(Instance instance, IProgress<ExecutionEvent>? next, TimeProvider time) : IProgress<ExecutionEvent>
    {
        public void Report(ExecutionEvent value)
        {
            if (value is CustomStatusChanged status && status.InstanceId == instance.Id) instance.SetStatus(status.StatusJson, time.GetUtcNow());
            next?.Report(value);
        }
    }
}
