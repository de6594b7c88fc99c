using System.Diagnostics;
using SwapTalk.Core.Inference;
using SwapTalk.Tests.Support;

namespace SwapTalk.Tests.Inference;

/// <summary>How ONNX Runtime travels with a build: one native package per build, inside the build's own folder.</summary>
public class OrtPackagingTests
{
    private static readonly string[] NativePackages = ["Microsoft.ML.OnnxRuntime", "Microsoft.ML.OnnxRuntime.Gpu.Linux"];

    [Theory]
    [InlineData(false, "Microsoft.ML.OnnxRuntime")]
    [InlineData(true, "Microsoft.ML.OnnxRuntime.Gpu.Linux")]
    public async Task A_build_references_exactly_one_native_package(bool gpu, string expected)
    {
        // MSBuild's own evaluation of the core project (no restore, no build): what a real build would reference.
        var (exit, stdout, stderr) = await RunAsync("dotnet",
            ["msbuild", Path.Combine(RepoPaths.Root, "src", "SwapTalk.Core", "SwapTalk.Core.csproj"), "-getItem:PackageReference",
             $"-p:SwapTalkGpu={(gpu ? "true" : "false")}", "-nologo"], RepoPaths.Root, null);
        exit.Should().Be(0, stderr);
        var references = System.Text.Json.JsonDocument.Parse(stdout).RootElement.GetProperty("Items").GetProperty("PackageReference")
            .EnumerateArray().Select(e => e.GetProperty("Identity").GetString()!).ToArray();
        references.Intersect(NativePackages).Should().Equal(expected);
        references.Should().Contain("Microsoft.ML.OnnxRuntime.Managed");
    }

    [Fact]
    public async Task The_cli_copied_to_another_folder_loads_onnx_runtime_without_any_setting()
    {
        // The CLI's own build output (bin/<configuration>/net10.0), copied elsewhere, run from a third folder with a
        // clean environment: the native library must come from the copy itself.
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/')).Parent!.Name;
        var built = Path.Combine(RepoPaths.Root, "src", "SwapTalk.Cli", "bin", configuration, "net10.0");
        File.Exists(Path.Combine(built, "swaptalk.dll")).Should().BeTrue($"the CLI is built into {built}");
        using var copy = new TempDir("swaptalk-cli-copy");
        foreach (var file in Directory.EnumerateFiles(built, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(copy.Path, Path.GetRelativePath(built, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        using var models = new TempDir("swaptalk-cli-models");
        using var elsewhere = new TempDir("swaptalk-cli-cwd");

        var probe = await RunCliAsync(copy.Path, elsewhere.Path, "models", "probe", models.Path);
        probe.Exit.Should().Be(0, probe.Stderr);
        var check = await RunCliAsync(copy.Path, elsewhere.Path, "models", "check", models.Path);
        check.Stdout.Should().Contain($"ONNX Runtime {OrtRuntime.Shared.Version}");
        check.Stdout.Should().MatchRegex(@"vq_encoder\s*│\s*vq_encoder\.onnx\s*│\s*ok", "probe models load and match through the copied binary");

        // And the test can fail: without the library beside it, the same copy reports what is missing.
        File.Delete(Path.Combine(copy.Path, "libonnxruntime.so"));
        var broken = await RunCliAsync(copy.Path, elsewhere.Path, "models", "check", models.Path);
        broken.Exit.Should().NotBe(0);
        broken.Stderr.Should().Contain($"ONNX Runtime's native library (libonnxruntime.so from {OrtRuntime.Package}) did not load")
            .And.Contain(copy.Path);
    }

    private static Task<(int Exit, string Stdout, string Stderr)> RunCliAsync(string folder, string workingDirectory, params string[] args)
    {
        var environment = Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(k => k.StartsWith("SWAPTALK_", StringComparison.Ordinal) || k is "LD_LIBRARY_PATH" or "LD_PRELOAD")
            .ToDictionary(k => k, _ => (string?)null);
        return RunAsync("dotnet", [Path.Combine(folder, "swaptalk.dll"), .. args], workingDirectory, environment);
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(string file, IEnumerable<string> args, string workingDirectory,
        IReadOnlyDictionary<string, string?>? environment)
    {
        var info = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) info.ArgumentList.Add(a);
        if (environment is not null)
            foreach (var (k, v) in environment)
                if (v is null) info.Environment.Remove(k); else info.Environment[k] = v;
        using var process = Process.Start(info)!;
        var ct = TestContext.Current.CancellationToken;
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        try
        {
            await process.WaitForExitAsync(ct).WaitAsync(TimeSpan.FromMinutes(2), ct);
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        return (process.ExitCode, await stdout, await stderr);
    }
}
