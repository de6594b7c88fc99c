using System.Text.Json;
using SwapTalk.Tests.Support;

namespace SwapTalk.Tests.Deployment;

/// <summary>The repository's deployment files, loaded once for all consistency tests.</summary>
public sealed class DeploymentAssets
{
    private static readonly Lazy<DeploymentAssets> Repo = new(() => new DeploymentAssets(RepoPaths.Root));

    public static DeploymentAssets Current => Repo.Value;

    private DeploymentAssets(string root)
    {
        Root = root;
        BicepDir = System.IO.Path.Combine(root, "bicep");
        Bicep = Directory.EnumerateFiles(BicepDir, "*.bicep", SearchOption.AllDirectories)
            .ToDictionary(p => System.IO.Path.GetFullPath(p), BicepSource.Load, StringComparer.Ordinal);
        Main = Bicep[System.IO.Path.GetFullPath(System.IO.Path.Combine(BicepDir, "main.bicep"))];
        FunctionApp = Bicep[System.IO.Path.GetFullPath(System.IO.Path.Combine(BicepDir, "modules", "function-app.bicep"))];
        AzureYaml = SimpleYaml.Parse(File.ReadAllText(Path("azure.yaml")));
        Dockerfile = DockerfileSource.Load(Path("infra/Dockerfile"));
        HostJson = ReadJson("host.json");
        LocalSettings = ReadJson("local.settings.json.example");
        MainParameters = ReadJson("bicep/main.parameters.json");
        PostDeployHook = File.ReadAllText(Path("infra/hooks/postdeploy.sh"));
        FunctionsProjectDir = Path("src/SwapTalk.Functions");
        Functions = FunctionsSource.Load(FunctionsProjectDir);
    }

    public string Root { get; }
    public string BicepDir { get; }
    public IReadOnlyDictionary<string, BicepSource> Bicep { get; }
    public BicepSource Main { get; }
    public BicepSource FunctionApp { get; }
    public IReadOnlyDictionary<string, string> AzureYaml { get; }
    public DockerfileSource Dockerfile { get; }
    public JsonElement HostJson { get; }
    public JsonElement LocalSettings { get; }
    public JsonElement MainParameters { get; }
    public string PostDeployHook { get; }

    /// <summary>src/SwapTalk.Functions, read as text (it does not compile here).</summary>
    public string FunctionsProjectDir { get; }
    public FunctionsSource Functions { get; }

    /// <summary>The names function-app.bicep sets on the container (its <c>appSettings</c> array).</summary>
    public IReadOnlyList<string> BicepAppSettings => FunctionApp.NamesInArrayVariable("appSettings");

    public string Path(string relative) => System.IO.Path.GetFullPath(System.IO.Path.Combine(Root, relative));

    /// <summary>Resolves a module path the way Bicep does: relative to the referring file.</summary>
    public BicepSource? Resolve(BicepSource from, string modulePath) =>
        Bicep.GetValueOrDefault(System.IO.Path.GetFullPath(System.IO.Path.Combine(System.IO.Path.GetDirectoryName(from.Path)!, modulePath)));

    private JsonElement ReadJson(string relative)
    {
        var path = Path(relative);
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            return doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException($"{relative} is not valid JSON: {e.Message}", e);
        }
    }
}
