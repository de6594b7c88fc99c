using System.Text.Json.Nodes;

namespace SwapTalk.Functions.Tests.Deployment;

/// <summary>
/// Every Bicep file through the real compiler (<c>bicep build</c>) and linter (<c>bicep lint</c>, which reports the
/// compiler's diagnostics too): zero errors, zero warnings. Compiled once per run; other tests read the ARM JSON.
/// </summary>
public sealed class BicepTests
{
    private const string Pattern = "bicep/**/*.bicep";

    private static readonly Lazy<Task<Compiled>> Once = new(CompileAsync);

    public sealed record Compiled(string OutputFolder, (int ExitCode, string StdOut, string StdErr) Build, (int ExitCode, string StdOut, string StdErr) Lint);

    /// <summary>The compiled ARM template of one Bicep file (path relative to bicep/, e.g. modules/function-app.bicep).</summary>
    public static async Task<JsonNode> TemplateAsync(string bicepFile)
    {
        var compiled = await Once.Value;
        compiled.Build.ExitCode.Should().Be(0, compiled.Build.StdErr);
        return JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(compiled.OutputFolder, Path.ChangeExtension(bicepFile, ".json"))))!;
    }

    private static async Task<Compiled> CompileAsync()
    {
        var output = Path.Combine(Path.GetTempPath(), "swaptalk-bicep-" + Guid.NewGuid().ToString("N"));
        var build = await Repository.BicepAsync(CancellationToken.None, "build", "--pattern", Pattern, "--outdir", output);
        var lint = await Repository.BicepAsync(CancellationToken.None, "lint", "--pattern", Pattern);
        return new Compiled(output, build, lint);
    }

    private static IReadOnlyList<string> Files() =>
        Directory.GetFiles(Repository.PathOf("bicep"), "*.bicep", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Repository.PathOf("bicep"), f)).Order(StringComparer.Ordinal).ToList();

    [Fact]
    public async Task Every_file_compiles_to_an_arm_template_without_a_diagnostic()
    {
        var compiled = await Once.Value;
        compiled.Build.ExitCode.Should().Be(0, compiled.Build.StdErr);
        (compiled.Build.StdOut + compiled.Build.StdErr).Trim().Should().BeEmpty("the compiler reports warnings and errors");
        Files().Should().HaveCountGreaterThanOrEqualTo(9);
        foreach (var file in Files())
            (await TemplateAsync(file))["$schema"]!.GetValue<string>().Should().ContainEquivalentOf("deploymentTemplate.json", file);
    }

    [Fact]
    public async Task Every_file_passes_the_linter()
    {
        var compiled = await Once.Value;
        compiled.Lint.ExitCode.Should().Be(0, compiled.Lint.StdErr);
        (compiled.Lint.StdOut + compiled.Lint.StdErr).Trim().Should().BeEmpty("every linter rule and compiler check passes");
    }

    [Fact]
    public async Task The_linter_does_report_what_it_finds()
    {
        // The same run on a file with the warning the registry module once had: the check above can fail.
        var folder = Directory.CreateTempSubdirectory("swaptalk-bicep-");
        try
        {
            var file = Path.Combine(folder.FullName, "registry.bicep");
            await File.WriteAllTextAsync(file, """
                resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
                  name: 'crexample'
                  location: resourceGroup().location
                  sku: { name: 'Basic' }
                  properties: { anonymousPullEnabled: false }
                }
                """);
            var lint = await Repository.BicepAsync(TestContext.Current.CancellationToken, "lint", file);
            (lint.StdOut + lint.StdErr).Should().Contain("Warning BCP037").And.Contain("anonymousPullEnabled");
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
