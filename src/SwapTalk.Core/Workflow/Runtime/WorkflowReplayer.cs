namespace SwapTalk.Core.Workflow.Runtime;

/// <summary>What a replay saw: the decisions the workflow made, and its outcome.</summary>
public sealed record ReplayResult(string InstanceId, IReadOnlyList<WorkflowEvent> Decisions, WorkflowOutcome Outcome);

/// <summary>
/// Replays a recorded workflow instance without running anything: recorded results are fed back in their
/// recorded order and at their recorded times, and every decision the workflow makes is checked against the
/// recording (kind, task id, name, input JSON, child instance id, timer time, status). Any difference, a missing
/// or extra decision, or a different outcome throws <see cref="NonDeterministicWorkflowException"/> saying where.
/// This is how Durable replays orchestrations, so a workflow that replays here is safe to host there.
/// </summary>
public static class WorkflowReplayer
{
    public static async Task<ReplayResult> ReplayAsync(WorkflowHistory history, WorkflowCatalog catalog, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(history);
        if (!history.Finished)
            throw new ArgumentException($"the history of '{history.InstanceId}' is unfinished; only finished runs can be replayed", nameof(history));
        var driver = new ReplayDriver(history);
        var runner = new WorkflowRunner(catalog.Get(history.Name), history.InstanceId, history.Input, history.StartedUtc,
            isReplaying: true, driver, history: null, maxPayloadBytes: int.MaxValue,
            clock: () => throw new InvalidOperationException("a replayed result always carries its recorded time"));
        var outcome = await runner.RunAsync(cancellationToken);
        driver.CheckEnd(outcome);
        return new ReplayResult(history.InstanceId, driver.Decisions, outcome);
    }

    /// <summary>Replays every finished instance of a recording (the root and all children).</summary>
    public static async Task<IReadOnlyList<ReplayResult>> ReplayAllAsync(WorkflowRecorder recorder, WorkflowCatalog catalog, CancellationToken cancellationToken = default)
    {
        var results = new List<ReplayResult>();
        foreach (var history in recorder.Histories.Where(h => h.Finished))
            results.Add(await ReplayAsync(history, catalog, cancellationToken));
        return results;
    }

    private sealed class ReplayDriver(WorkflowHistory history) : IWorkflowDriver
    {
        private readonly IReadOnlyList<WorkflowEvent> _events = history.Events;
        private readonly List<WorkflowEvent> _decisions = [];
        private int _cursor;

        public IReadOnlyList<WorkflowEvent> Decisions => _decisions;

        public void OnScheduled(WorkflowEvent decision, WorkflowTaskOptions? options, CancellationToken timerCancellation) => Expect(decision);

        public void OnCustomStatus(string? statusJson, object? status) =>
            Expect(new WorkflowEvent(WorkflowEventKind.CustomStatusSet, Payload: statusJson));

        public ValueTask<WorkflowEvent?> NextResultAsync(CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_cursor >= _events.Count)
                throw Mismatch("the workflow waits for a result, but the recording ends here");
            var next = _events[_cursor];
            if (next.IsDecision)
                throw Mismatch($"the recording has the decision [{next}] here, but the workflow made no further decision and waits");
            _cursor++;
            return ValueTask.FromResult<WorkflowEvent?>(next);
        }

        public void Wake()
        {
            // Nothing runs outside the workflow thread on replay; stray posts are drained with the next result.
        }

        public void CheckEnd(WorkflowOutcome outcome)
        {
            if (_cursor < _events.Count)
                throw Mismatch($"the workflow finished, but the recording continues with [{_events[_cursor]}]");
            if (outcome.Output != history.Output)
                throw Mismatch($"the workflow returned {outcome.Output ?? "nothing"}, the recording returned {history.Output ?? "nothing"}");
            if (outcome.Failure?.ErrorType != history.Failure?.ErrorType || outcome.Failure?.ErrorMessage != history.Failure?.ErrorMessage)
                throw Mismatch($"the workflow ended with failure [{outcome.Failure}], the recording with [{history.Failure}]");
        }

        private void Expect(WorkflowEvent decision)
        {
            if (_cursor >= _events.Count)
                throw Mismatch($"the workflow made the decision [{decision}], but the recording ends here");
            var recorded = _events[_cursor];
            if (!recorded.IsDecision)
                throw Mismatch($"the workflow made the decision [{decision}], but the recording has the result [{recorded}] here");
            if (recorded.Kind != decision.Kind || recorded.TaskId != decision.TaskId || recorded.Name != decision.Name
                || recorded.Payload != decision.Payload || recorded.ChildInstanceId != decision.ChildInstanceId || recorded.FireAt != decision.FireAt)
                throw Mismatch($"the workflow made [{decision}], the recording has [{recorded}]");
            _cursor++;
            _decisions.Add(decision);
        }

        private NonDeterministicWorkflowException Mismatch(string what) =>
            new($"replay of workflow '{history.InstanceId}' ({history.Name}) diverged at event {_cursor}: {what}");
    }
}
