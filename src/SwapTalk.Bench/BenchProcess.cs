using System.Text;
using SwapTalk.Core.Media;

namespace SwapTalk.Bench;

/// <summary>Runs a reference tool (python3 with OpenCV, apt-get, node) for a bench area through the project's one process runner.</summary>
internal static class BenchProcess
{
    /// <summary>Exit code, stdout and the stderr tail; a program that cannot start gives exit code -1 and the reason in stderr.</summary>
    public static async Task<(int Code, string Stdout, string Stderr)> RunAsync(string file, IEnumerable<string> args, CancellationToken cancellationToken)
    {
        var (code, stdout, stderr) = await MediaProcess.CaptureAsync(file, args, cancellationToken);
        return (code, Encoding.UTF8.GetString(stdout), stderr);
    }
}
