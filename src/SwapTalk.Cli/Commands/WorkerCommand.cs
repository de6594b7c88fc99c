using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SwapTalk.Core.Activities;
using SwapTalk.Core.Composition;
using SwapTalk.Core.Inference;
using SwapTalk.Core.Models;
using SwapTalk.Core.Workflow;
using SwapTalk.Fleet;

namespace SwapTalk.Cli.Commands;

/// <summary>
/// <c>swaptalk worker --storage CONN [--task-hub NAME] [--models DIR] [--slots N]</c>: one worker of a fleet on the
/// Durable Task Framework. Runs orchestrations and renders segments as work arrives until SIGTERM or Ctrl-C, then
/// stops taking work, lets the item in flight finish (or abandons it to another worker after the grace period).
/// </summary>
internal static partial class WorkerCommand
{
    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial System.Text.RegularExpressions.Regex WorkerNameRule();

    public static Command Create()
    {
        var storage = FleetCommandOptions.Storage();
        var taskHub = FleetCommandOptions.TaskHub();
        var models = new Option<DirectoryInfo?>("--models") { Description = $"this worker's models folder (default: ${ModelCatalog.DirectoryVariable}, else ./models)" };
        var slots = new Option<int>("--slots") { Description = "segments this worker renders at once", DefaultValueFactory = _ => 1 };
        var threads = new Option<int?>("--threads") { Description = "ONNX Runtime threads per model (default: the cores shared by the slots)" };
        var name = new Option<string?>("--name") { Description = "this worker's name in logs and reports (default: host name and process id)" };
        var lease = new Option<int>("--lease") { Description = "seconds a taken item stays hidden from other workers without renewal (a dead worker's item returns after this)", DefaultValueFactory = _ => 60 };
        var grace = new Option<int>("--grace") { Description = "seconds the item in flight gets to finish on SIGTERM before it is abandoned", DefaultValueFactory = _ => 30 };
        var poll = new Option<double>("--poll") { Description = "longest seconds between two polls of an idle queue (how soon an idle worker sees new work)", DefaultValueFactory = _ => 5 };
        var command = new Command("worker", "Run one worker of a fleet: orchestrations and segments from a task hub on Azure Storage (or Azurite)");
        foreach (var o in new Option[] { storage, taskHub, models, slots, threads, name, lease, grace, poll }) command.Options.Add(o);
        command.SetAction(async (parse, ct) =>
        {
            var stderr = parse.InvocationConfiguration.Error;
            if (FleetCommandOptions.Resolve(parse, storage, taskHub, stderr, "worker") is not { } fleet) return DubCommand.BadInput;
            var slotCount = parse.GetValue(slots);
            if (slotCount is < 1 or > 64) { stderr.WriteLine($"worker: --slots {slotCount} is out of range; use 1..64"); return DubCommand.BadInput; }
            var leaseSeconds = parse.GetValue(lease);
            if (leaseSeconds is < 10 or > 3600) { stderr.WriteLine($"worker: --lease {leaseSeconds} is out of range; use 10..3600"); return DubCommand.BadInput; }
            if (parse.GetValue(name) is { Length: > 0 } given && !WorkerNameRule().IsMatch(given))
            {
                stderr.WriteLine($"worker: --name '{given}' is not a worker name: 1 to 64 letters, digits, '.', '_' or '-' (it is stored in blob metadata)");
                return DubCommand.BadInput;
            }
            var pollSeconds = parse.GetValue(poll);
            if (pollSeconds is < 0.05 or > 300) { stderr.WriteLine($"worker: --poll {pollSeconds} is out of range; use 0.05..300 seconds"); return DubCommand.BadInput; }
            var graceSeconds = parse.GetValue(grace);
            if (graceSeconds is < 0 or > 3600) { stderr.WriteLine($"worker: --grace {graceSeconds} is out of range; use 0..3600"); return DubCommand.BadInput; }
            fleet = fleet with
            {
                MaxPollingInterval = TimeSpan.FromSeconds(pollSeconds),
                Slots = slotCount,
                WorkItemLease = TimeSpan.FromSeconds(leaseSeconds),
                WorkerName = parse.GetValue(name) is { Length: > 0 } n ? n : fleet.WorkerName,
            };
            var modelsDir = parse.GetValue(models)?.FullName ?? ModelCatalog.ResolveDirectory(null);
            return await RunAsync(fleet, modelsDir, parse.GetValue(threads), TimeSpan.FromSeconds(graceSeconds), stderr, ct);
        });
        return command;
    }

