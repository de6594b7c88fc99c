using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SwapTalk.Cli.Hosting;
using SwapTalk.Core.Activities;
using SwapTalk.Core.Inference;
using SwapTalk.Core.Workflow;
using SwapTalk.Fleet;

namespace SwapTalk.Cli.Commands;

/// <summary>
/// <c>swaptalk worker --storage CONN [--task-hub NAME] [--models DIR] [--slots N]</c>: one worker of a fleet on the
/// Durable Task Framework. Runs orchestrations and renders segments as work arrives until SIGTERM or Ctrl-C, then
/// stops taking work, lets the item in flight finish (or abandons it to another worker after the grace period).
/// </summary>
internal static class WorkerCommand
{
    public static Command Create()
    {
        var options = new WorkerOptions();
        var command = new Command("worker", "Run one worker of a fleet: orchestrations and segments from a task hub on Azure Storage (or Azurite)");
        foreach (var o in options.All) command.Options.Add(o);
        command.SetAction(async (parse, ct) =>
        {
            var stderr = parse.InvocationConfiguration.Error;
            return options.Read(parse, stderr) is { } worker
                ? await RunAsync(worker.Fleet, worker.Models, worker.Threads, worker.Grace, stderr, ct)
                : DubCommand.BadInput;
        });
        return command;
    }

    private static async Task<int> RunAsync(FleetOptions fleet, string modelsDir, int? threads, TimeSpan grace, TextWriter stderr, CancellationToken cancellationToken)
    {
        var scratch = Path.Combine(Path.GetTempPath(), $"swaptalk-worker-{Environment.ProcessId}");
        try
        {
            var options = new PipelineOptions { SegmentParallelism = fleet.Slots, ScratchDirectory = Path.Combine(scratch, "pipeline") };
            // The worker's name goes into the metadata of every segment it renders: the job report says who rendered what.
            options = options with { IntraOpThreads = threads ?? Math.Max(1, Environment.ProcessorCount / fleet.Slots), WorkerName = fleet.WorkerName };
            var store = await fleet.Storage.JobStoreAsync(fleet.TaskHub, Path.Combine(scratch, "blobs"), cancellationToken);
            // SIGTERM or Ctrl-C stop the host, whose lifetime runs the drain (FleetWorkerService.StopAsync) within its shutdown timeout.
            using var host = CliHost.ForJobs(_ => store, options, modelsDir, builder =>
            {
                builder.Logging.ClearProviders()
                    .AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; })
                    .SetMinimumLevel(LogLevel.Warning)
                    .AddFilter("SwapTalk", LogLevel.Information)
                    .AddFilter("SwapTalk.Inference.OnnxRuntime", LogLevel.Error);
                builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = grace + FleetWorker.StopAllowance);
                builder.Services.AddHostedService(sp => new FleetWorkerService(fleet, sp.GetRequiredService<ActivityRegistry>(),
                    sp.GetRequiredService<OrchestratorCatalog>(), sp.GetRequiredService<ILoggerFactory>(), grace));
            });
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
}
