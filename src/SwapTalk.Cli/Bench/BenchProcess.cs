using System.Diagnostics;

namespace SwapTalk.Cli.Bench;

/// <summary>Runs a reference tool (python3 with OpenCV, apt-get) for a bench area and collects its output.</summary>
internal static class BenchProcess
{
    /// <summary>Exit code, stdout and stderr; a program that cannot start gives exit code -1 and the reason in stderr.</summary>
    public static async Task<(int Code, string Stdout, string Stderr)> RunAsync(string file, IEnumerable<string> args, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        try
        {
            using var p = Process.Start(psi)!;
            using var reg = cancellationToken.Register(() => { try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { } });
            var stdout = p.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = p.StandardError.ReadToEndAsync(cancellationToken);
            await p.WaitForExitAsync(cancellationToken);
            return (p.ExitCode, await stdout, await stderr);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, "", $"{file}: {e.Message}");
        }
    }
}
