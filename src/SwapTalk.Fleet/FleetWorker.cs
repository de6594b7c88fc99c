using DurableTask.AzureStorage;
using DurableTask.Core;
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
    private readonly TaskHubWorker _worker;
    private readonly CancellationTokenSource _abandon = new();
    private readonly ILogger _log;
    private bool _stopped;
    private bool _cleanStop;

    private FleetWorker(TaskHubWorker worker, ILogger log)
    {
        _worker = worker;
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
        LoggerFactory = loggers,
    };

    /// <summary>Creates the task hub if needed and starts taking work.</summary>
    public static async Task<FleetWorker> StartAsync(FleetOptions options, ActivityRegistry activities, OrchestratorCatalog orchestrators, ILoggerFactory loggers)
    {
        var service = new AzureStorageOrchestrationService(ServiceSettings(options, loggers));
        await service.CreateIfNotExistsAsync();
        var worker = new TaskHubWorker(service, loggers)
        {
            // The SDK's shims expect failure details (error type and message) rather than serialized exceptions.
            ErrorPropagationMode = ErrorPropagationMode.UseFailureDetails,
        };
        var fleet = new FleetWorker(worker, loggers.CreateLogger("SwapTalk.Fleet.Worker"));
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
    /// Stops taking work. Items in flight get <paramref name="grace"/> to finish; then they are cancelled, and
    /// their messages, no longer renewed, return to the queue for another worker.
    /// </summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_stopped) return;
        _stopped = true;
        _log.LogInformation("stopping: no new work; items in flight have {Seconds} s to finish", grace.TotalSeconds);
        var stop = _worker.StopAsync(isForced: false);
        if (await Task.WhenAny(stop, Task.Delay(grace)) != stop)
        {
            _log.LogWarning("abandoning the items still in flight (another worker takes them)");
            await _abandon.CancelAsync();
            // With the storage unreachable the framework may never acknowledge: exit anyway; leases and messages expire on their own.
            var forced = _worker.StopAsync(isForced: true);
            if (await Task.WhenAny(forced, Task.Delay(TimeSpan.FromSeconds(5))) != forced)
            {
                _log.LogWarning("the task hub did not acknowledge the stop (storage unreachable?); leaving anyway");
                return;
            }
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
    /// A registry activity as the SDK's <see cref="ITaskActivity"/>: typed input, the worker's cancellation, and the
    /// worker's name on every rendered segment (the job report says who rendered what).
    /// </summary>
    private sealed class RegistryActivity(ActivityRegistration registration, string workerName, ILogger log, CancellationToken abandon) : ITaskActivity
    {
        public Type InputType => registration.InputType;
        public Type OutputType => registration.OutputType;

        public async Task<object?> RunAsync(TaskActivityContext context, object? input)
        {
            log.LogInformation("{Activity} of {Instance} started", registration.Name, context.InstanceId);
            var started = DateTime.UtcNow;
            try
            {
                var output = await registration.InvokeAsync(input, abandon);
                if (output is RenderSegmentResult segment) output = segment with { Worker = workerName };
                log.LogInformation("{Activity} of {Instance} done in {Seconds:F1} s", registration.Name, context.InstanceId, (DateTime.UtcNow - started).TotalSeconds);
                return output;
            }
            catch (Exception e)
            {
                log.LogWarning("{Activity} of {Instance} failed: {Type}: {Message}", registration.Name, context.InstanceId, e.GetType().Name, e.Message);
                throw;
            }
        }
    }
}
