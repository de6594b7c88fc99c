using System.Diagnostics;
using System.Reflection;

namespace SwapTalk.Functions.Tests.Deployment;

/// <summary>Paths the build wrote into the test assembly: the repository root and the Bicep CLI.</summary>
public static class Repository
{
    private static string Metadata(string key) =>
        typeof(Repository).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
        ?? throw new InvalidOperationException($"assembly metadata '{key}' is empty");

    public static string Root => Metadata("RepoRoot");

    public static string PathOf(string relative) => Path.Combine(Root, relative);

    /// <summary>The Functions app's own build output (same configuration as these tests).</summary>
    public static string FunctionsOutput
    {
        get
        {
            var configuration = typeof(Repository).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;
            return PathOf(Path.Combine("src", "SwapTalk.Functions", "bin", configuration, "net10.0"));
        }
    }

    /// <summary>The real Bicep compiler from the Azure.Bicep.CommandLine.linux-x64 package (restore downloads it).</summary>
    public static string BicepCli
    {
        get
        {
            var path = Metadata("BicepCli");
            if (!File.Exists(path)) throw new FileNotFoundException($"the Bicep CLI is not at {path}; restore tests/SwapTalk.Functions.Tests (PackageDownload)", path);
            // NuGet extracts files without their run bit.
            var mode = File.GetUnixFileMode(path);
            if (!mode.HasFlag(UnixFileMode.UserExecute)) File.SetUnixFileMode(path, mode | UnixFileMode.UserExecute);
            return path;
        }
    }

    /// <summary>Runs the Bicep CLI; returns its exit code and everything it wrote.</summary>
    public static async Task<(int ExitCode, string StdOut, string StdErr)> BicepAsync(CancellationToken ct, params string[] arguments)
    {
        var start = new ProcessStartInfo(BicepCli) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = Root };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        // No telemetry, no update checks: the compiler runs offline.
        start.Environment["BICEP_TELEMETRY_ENABLED"] = "false";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        try
        {
            await process.WaitForExitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return (process.ExitCode, await stdout, await stderr);
    }
}
