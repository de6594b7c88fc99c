using System.CommandLine;

namespace SwapTalk.Cli.Commands;

/// <summary>
/// <c>swaptalk dub --face F --video V [--audio A] [--models DIR] --out O [--work DIR]</c>: the whole job on this
/// machine (<see cref="LocalDub"/>: validate, plan, prepare, render segments in parallel, stitch, report), or with
/// <c>--storage</c> on a fleet (<see cref="RemoteDub"/>), with progress, the report's path at the end and meaningful
/// exit codes: 0 ok, 2 bad input or usage, 3 cancelled (run the same command again to resume: finished segments stay
/// in the work folder), 1 anything else.
/// </summary>
internal static class DubCommand
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int BadInput = 2;
    public const int Cancelled = 3;

    public static Command Create()
    {
        var options = new DubOptions();
        var command = new Command("dub", "Dub a video: the portrait's face on the target video, lips synced to the driving audio");
        foreach (var o in options.All) command.Options.Add(o);
        command.SetAction(async (parse, ct) =>
        {
            var request = options.Request(parse);
            var (stdout, stderr) = (parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
            if (parse.GetValue(options.Storage) is not null)
                return FleetCommandOptions.Resolve(parse, options.Storage, options.TaskHub, stderr, "dub") is { } fleet
                    ? await RemoteDub.RunAsync(request, fleet, options.Force(parse), stdout, stderr, ct)
                    : BadInput;
            return await LocalDub.RunAsync(request, options.Settings(parse, request.Output!), stdout, stderr, ct);
        });
        return command;
    }
}
