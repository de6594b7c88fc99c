using DurableTask.AzureStorage;
using DurableTask.Core;
using DurableTask.Core.Exceptions;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Converters;
using Microsoft.DurableTask.Worker;
using Microsoft.DurableTask.Worker.Shims;
using Microsoft.Extensions.Logging;
using SwapTalk.Core.Activities;
using SwapTalk.Core.Workflow;

namespace SwapTalk.Fleet;

/// <summary>
/// One worker of a fleet: a Durable Task Framework <see cref="TaskHubWorker"/> on the Azure Storage provider that
/// runs the very orchestrators (<see cref="OrchestratorCatalog"/>) and activities (<see cref="ActivityRegistry"/>)
/// every other engine runs, bridged by the SDK's own <see cref="DurableTaskShimFactory"/>. Any number of workers
/// share a task hub: orchestrations are spread over the control-queue partitions, activities over the work-item
/// queue, so segments render wherever there is a free slot.
/// </summary>
public sealed class FleetWorker : IAsyncDisposable
{
    private static readonly TimeSpan AbandonWait = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan ReleaseWait = TimeSpan.FromSeconds(20);

    /// <summary>What <see cref="StopAsync"/> may take beyond its grace period (abandoning, then releasing the task hub): a host's shutdown timeout adds it.</summary>
    public static TimeSpan StopAllowance { get; } = AbandonWait + ReleaseWait + TimeSpan.FromSeconds(5);
    private readonly TaskHubWorker _worker;
    private readonly DrainingOrchestrationService _service;
    private readonly CancellationTokenSource _abandon = new();
    private readonly ILogger _log;
    private readonly TimeSpan _lease;
    private bool _stopped;
    private bool _cleanStop;

    private FleetWorker(TaskHubWorker worker, DrainingOrchestrationService service, TimeSpan lease, ILogger log)
    {
        _worker = worker;
        _service = service;
        _lease = lease;
        _log = log;
    }

    public static AzureStorageOrchestrationServiceSettings ServiceSettings(FleetOptions options, ILoggerFactory loggers) => new()
    {
        StorageAccountClientProvider = options.Storage.TaskHubClients(),
        TaskHubName = options.TaskHub,
        PartitionCount = options.PartitionCount,
        WorkerId = options.WorkerName,
        MaxConcurrentTaskActivityWorkItems = options.Slots,
        WorkItemQueueVisibilityTimeout = options.WorkItemLease,
        ControlQueueVisibilityTimeout = options.WorkItemLease,
        MaxQueuePollingInterval = options.MaxPollingInterval,
        LoggerFactory = loggers,
    };

    /// <summary>Creates the task hub if needed and starts taking work.</summary>
    public static async Task<FleetWorker> StartAsync(FleetOptions options, ActivityRegistry activities, OrchestratorCatalog orchestrators, ILoggerFactory loggers)
    {
        var provider = new AzureStorageOrchestrationService(ServiceSettings(options, loggers));
        await provider.CreateIfNotExistsAsync();
        var service = new DrainingOrchestrationService(provider);
        var worker = new TaskHubWorker(service, loggers)
        {
            // The SDK's shims expect failure details (error type and message) rather than serialized exceptions.
            ErrorPropagationMode = ErrorPropagationMode.UseFailureDetails,
        };
        var fleet = new FleetWorker(worker, service, options.WorkItemLease, loggers.CreateLogger("SwapTalk.Fleet.Worker"));
        var shims = new DurableTaskShimFactory(new DurableTaskWorkerOptions { DataConverter = new JsonDataConverter(WorkflowJson.Options) }, loggers);
        foreach (var name in orchestrators.Names)
            worker.AddTaskOrchestrations(new Creator<TaskOrchestration>(name, () => shims.CreateOrchestration(name, orchestrators.Get(name))));
        foreach (var name in activities.Names)
        {
            var activity = new RegistryActivity(activities.Get(name), options.WorkerName, fleet._log, fleet._abandon.Token);
            worker.AddTaskActivities(new Creator<TaskActivity>(name, () => shims.CreateActivity(name, activity)));
        }
        await worker.StartAsync();
        fleet._log.LogInformation("worker {Worker} takes work from task hub {TaskHub} on {Storage}: {Slots} slot(s)",
            options.WorkerName, options.TaskHub, options.Storage, options.Slots);
        return fleet;
    }

