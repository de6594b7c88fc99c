using System.Collections.Concurrent;
using DurableTask.Core;

namespace SwapTalk.Fleet;

/// <summary>
/// The task hub as one worker's <see cref="TaskHubWorker"/> sees it, with a way to drain: after
/// <see cref="StopTakingActivities"/> no activity work item is taken any more, while the ones already taken run on to
/// their completion or abandonment (<see cref="WhenActivitiesDrained"/>). Everything else is the provider's own.
/// </summary>
/// <remarks>
/// Why not just <see cref="TaskHubWorker.StopAsync(bool)"/>: its dispatchers wait at most about 8 s for work items in
/// flight, then stop the provider, and a process leaving then would drop a segment that needs longer; it would only
/// come back to the queue when its lease ran out. Counting work items from lock to complete or abandon here covers
/// the provider's own calls (the result's message, the queue message's deletion), which happen after the activity returns.
/// </remarks>
internal sealed class DrainingOrchestrationService(IOrchestrationService inner) : IOrchestrationService
{
    private static readonly TimeSpan Idle = TimeSpan.FromMilliseconds(500);
    private readonly ConcurrentDictionary<string, byte> _activities = new();
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _draining;

    /// <summary>Activity work items taken and not yet completed or abandoned.</summary>
    public int ActivitiesInFlight => _activities.Count;

    /// <summary>Takes no more activity work items (orchestration steps go on, so results still reach their orchestrations).</summary>
    public void StopTakingActivities()
    {
        _draining = true;
        CheckDrained();
    }

    /// <summary>Completes when draining and no activity work item is in flight.</summary>
    public Task WhenActivitiesDrained => _drained.Task;

    public async Task<TaskActivityWorkItem> LockNextTaskActivityWorkItem(TimeSpan receiveTimeout, CancellationToken cancellationToken)
    {
        if (_draining)
        {
            // The dispatcher asks again at once after an empty answer: wait a little, as an empty queue would.
            await Task.Delay(Idle, cancellationToken);
            return null!;
        }
        var item = await inner.LockNextTaskActivityWorkItem(receiveTimeout, cancellationToken);
        if (item is null) return null!;
        _activities[item.Id] = 0;
        if (_draining)
        {
            // Taken in the moment draining began: give it straight back for another worker.
            await AbandonTaskActivityWorkItemAsync(item);
            return null!;
        }
        return item;
    }

    public async Task CompleteTaskActivityWorkItemAsync(TaskActivityWorkItem workItem, TaskMessage responseMessage)
    {
        try
        {
            await inner.CompleteTaskActivityWorkItemAsync(workItem, responseMessage);
        }
        finally
        {
            Release(workItem);
        }
    }

    public async Task AbandonTaskActivityWorkItemAsync(TaskActivityWorkItem workItem)
    {
        try
        {
            await inner.AbandonTaskActivityWorkItemAsync(workItem);
        }
        finally
        {
            Release(workItem);
        }
    }

    private void Release(TaskActivityWorkItem workItem)
    {
        _activities.TryRemove(workItem.Id, out _);
        CheckDrained();
    }

    private void CheckDrained()
    {
        if (_draining && _activities.IsEmpty) _drained.TrySetResult();
    }

    public Task<TaskActivityWorkItem> RenewTaskActivityWorkItemLockAsync(TaskActivityWorkItem workItem) => inner.RenewTaskActivityWorkItemLockAsync(workItem);
    public int TaskActivityDispatcherCount => inner.TaskActivityDispatcherCount;
    public int MaxConcurrentTaskActivityWorkItems => inner.MaxConcurrentTaskActivityWorkItems;

    public Task StartAsync() => inner.StartAsync();
    public Task StopAsync() => inner.StopAsync();
    public Task StopAsync(bool isForced) => inner.StopAsync(isForced);
    public Task CreateAsync() => inner.CreateAsync();
    public Task CreateAsync(bool recreateInstanceStore) => inner.CreateAsync(recreateInstanceStore);
    public Task CreateIfNotExistsAsync() => inner.CreateIfNotExistsAsync();
    public Task DeleteAsync() => inner.DeleteAsync();
    public Task DeleteAsync(bool deleteInstanceStore) => inner.DeleteAsync(deleteInstanceStore);

    public bool IsMaxMessageCountExceeded(int currentMessageCount, OrchestrationRuntimeState runtimeState) => inner.IsMaxMessageCountExceeded(currentMessageCount, runtimeState);
    public int GetDelayInSecondsAfterOnProcessException(Exception exception) => inner.GetDelayInSecondsAfterOnProcessException(exception);
    public int GetDelayInSecondsAfterOnFetchException(Exception exception) => inner.GetDelayInSecondsAfterOnFetchException(exception);
    public int TaskOrchestrationDispatcherCount => inner.TaskOrchestrationDispatcherCount;
    public int MaxConcurrentTaskOrchestrationWorkItems => inner.MaxConcurrentTaskOrchestrationWorkItems;
    public BehaviorOnContinueAsNew EventBehaviourForContinueAsNew => inner.EventBehaviourForContinueAsNew;

    public Task<TaskOrchestrationWorkItem> LockNextTaskOrchestrationWorkItemAsync(TimeSpan receiveTimeout, CancellationToken cancellationToken) =>
        inner.LockNextTaskOrchestrationWorkItemAsync(receiveTimeout, cancellationToken);

    public Task RenewTaskOrchestrationWorkItemLockAsync(TaskOrchestrationWorkItem workItem) => inner.RenewTaskOrchestrationWorkItemLockAsync(workItem);

    public Task CompleteTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem, OrchestrationRuntimeState newOrchestrationRuntimeState,
        IList<TaskMessage> outboundMessages, IList<TaskMessage> orchestratorMessages, IList<TaskMessage> timerMessages, TaskMessage continuedAsNewMessage,
        OrchestrationState orchestrationState) =>
        inner.CompleteTaskOrchestrationWorkItemAsync(workItem, newOrchestrationRuntimeState, outboundMessages, orchestratorMessages, timerMessages,
            continuedAsNewMessage, orchestrationState);

    public Task AbandonTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem) => inner.AbandonTaskOrchestrationWorkItemAsync(workItem);
    public Task ReleaseTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem) => inner.ReleaseTaskOrchestrationWorkItemAsync(workItem);
}
