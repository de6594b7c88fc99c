using SwapTalk.Core.Hosting;
using SwapTalk.Core.Hosting.Manifests;
using SwapTalk.Core.Hosting.Starting;
namespace SwapTalk.Http;

/// <summary>Where a job instance is, in the host's terms (Durable's OrchestrationRuntimeStatus, by name).</summary>
public enum JobRuntimeState
{
    Pending,
    Running,
    Suspended,
    Completed,
    Failed,
    Terminated,
    Unknown,
}

public static class JobRuntimeStates
{
    /// <summary>
    /// Maps Durable's status names. ContinuedAsNew and Canceled are obsolete in Durable (compatibility only):
    /// the first is still running, the second ended like a termination.
    /// </summary>
    public static JobRuntimeState FromDurableName(string? name) => name switch
    {
        "Pending" => JobRuntimeState.Pending,
        "Running" or "ContinuedAsNew" => JobRuntimeState.Running,
        "Suspended" => JobRuntimeState.Suspended,
        "Completed" => JobRuntimeState.Completed,
        "Failed" => JobRuntimeState.Failed,
        "Terminated" or "Canceled" => JobRuntimeState.Terminated,
        _ => JobRuntimeState.Unknown,
    };

    public static bool IsTerminal(this JobRuntimeState state) =>
        state is JobRuntimeState.Completed or JobRuntimeState.Failed or JobRuntimeState.Terminated;
}

/// <summary>
/// One job instance as a host's runtime reports it (Durable: OrchestrationMetadata fetched with inputs and outputs).
/// </summary>
/// <param name="CustomStatusJson">The workflow's last custom status (a <see cref="Core.Workflow.JobStatus"/>) as JSON.</param>
/// <param name="OutputJson">The workflow's output (a <see cref="Core.Workflow.DubJobResult"/>) as JSON, once completed.</param>
/// <param name="FailureMessage">The runtime's failure message, when the instance failed.</param>
public sealed record JobInstanceInfo(
    string InstanceId,
    JobRuntimeState State,
    DateTimeOffset CreatedAt,
    DateTimeOffset LastUpdatedAt,
    string? CustomStatusJson = null,
    string? OutputJson = null,
    string? FailureMessage = null,
    LiveProgress? Live = null);

/// <summary>Throughput and time left, where the runtime measures them while a job runs (the embedded executor does).</summary>
public sealed record LiveProgress(double? FramesPerSecond, double? SecondsLeft);

/// <summary>
/// The port to the runtime that runs job workflows: Durable's DurableTaskClient in the cloud (a line per member),
/// the Durable test host's client in tests. Triggers only query, start and cancel through it.
/// </summary>
public interface IJobInstances
{
    /// <returns>The instance, or null when none has that id.</returns>
    Task<JobInstanceInfo?> GetAsync(string instanceId, CancellationToken cancellationToken);

    /// <summary>Schedules a new instance of a workflow. Throws (with any exception type) when the id is taken.</summary>
    Task StartAsync(string workflowName, string instanceId, object input, CancellationToken cancellationToken);

    /// <summary>Stops a running instance and its children; a finished one is left as it is.</summary>
    Task CancelAsync(string instanceId, string reason, CancellationToken cancellationToken);

    /// <summary>The newest job instances first (never a job's render batches), at most <paramref name="max"/>.</summary>
    Task<IReadOnlyList<JobInstanceInfo>> ListAsync(int max, CancellationToken cancellationToken);
}
