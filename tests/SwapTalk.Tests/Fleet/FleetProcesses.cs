using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using SwapTalk.Cli.Bench;
using SwapTalk.Tests.Support;

namespace SwapTalk.Tests.Fleet;

/// <summary>
/// An Azurite of the test's own (<see cref="LocalAzurite"/>: free loopback ports, a throw-away folder), so a test can
/// stop and restart it. Without Azurite the test skips saying so, except under CI=true or SWAPTALK_REQUIRE_AZURITE=1,
/// where it fails.
/// </summary>
internal static class OwnAzurite
{
    internal static Task<LocalAzurite> StartAsync(string folder)
    {
        var script = LocalAzurite.ScriptPath(RepoPaths.Root);
        if (!File.Exists(script))
        {
            var message = $"Azurite is not installed at {script} (run ./scripts/setup.sh or set {LocalAzurite.ScriptVariable})";
            if (Environment.GetEnvironmentVariable("CI") == "true" || Environment.GetEnvironmentVariable("SWAPTALK_REQUIRE_AZURITE") == "1")
                throw new InvalidOperationException(message);
            Assert.Skip(message);
        }
        return LocalAzurite.StartAsync(script, folder);
    }
}

/// <summary>The real <c>swaptalk</c> binary as a child process (the test output's swaptalk.dll), its output collected.</summary>
public sealed class SwaptalkProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private SwaptalkProcess(Process process) => _process = process;

    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    public static SwaptalkProcess Start(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "swaptalk.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        var process = new SwaptalkProcess(Process.Start(psi)!);
        process._process.OutputDataReceived += (_, e) => process.Append(e.Data);
        process._process.ErrorDataReceived += (_, e) => process.Append(e.Data);
        process._process.BeginOutputReadLine();
        process._process.BeginErrorReadLine();
        return process;
    }

    public async Task<int> WaitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"swaptalk did not finish within {timeout.TotalSeconds} s; its output:\n{Output}");
        }
        _process.WaitForExit(); // drains the output events
        return _process.ExitCode;
    }

    /// <summary>SIGTERM: the worker stops taking work and exits.</summary>
    public void Terminate()
    {
        if (!_process.HasExited) _ = kill(_process.Id, 15);
    }

    /// <summary>kill -9: a crash, nothing cleaned up.</summary>
    public void Crash()
    {
        if (!_process.HasExited) _process.Kill();
    }

    public async ValueTask DisposeAsync()
    {
        Terminate();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(45));
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
}
