using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace SwapTalk.Bench;

/// <summary>
/// The swaptalk program as a child process, as a user runs it, its output collected: the fleet bench's workers
/// and submitters, and the fleet tests'. Stopped with SIGTERM on dispose (a worker's clean stop), killed with its
/// children if it does not exit in time.
/// </summary>
internal sealed class SwaptalkProcess : IAsyncDisposable
{
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(45);
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _all = new();

    private SwaptalkProcess(Process process) => _process = process;

    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    /// <summary>Standard output alone.</summary>
    public string Stdout { get { lock (_all) return _stdout.ToString(); } }

    /// <summary>Standard output and error, interleaved as they came.</summary>
    public string Output { get { lock (_all) return _all.ToString(); } }

    /// <summary>
    /// How to start the swaptalk program with <paramref name="args"/>: this process's own binary when it is swaptalk,
    /// else <c>dotnet swaptalk.dll</c> from beside this assembly (swaptalk-bench and the test host carry the CLI's assembly).
    /// </summary>
    public static ProcessStartInfo StartInfo(IEnumerable<string> args)
    {
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("cannot find this program's path to run swaptalk as a child process");
        var psi = new ProcessStartInfo(self) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) != "swaptalk")
        {
            psi.FileName = "dotnet";
            psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "swaptalk.dll"));
        }
        foreach (var a in args) psi.ArgumentList.Add(a);
        return psi;
    }

    public static SwaptalkProcess Start(string[] args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var psi = StartInfo(args);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) psi.Environment[key] = value;
        var child = new SwaptalkProcess(Process.Start(psi)!);
        child._process.OutputDataReceived += (_, e) => child.Append(e.Data, stdout: true);
        child._process.ErrorDataReceived += (_, e) => child.Append(e.Data, stdout: false);
        child._process.BeginOutputReadLine();
        child._process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Waits until the output holds <paramref name="text"/>; fails if the process exits first or time runs out.</summary>
    public async Task WaitForAsync(string text, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (_process.HasExited) throw new InvalidOperationException($"swaptalk exited {_process.ExitCode} before '{text}': {Output}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"swaptalk did not say '{text}' within {timeout.TotalSeconds} s: {Output}");
            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>Waits for the exit and returns its code; a <paramref name="timeout"/> passed is a <see cref="TimeoutException"/> with the output.</summary>
    public async Task<int> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (timeout != Timeout.InfiniteTimeSpan) limit.CancelAfter(timeout);
        try
        {
            await _process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"swaptalk did not finish within {timeout.TotalSeconds} s; its output:\n{Output}");
        }
        _process.WaitForExit(); // drains the output events
        return _process.ExitCode;
    }

    /// <summary>SIGTERM: a worker stops taking work and exits; a dub stops (and resumes when run again).</summary>
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
        using var grace = new CancellationTokenSource(StopGrace);
        try
        {
            await _process.WaitForExitAsync(grace.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    private void Append(string? line, bool stdout)
    {
        if (line is null) return;
        lock (_all)
        {
            _all.AppendLine(line);
            if (stdout) _stdout.AppendLine(line);
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
}
