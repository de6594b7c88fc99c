using System.CommandLine;
using SwapTalk.Core.Media;

namespace SwapTalk.Cli.Commands;

/// <summary><c>swaptalk media ...</c>: the media engine from the command line (probe, resegment).</summary>
internal static class MediaCommandGroup
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int BadInput = 2;

    public static Command Create()
    {
        var media = new Command("media", "Media engine: probe files, split/concatenate/mux videos (ffmpeg)");
        media.Subcommands.Add(MediaProbeCommand.Create());
        media.Subcommands.Add(MediaResegmentCommand.Create());
        return media;
    }

    internal static int Usage(string message)
    {
        Console.Error.WriteLine($"swaptalk: {message}");
        return BadInput;
    }

    /// <summary>Maps failures to exit codes with one clear line: 2 for bad input or usage, 1 for anything else.</summary>
    internal static async Task<int> RunAsync(Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (MediaException e)
        {
            Console.Error.WriteLine($"swaptalk: {e.Message}");
            return e.IsBadInput ? BadInput : Failed;
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"swaptalk: {e.Message}");
            return BadInput;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("swaptalk: cancelled");
            return 3;
        }
        catch (IOException e)
        {
            Console.Error.WriteLine($"swaptalk: {e.Message}");
            return Failed;
        }
        catch (Exception e)
        {
            // Anything unexpected: one line and a log file holding the stack trace, never the trace itself.
            return new CommandFailures("media", Console.Out, Console.Error, json: false).Unexpected(e, "the media command");
        }
    }
}