    private static async Task<int> RunAsync(FleetOptions fleet, string modelsDir, int? threads, TimeSpan grace, TextWriter stderr, CancellationToken cancellationToken)
    {
        PipelineServices.ReturnLargeBlocksToTheSystem();
        var scratch = Path.Combine(Path.GetTempPath(), $"swaptalk-worker-{Environment.ProcessId}");
        try
        {
            // The worker on the Generic Host: logging, options and the composition root set up once; SIGTERM or
            // Ctrl-C stop the host, whose lifetime runs the drain (FleetWorkerService.StopAsync) within its shutdown timeout.
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], DisableDefaults = true });
            builder.Configuration.AddEnvironmentVariables();
            builder.Logging.ClearProviders()
                .AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; })
                .SetMinimumLevel(LogLevel.Warning)
                .AddFilter("SwapTalk", LogLevel.Information)
                .AddFilter("SwapTalk.Inference.OnnxRuntime", LogLevel.Error);
            builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
            builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = grace + FleetWorker.StopAllowance);
            var options = new PipelineOptions { SegmentParallelism = fleet.Slots, ScratchDirectory = Path.Combine(scratch, "pipeline") };
            // The worker's name goes into the metadata of every segment it renders: the job report says who rendered what.
            options = options with { IntraOpThreads = threads ?? Math.Max(1, Environment.ProcessorCount / fleet.Slots), WorkerName = fleet.WorkerName };
            var store = await fleet.Storage.JobStoreAsync(fleet.TaskHub, Path.Combine(scratch, "blobs"), cancellationToken);
            builder.Services
                .AddSingleton(store)
                .AddSingleton(new SwapTalkHostSettings(modelsDir, options))
                .AddSwapTalk(builder.Configuration)
                .AddHostedService(sp => new FleetWorkerService(fleet, sp.GetRequiredService<ActivityRegistry>(),
                    sp.GetRequiredService<OrchestratorCatalog>(), sp.GetRequiredService<ILoggerFactory>(), grace));
            using var host = builder.Build();
            try
            {
                host.Services.GetRequiredService<OrtRuntime>(); // ONNX Runtime's native library, checked before taking work
            }
            catch (OrtLibraryException e)
            {
                stderr.WriteLine($"worker: {e.Message}");
                return DubCommand.Failed;
            }
            await host.RunAsync(cancellationToken);
            return DubCommand.Ok;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return DubCommand.Ok;
        }
        finally
        {
            try { Directory.Delete(scratch, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>The fleet worker as the host's service: starts taking work with the host, drains when the host stops.</summary>
    private sealed class FleetWorkerService(FleetOptions fleet, ActivityRegistry activities, OrchestratorCatalog orchestrators,
        ILoggerFactory loggers, TimeSpan grace) : IHostedService
    {
        private FleetWorker? _worker;

        public async Task StartAsync(CancellationToken cancellationToken) =>
            _worker = await FleetWorker.StartAsync(fleet, activities, orchestrators, loggers);

        public async Task StopAsync(CancellationToken cancellationToken)
        {
            if (_worker is null) return;
            await _worker.StopAsync(grace);
            await _worker.DisposeAsync();
        }
    }
}

/// <summary>The options every fleet command shares: the storage account (a secret, never printed) and the task hub.</summary>
internal static class FleetCommandOptions
{
    public const string StorageVariable = "SWAPTALK_STORAGE";

    public static Option<string?> Storage() => new("--storage")
    {
        Description = $"the fleet's storage: a connection string or an account URL (https://ACCOUNT.blob.core.windows.net, default Azure credential); default ${StorageVariable}",
    };

    public static Option<string> TaskHub() => new("--task-hub") { Description = "the task hub's name", DefaultValueFactory = _ => FleetOptions.DefaultTaskHub };

    public static FleetOptions? Resolve(ParseResult parse, Option<string?> storage, Option<string> taskHub, TextWriter stderr, string command)
    {
        var text = parse.GetValue(storage) ?? Environment.GetEnvironmentVariable(StorageVariable);
        if (string.IsNullOrWhiteSpace(text)) { stderr.WriteLine($"{command}: --storage is required (or set {StorageVariable})"); return null; }
        var hub = parse.GetValue(taskHub)!;
        if (FleetOptions.CheckTaskHub(hub) is { } problem) { stderr.WriteLine($"{command}: {problem}"); return null; }
        try
        {
            return new FleetOptions(FleetStorage.Parse(text), hub);
        }
        catch (ArgumentException e)
        {
            stderr.WriteLine($"{command}: {e.Message.Split(" (Parameter")[0]}");
            return null;
        }
    }
}
