using Spectre.Console;

namespace SwapTalk.Cli.Commands;

/// <summary>A Spectre.Console for a writer: colour on a terminal; plain, unwrapped text for pipes, files and tests.</summary>
internal static class PlainConsole
{
    public static IAnsiConsole For(TextWriter writer)
    {
        // Pipes, files and tests get plain text: no colour codes, and no wrapping of long notes.
        var output = new AnsiConsoleOutput(writer);
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = output,
            Ansi = output.IsTerminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = output.IsTerminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
        });
        if (!output.IsTerminal) console.Profile.Width = 200;
        return console;
    }
}
