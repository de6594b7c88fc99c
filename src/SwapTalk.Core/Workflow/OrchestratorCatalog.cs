using Microsoft.DurableTask;

namespace SwapTalk.Core.Workflow;

public static class WorkflowNames
{
    public const string DubJob = "DubJob";
    public const string RenderSegments = "RenderSegments";
}

/// <summary>
/// The orchestrators an engine without a registry of its own (the embedded executor) runs, by name.
/// Durable hosts register the same classes: the Functions app as orchestrator functions, the test host and
/// workers through the SDK's DurableTaskRegistry.
/// </summary>
public sealed class OrchestratorCatalog
{
    private readonly Dictionary<string, ITaskOrchestrator> _byName = new(StringComparer.Ordinal);

    /// <summary>The dub and its segment-batch child.</summary>
    public static OrchestratorCatalog Default { get; } = new OrchestratorCatalog()
        .Add(WorkflowNames.DubJob, new DubJobOrchestrator())
        .Add(WorkflowNames.RenderSegments, new RenderSegmentsOrchestrator());

    public IReadOnlyCollection<string> Names => _byName.Keys;

    /// <summary>A copy with one more orchestrator (the default catalog is shared and stays unchanged).</summary>
    public OrchestratorCatalog With(string name, ITaskOrchestrator orchestrator)
    {
        var copy = new OrchestratorCatalog();
        foreach (var (key, value) in _byName) copy._byName[key] = value;
        return copy.Add(name, orchestrator);
    }

    public ITaskOrchestrator Get(string name) =>
        _byName.TryGetValue(name, out var orchestrator)
            ? orchestrator
            : throw new InvalidOperationException($"no orchestrator named '{name}' is registered (known: {string.Join(", ", _byName.Keys.Order())})");

    private OrchestratorCatalog Add(string name, ITaskOrchestrator orchestrator)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(orchestrator);
        if (!_byName.TryAdd(name, orchestrator)) throw new ArgumentException($"orchestrator '{name}' is registered twice", nameof(name));
        return this;
    }
}
