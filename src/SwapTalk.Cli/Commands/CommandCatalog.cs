using System.CommandLine;

namespace SwapTalk.Cli.Commands;

/// <summary>Every top-level subcommand of <c>swaptalk</c>; one line per command group.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> All()
    {
        yield return VersionCommand.Create();
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
