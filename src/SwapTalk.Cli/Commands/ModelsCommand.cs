using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SwapTalk.Core.Inference;
using SwapTalk.Core.Models;

namespace SwapTalk.Cli.Commands;

/// <summary>
/// <c>swaptalk models check DIR</c>: load every model the manifest names from DIR and compare it
/// with its stage's contract. <c>swaptalk models probe DIR</c>: write the probe models into DIR.
/// Exit codes: 0 fine, 1 mismatches or refused files, 2 unusable arguments or environment.
/// </summary>
internal static class ModelsCommand
{
    public const int Mismatch = 1;
    public const int Unusable = 2;

    public static Command Create()
    {
        var command = new Command("models", "Check model files against the manifest, or write probe models");
        command.Subcommands.Add(ModelsCheckCommand.Create());
        command.Subcommands.Add(ModelsProbeCommand.Create());
        return command;
    }

    internal static Option<FileInfo> ManifestOption() => new("--manifest")
    {
        Description = "manifest to check against (default: DIR/manifest.json if present, else the built-in one)",
    };

    internal static bool TryManifest(FileInfo? explicitPath, DirectoryInfo folder, TextWriter error, out ModelManifest manifest)
    {
        try
        {
            var inFolder = Path.Combine(folder.FullName, "manifest.json");
            manifest = explicitPath is not null ? ModelManifest.Load(explicitPath.FullName)
                : File.Exists(inFolder) ? ModelManifest.Load(inFolder)
                : ModelManifest.Default;
            return true;
        }
        catch (InvalidDataException e)
        {
            error.WriteLine(e.Message);
            manifest = null!;
            return false;
        }
    }

    internal static bool TryRuntime(IHost host, TextWriter error, out OrtRuntime runtime)
    {
        try
        {
            // The binding's own warnings (e.g. a CUDA fallback) go to stderr; ORT's load chatter is tallied in the table.
            runtime = host.Services.GetRequiredService<OrtRuntime>();
            return true;
        }
        catch (OrtLibraryException e)
        {
            error.WriteLine($"models check: {e.Message}");
            runtime = null!;
            return false;
        }
    }

    internal static int Fail(TextWriter error, string message)
    {
        error.WriteLine(message);
        return Unusable;
    }
}
