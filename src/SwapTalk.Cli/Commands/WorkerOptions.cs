using System.CommandLine;
using SwapTalk.Core.Models;
using SwapTalk.Fleet;

namespace SwapTalk.Cli.Commands;

/// <summary><c>swaptalk worker</c>'s options, checked and read into the fleet's settings.</summary>
internal sealed partial class WorkerOptions
{
    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial System.Text.RegularExpressions.Regex WorkerNameRule();

    private readonly Option<string?> _storage = FleetCommandOptions.Storage();
    private readonly Option<string> _taskHub = FleetCommandOptions.TaskHub();
    private readonly Option<DirectoryInfo?> _models = new("--models") { Description = $"this worker's models folder (default: ${ModelCatalog.DirectoryVariable}, else ./models)" };
    private readonly Option<int> _slots = new("--slots") { Description = "segments this worker renders at once", DefaultValueFactory = _ => 1 };
    private readonly Option<int?> _threads = new("--threads") { Description = "ONNX Runtime threads per model (default: the cores shared by the slots)" };
    private readonly Option<string?> _name = new("--name") { Description = "this worker's name in logs and reports (default: host name and process id)" };
    private readonly Option<int> _lease = new("--lease") { Description = "seconds a taken item stays hidden from other workers without renewal (a dead worker's item returns after this)", DefaultValueFactory = _ => 60 };
    private readonly Option<int> _grace = new("--grace") { Description = "seconds the item in flight gets to finish on SIGTERM before it is abandoned", DefaultValueFactory = _ => 30 };
    private readonly Option<double> _poll = new("--poll") { Description = "longest seconds between two polls of an idle queue (how soon an idle worker sees new work)", DefaultValueFactory = _ => 5 };

    public IEnumerable<Option> All => [_storage, _taskHub, _models, _slots, _threads, _name, _lease, _grace, _poll];

    /// <summary>The worker's settings, or null with the first problem on stderr.</summary>
    public (FleetOptions Fleet, string Models, int? Threads, TimeSpan Grace)? Read(ParseResult parse, TextWriter stderr)
    {
        if (FleetCommandOptions.Resolve(parse, _storage, _taskHub, stderr, "worker") is not { } fleet) return null;
        var slotCount = parse.GetValue(_slots);
        if (slotCount is < 1 or > 64) return Problem(stderr, $"--slots {slotCount} is out of range; use 1..64");
        var leaseSeconds = parse.GetValue(_lease);
        if (leaseSeconds is < 10 or > 3600) return Problem(stderr, $"--lease {leaseSeconds} is out of range; use 10..3600");
        if (parse.GetValue(_name) is { Length: > 0 } given && !WorkerNameRule().IsMatch(given))
            return Problem(stderr, $"--name '{given}' is not a worker name: 1 to 64 letters, digits, '.', '_' or '-' (it is stored in blob metadata)");
        var pollSeconds = parse.GetValue(_poll);
        if (pollSeconds is < 0.05 or > 300) return Problem(stderr, $"--poll {pollSeconds} is out of range; use 0.05..300 seconds");
        var graceSeconds = parse.GetValue(_grace);
        if (graceSeconds is < 0 or > 3600) return Problem(stderr, $"--grace {graceSeconds} is out of range; use 0..3600");
        fleet = fleet with
        {
            MaxPollingInterval = TimeSpan.FromSeconds(pollSeconds),
            Slots = slotCount,
            WorkItemLease = TimeSpan.FromSeconds(leaseSeconds),
            WorkerName = parse.GetValue(_name) is { Length: > 0 } n ? n : fleet.WorkerName,
        };
        return (fleet, parse.GetValue(_models)?.FullName ?? ModelCatalog.ResolveDirectory(null), parse.GetValue(_threads), TimeSpan.FromSeconds(graceSeconds));
    }

    private static (FleetOptions, string, int?, TimeSpan)? Problem(TextWriter stderr, string message)
    {
        stderr.WriteLine($"worker: {message}");
        return null;
    }
}
