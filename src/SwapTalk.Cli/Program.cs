using System.CommandLine;
using System.Runtime.InteropServices;
using SwapTalk.Cli.Commands;

namespace SwapTalk.Cli;

public static class Program
{
    /// <summary>Exit code for command-line usage errors (unknown option, missing value...): the same as bad input.</summary>
    public const int UsageError = 2;

    public static async Task<int> Main(string[] args)
    {
        // Ctrl-C / SIGTERM cancel the running command, which stops its work and cleans up (ffmpeg processes are
        // killed, finished segments kept); a second Ctrl-C ends the process at once.
        using var stop = new CancellationTokenSource();
        var interrupts = 0;
        Console.CancelKeyPress += (_, e) =>
        {
            if (Interlocked.Increment(ref interrupts) > 1) return;
            e.Cancel = true;
            Console.Error.WriteLine("swaptalk: stopping (press Ctrl-C again to quit at once)");
            stop.Cancel();
        };
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });
        return await InvokeAsync(args, new InvocationConfiguration(), stop.Token);
    }

    /// <summary>
    /// Parses and runs a command line; parse errors exit with <see cref="UsageError"/> (System.CommandLine's own
    /// default is 1, which here means "failed"). Termination signals are handled by <see cref="Main"/>, not here.
    /// </summary>
    public static async Task<int> InvokeAsync(string[] args, InvocationConfiguration configuration, CancellationToken cancellationToken = default)
    {
        configuration.ProcessTerminationTimeout = null;
        var parse = BuildRoot().Parse(args);
        // --json promises one JSON object on stdout whatever happens, a usage error included (no help text there).
        if (parse.Errors.Count > 0 && args.Contains("--json"))
            return CommandFailures.Usage(args.FirstOrDefault() ?? "swaptalk", parse.Errors.Select(e => e.Message), configuration.Output, configuration.Error);
        var code = await parse.InvokeAsync(configuration, cancellationToken);
        return parse.Errors.Count > 0 ? UsageError : code;
    }

    /// <summary>The whole command tree; tests parse against it too.</summary>
    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("swaptalk: customised talking-face video (SwapTalk: face swap + lip sync in one VQGAN latent space)");
        foreach (var command in CommandCatalog.All())
            root.Subcommands.Add(command);
        return root;
    }
}
