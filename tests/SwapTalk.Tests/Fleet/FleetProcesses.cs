using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using SwapTalk.Tests.Support;

namespace SwapTalk.Tests.Fleet;

/// <summary>
/// An Azurite process of the test's own (blob, queue and table on free loopback ports, a throw-away folder), so a
/// test can stop and restart it. Azurite comes from tools/azurite (scripts/setup.sh) or $SWAPTALK_AZURITE_JS.
/// Without it the test skips saying so, except under CI=true or SWAPTALK_REQUIRE_AZURITE=1, where it fails.
/// </summary>
public sealed class OwnAzurite : IAsyncDisposable
{
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="; // the emulator's public key
    private readonly string _script;
    private readonly int[] _ports;
    private Process? _process;

    private OwnAzurite(string script, string folder, int[] ports)
    {
        _script = script;
        Folder = folder;
        _ports = ports;
    }

    public string Folder { get; }

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};BlobEndpoint=http://127.0.0.1:{_ports[0]}/devstoreaccount1;" +
        $"QueueEndpoint=http://127.0.0.1:{_ports[1]}/devstoreaccount1;TableEndpoint=http://127.0.0.1:{_ports[2]}/devstoreaccount1;";

    public static async Task<OwnAzurite> StartAsync(string folder)
    {
        var script = Environment.GetEnvironmentVariable("SWAPTALK_AZURITE_JS") is { Length: > 0 } configured
            ? configured
            : Path.Combine(RepoPaths.Root, "tools", "azurite", "node_modules", "azurite", "dist", "src", "azurite.js");
        if (!File.Exists(script))
        {
            var message = $"Azurite is not installed at {script} (run ./scripts/setup.sh or set SWAPTALK_AZURITE_JS)";
            if (Environment.GetEnvironmentVariable("CI") == "true" || Environment.GetEnvironmentVariable("SWAPTALK_REQUIRE_AZURITE") == "1")
                throw new InvalidOperationException(message);
            Assert.Skip(message);
        }
        var azurite = new OwnAzurite(script, folder, [FreePort(), FreePort(), FreePort()]);
        await azurite.RestartAsync();
        return azurite;
    }

    /// <summary>Starts Azurite (again) on the same ports and folder and waits until all three listen.</summary>
    public async Task RestartAsync()
    {
        Directory.CreateDirectory(Folder);
        var psi = new ProcessStartInfo("node") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { _script, "--silent", "--disableTelemetry", "--skipApiVersionCheck", "--location", Folder,
                     "--blobHost", "127.0.0.1", "--blobPort", $"{_ports[0]}", "--queueHost", "127.0.0.1", "--queuePort", $"{_ports[1]}",
                     "--tableHost", "127.0.0.1", "--tablePort", $"{_ports[2]}" })
            psi.ArgumentList.Add(a);
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        foreach (var port in _ports)
            while (!await ListensAsync(port))
            {
                if (_process.HasExited) throw new InvalidOperationException($"Azurite exited with {_process.ExitCode} at start");
                if (DateTime.UtcNow > deadline) throw new TimeoutException($"Azurite does not listen on 127.0.0.1:{port}");
                await Task.Delay(100);
            }
    }

    /// <summary>Stops Azurite (its data stays in the folder).</summary>
    /// <remarks>
    /// SIGTERM first: Azurite keeps its metadata in memory and saves it on a clean shutdown, so a kill -9 would
    /// lose acknowledged writes, which no real storage account does; an outage is storage unreachable, not lost.
    /// </remarks>
    public async Task StopAsync()
    {
        if (_process is null) return;
        if (!_process.HasExited) _ = kill(_process.Id, 15);
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _process.WaitForExitAsync(grace.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill();
        }
        await _process.WaitForExitAsync();
        _process.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<bool> ListensAsync(int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
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