    /// <summary>
    /// Stops taking work. Items in flight get <paramref name="grace"/> to finish; those still running then are
    /// abandoned: given back to the queue, where another worker takes them within seconds. Then the worker lets go
    /// of its control-queue partitions, so other workers run its orchestrations.
    /// </summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_stopped) return;
        _stopped = true;
        _service.StopTakingActivities();
        _log.LogInformation("stopping: no new work; {Count} item(s) in flight have {Seconds} s to finish", _service.ActivitiesInFlight, grace.TotalSeconds);
        var drained = _service.WhenActivitiesDrained;
        if (await Task.WhenAny(drained, Task.Delay(grace)) != drained)
        {
            _log.LogWarning("abandoning {Count} item(s) still in flight: they go back to the queue for another worker", _service.ActivitiesInFlight);
            await _abandon.CancelAsync();
            if (await Task.WhenAny(drained, Task.Delay(AbandonWait)) != drained)
                _log.LogWarning("{Count} item(s) could not be given back (storage unreachable?); they return to the queue when their {Seconds} s lease runs out",
                    _service.ActivitiesInFlight, _lease.TotalSeconds);
        }
        var release = _worker.StopAsync(isForced: false);
        if (await Task.WhenAny(release, Task.Delay(ReleaseWait)) != release)
        {
            // With the storage unreachable the provider may never answer: leave anyway; its leases expire on their own.
            _log.LogWarning("the task hub did not acknowledge the stop (storage unreachable?); leaving anyway");
            return;
        }
        _cleanStop = true;
        _log.LogInformation("stopped");
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.Zero);
        if (_cleanStop) _worker.Dispose();
        _abandon.Dispose();
    }

    /// <summary>How the worker finds a type by name (the SDK's orchestrators and activities have no version).</summary>
    private sealed class Creator<T> : ObjectCreator<T>
    {
        private readonly Func<T> _create;

        public Creator(string name, Func<T> create)
        {
            Name = name;
            Version = string.Empty;
            _create = create;
        }

        public override T Create() => _create();
    }

    /// <summary>
    /// A registry activity as the SDK's <see cref="ITaskActivity"/>: typed input, the worker's cancellation (an
    /// abandoned item goes back to the queue), and a log line for each start, end, abandon or failure.
    /// </summary>
    private sealed class RegistryActivity(ActivityRegistration registration, string workerName, ILogger log, CancellationToken abandon) : ITaskActivity
    {
        public Type InputType => registration.InputType;
        public Type OutputType => registration.OutputType;

        public async Task<object?> RunAsync(TaskActivityContext context, object? input)
        {
            // "RenderSegment 3 of job-...:render:0000": the segment's number, since the instance names only its batch.
            var work = input is ISegmentScoped segmentScoped ? $"{registration.Name} {segmentScoped.SegmentIndex}" : registration.Name;
            log.LogInformation("{Work} of {Instance} started", work, context.InstanceId);
            var started = DateTime.UtcNow;
            try
            {
                var output = await registration.InvokeAsync(input, abandon);
                log.LogInformation("{Work} of {Instance} done in {Seconds:F1} s", work, context.InstanceId, (DateTime.UtcNow - started).TotalSeconds);
                return output;
            }
            catch (OperationCanceledException) when (abandon.IsCancellationRequested)
            {
                // Not a failure of the activity: the dispatcher gives the item back to the queue, unanswered.
                log.LogWarning("{Work} of {Instance} abandoned after {Seconds:F1} s (this worker is stopping)", work, context.InstanceId,
                    (DateTime.UtcNow - started).TotalSeconds);
                throw new SessionAbortedException($"{workerName} is stopping: {work} of {context.InstanceId} goes back to the queue");
            }
            catch (Exception e)
            {
                log.LogWarning("{Work} of {Instance} failed: {Type}: {Message}", work, context.InstanceId, e.GetType().Name, e.Message);
                throw;
            }
        }
    }
}
