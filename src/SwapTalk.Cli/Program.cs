using System.CommandLine;
using SwapTalk.Cli.Commands;

namespace SwapTalk.Cli;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var root = BuildRoot();
        return await root.Parse(args).InvokeAsync();
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
