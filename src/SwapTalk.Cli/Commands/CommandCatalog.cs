using System.CommandLine;

namespace SwapTalk.Cli.Commands;

/// <summary>Every top-level subcommand of <c>swaptalk</c>; one line per command group.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> All()
    {
        yield return VersionCommand.Create();
        yield return Bench.BenchCommand.Create();
        yield return ModelsCommand.Create();
        yield return MediaCommandGroup.Create();
        yield return InspectCommand.Create();
        yield return DubCommand.Create();
        yield return EvalCommand.Create();
        yield return WorkerCommand.Create();
        yield return JobsCommand.Create();
        yield return ServeCommand.Create();
    }
}

internal static class VersionCommand
{
    public static Command Create()
    {
        var command = new Command("version", "Print the swaptalk version");
        command.SetAction(_ =>
        {
            Console.WriteLine(typeof(VersionCommand).Assembly.GetName().Version);
            return 0;
        });
        return command;
    }
}
