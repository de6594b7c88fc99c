using System.CommandLine;

namespace SwapTalk.Cli.Commands;

/// <summary><c>swaptalk version</c>: the assembly version.</summary>
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
