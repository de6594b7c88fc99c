using System.CommandLine;
using System.Runtime.InteropServices;

namespace SwapTalk.Bench;

/// <summary>
/// <c>swaptalk-bench [inference|media|kernels|tracking|pipeline|fleet] [--quick] [--out DIR]</c>: the benchmarks, a
/// program of their own (the <c>swaptalk</c> command does not ship them). Dubs run as <c>swaptalk</c> child processes.
/// </summary>
public static class BenchProgram
{
    public static async Task<int> Main(string[] args)
    {
        // Ctrl-C / SIGTERM stop the running area (its child processes are stopped by their own disposal).
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });
        var parse = BenchCommand.Create().Parse(args);
        var code = await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }, stop.Token);
        return parse.Errors.Count > 0 ? 2 : code;
    }
}
