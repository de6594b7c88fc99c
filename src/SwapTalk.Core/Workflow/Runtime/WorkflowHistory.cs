using System.Collections.Concurrent;
using System.Text.Json.Serialization;

namespace SwapTalk.Core.Workflow.Runtime;

[JsonConverter(typeof(JsonStringEnumConverter<WorkflowEventKind>))]
public enum WorkflowEventKind
{
    // Decisions: what the workflow code did (checked on replay).
    ActivityScheduled,
    SubWorkflowScheduled,
    TimerScheduled,
    CustomStatusSet,

    // Results: what came back (fed to the workflow on replay, in this order).
    TaskCompleted,
    TaskFailed,
    TaskCanceled,
}

/// <summary>
/// One entry of a workflow instance's history, like Durable's history events. Decisions carry the task id,
/// name and input JSON (or the status JSON); results carry the task id, the time the workflow saw them, and the
/// result JSON or the failure.
/// </summary>
public sealed record WorkflowEvent(
    WorkflowEventKind Kind,
    int TaskId = -1,
    string? Name = null,
    string? Payload = null,
    string? ChildInstanceId = null,
    DateTime? FireAt = null,
    DateTime? Timestamp = null,
    WorkflowFailureDetails? Failure = null)
{
    [JsonIgnore] public bool IsDecision => Kind <= WorkflowEventKind.CustomStatusSet;

    public override string ToString() => Kind switch
    {
        WorkflowEventKind.ActivityScheduled => $"#{TaskId} call activity {Name} {Payload}",
        WorkflowEventKind.SubWorkflowScheduled => $"#{TaskId} call workflow {Name} as '{ChildInstanceId}' {Payload}",
        WorkflowEventKind.TimerScheduled => $"#{TaskId} timer until {FireAt:O}",
        WorkflowEventKind.CustomStatusSet => $"status {Payload}",
        WorkflowEventKind.TaskCompleted => $"#{TaskId} completed {Payload}",
        WorkflowEventKind.TaskFailed => $"#{TaskId} failed {Failure}",
        _ => $"#{TaskId} canceled",
    };
}

/// <summary>The recorded run of one workflow instance: input, every event in order, and how it ended.</summary>
public sealed record WorkflowHistory(
    string Name,
    string InstanceId,
    string? Input,
    DateTime StartedUtc,
    IReadOnlyList<WorkflowEvent> Events,
    string? Output,
    WorkflowFailureDetails? Failure,
    bool Finished)
{
    /// <summary>The decisions only (calls, timers, statuses): the sequence a replay must reproduce.</summary>
    [JsonIgnore] public IReadOnlyList<WorkflowEvent> Decisions => Events.Where(e => e.IsDecision).ToArray();
}

/// <summary>Receives one instance's events as the runtime produces them (in the order the workflow saw them).</summary>
public interface IWorkflowHistorySink
{
    void Add(WorkflowEvent historyEvent);
    void Finish(string? output, WorkflowFailureDetails? failure);
}

/// <summary>
/// Records every instance a run touches (the root and each child), for replay tests and for diagnosis.
/// Hosts that run workflows (the local executor) take one in their options.
/// </summary>
public sealed class WorkflowRecorder
{
    private readonly ConcurrentDictionary<string, Builder> _instances = new(StringComparer.Ordinal);

    public IReadOnlyList<WorkflowHistory> Histories => _instances.Values.Select(b => b.Build()).OrderBy(h => h.InstanceId, StringComparer.Ordinal).ToArray();

    public WorkflowHistory this[string instanceId] =>
        _instances.TryGetValue(instanceId, out var builder) ? builder.Build() : throw new KeyNotFoundException($"no recorded workflow instance '{instanceId}'");

    /// <summary>Starts recording an instance; a second run of the same instance id replaces the first recording.</summary>
    public IWorkflowHistorySink Begin(string name, string instanceId, string? input, DateTime startedUtc)
    {
        var builder = new Builder(name, instanceId, input, startedUtc);
        _instances[instanceId] = builder;
        return builder;
    }

    private sealed class Builder(string name, string instanceId, string? input, DateTime startedUtc) : IWorkflowHistorySink
    {
        private readonly List<WorkflowEvent> _events = [];
        private string? _output;
        private WorkflowFailureDetails? _failure;
        private bool _finished;

        public void Add(WorkflowEvent historyEvent)
        {
            lock (_events) _events.Add(historyEvent);
        }

        public void Finish(string? output, WorkflowFailureDetails? failure)
        {
            lock (_events)
            {
                _output = output;
                _failure = failure;
                _finished = true;
            }
        }

        public WorkflowHistory Build()
        {
            lock (_events) return new WorkflowHistory(name, instanceId, input, startedUtc, _events.ToArray(), _output, _failure, _finished);
        }
    }
}
