using System.Text.RegularExpressions;

namespace SwapTalk.Fleet;

/// <summary>A fleet's task hub on a storage account, and how one worker takes part.</summary>
public sealed partial record FleetOptions(FleetStorage Storage, string TaskHub = FleetOptions.DefaultTaskHub)
{
    public const string DefaultTaskHub = "swaptalk";

    /// <summary>Control-queue partitions: how many workers can run orchestrations at once (fixed once the hub exists).</summary>
    public int PartitionCount { get; init; } = 4;

    /// <summary>Activities (segments) this worker runs at once.</summary>
    public int Slots { get; init; } = 1;

    /// <summary>
    /// How long a work item a worker took stays hidden from the others without renewal: a worker that dies (kill -9,
    /// lost VM) hands its item to another after this. Live workers renew it.
    /// </summary>
    public TimeSpan WorkItemLease { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The longest wait between two polls of an idle queue (the provider backs off from 50 ms up to this). The
    /// provider's own default, 30 s, would let a job submitted to an idle fleet wait that long for its first step;
    /// 5 s costs about one storage transaction a second per idle worker.
    /// </summary>
    public TimeSpan MaxPollingInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>This worker's name in logs and in the segment results (default: host name and process id).</summary>
    public string WorkerName { get; init; } = $"{Environment.MachineName}-{Environment.ProcessId}";

    /// <summary>Task hub names: 3..45 letters and digits, starting with a letter (they name queues, tables and containers).</summary>
    public static string? CheckTaskHub(string name) =>
        TaskHubRule().IsMatch(name) ? null : $"--task-hub '{name}' is not a task hub name: 3 to 45 letters and digits, starting with a letter";

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9]{2,44}$")]
    private static partial Regex TaskHubRule();
}
