using System.CommandLine;
using Microsoft.Extensions.Logging.Abstractions;
using SwapTalk.Fleet;

namespace SwapTalk.Cli.Commands;

/// <summary><c>swaptalk jobs status|cancel ID --storage CONN [--task-hub NAME]</c>: a fleet job's state, or ending it.</summary>
internal static class JobsCommand
{
    public static Command Create()
    {
        var command = new Command("jobs", "Jobs in a fleet's task hub: status, cancel");
        command.Subcommands.Add(Sub("status", "Show a job's state and progress", async (client, id, stdout, stderr) =>
        {
            if (await client.GetAsync(id) is not { } state) { stderr.WriteLine($"jobs: no job '{id}' in this task hub"); return DubCommand.BadInput; }
            stdout.WriteLine($"{id}: {RemoteDub.Describe(state)}");
            if (state.FailureMessage is not null) stdout.WriteLine($"  failure: {state.FailureType}: {state.FailureMessage}");
            if (state.Result is { } r) stdout.WriteLine($"  output: {r.OutputBlob}  report: {r.ReportBlob}");
            return DubCommand.Ok;
        }));
        command.Subcommands.Add(Sub("cancel", "End a pending or running job", async (client, id, stdout, stderr) =>
        {
            if (await client.CancelAsync(id, "cancelled with swaptalk jobs cancel")) { stdout.WriteLine($"{id}: cancelled"); return DubCommand.Ok; }
            stderr.WriteLine($"jobs: '{id}' is not a pending or running job in this task hub");
            return DubCommand.BadInput;
        }));
        return command;
    }

    private static Command Sub(string name, string description, Func<FleetClient, string, TextWriter, TextWriter, Task<int>> run)
    {
        var id = new Argument<string>("id") { Description = "the job id" };
        var storage = FleetCommandOptions.Storage();
        var taskHub = FleetCommandOptions.TaskHub();
        var command = new Command(name, description) { id, storage, taskHub };
        command.SetAction(async (parse, ct) =>
        {
            var stderr = parse.InvocationConfiguration.Error;
            if (FleetCommandOptions.Resolve(parse, storage, taskHub, stderr, "jobs") is not { } fleet) return DubCommand.BadInput;
            // No pipeline service is needed, so no CliHost: the client's own logging stays silent and stdout is the job's state only.
            var client = await FleetClient.ConnectAsync(fleet, NullLoggerFactory.Instance);
            return await run(client, parse.GetValue(id)!, parse.InvocationConfiguration.Output, stderr);
        });
        return command;
    }
}
