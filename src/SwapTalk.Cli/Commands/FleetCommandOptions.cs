using System.CommandLine;
using SwapTalk.Fleet;

namespace SwapTalk.Cli.Commands;

/// <summary>The options every fleet command shares: the storage account (a secret, never printed) and the task hub.</summary>
internal static class FleetCommandOptions
{
    public const string StorageVariable = "SWAPTALK_STORAGE";

    public static Option<string?> Storage(string? description = null) => new("--storage")
    {
        Description = description ?? $"the fleet's storage: a connection string or an account URL (https://ACCOUNT.blob.core.windows.net, default Azure credential); default ${StorageVariable}",
    };

    public static Option<string> TaskHub() => new("--task-hub") { Description = "the task hub's name", DefaultValueFactory = _ => FleetOptions.DefaultTaskHub };

    public static FleetOptions? Resolve(ParseResult parse, Option<string?> storage, Option<string> taskHub, TextWriter stderr, string command)
    {
        var text = parse.GetValue(storage) ?? Environment.GetEnvironmentVariable(StorageVariable);
        if (string.IsNullOrWhiteSpace(text)) { stderr.WriteLine($"{command}: --storage is required (or set {StorageVariable})"); return null; }
        var hub = parse.GetValue(taskHub)!;
        if (FleetOptions.CheckTaskHub(hub) is { } problem) { stderr.WriteLine($"{command}: {problem}"); return null; }
        try
        {
            return new FleetOptions(FleetStorage.Parse(text), hub);
        }
        catch (ArgumentException e)
        {
            stderr.WriteLine($"{command}: {e.Message.Split(" (Parameter")[0]}");
            return null;
        }
    }
}
