using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace SwapTalk.Bench;

/// <summary>
/// An Azurite process of its own (blob, queue and table on free loopback ports, a throw-away folder) for the fleet
/// bench and the fleet tests: started, stopped and restarted by PID, so an outage can be staged. Azurite is the one
/// scripts/setup.sh installs into tools/azurite, or <c>$SWAPTALK_AZURITE_JS</c>.
/// </summary>
internal sealed class LocalAzurite : IAsyncDisposable
{
    public const string ScriptVariable = "SWAPTALK_AZURITE_JS";
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="; // the emulator's public key
    private readonly string _script;
    private readonly int[] _ports;
    private Process? _process;

    private LocalAzurite(string script, string folder, int[] ports)
    {
        _script = script;
        Folder = folder;
        _ports = ports;
    }

    /// <summary>The running Azurite's process id (null while stopped).</summary>
    public int? ProcessId => _process is { HasExited: false } p ? p.Id : null;

    /// <summary>Where Azurite keeps its data (deleted on dispose).</summary>
    public string Folder { get; }

    /// <summary>The emulator's well-known development account on this instance's ports (public, not a secret).</summary>
    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};BlobEndpoint=http://127.0.0.1:{_ports[0]}/devstoreaccount1;" +
        $"QueueEndpoint=http://127.0.0.1:{_ports[1]}/devstoreaccount1;TableEndpoint=http://127.0.0.1:{_ports[2]}/devstoreaccount1;";

    /// <summary>Azurite's entry script: <c>$SWAPTALK_AZURITE_JS</c>, else tools/azurite under <paramref name="repoRoot"/>.</summary>
    public static string ScriptPath(string? repoRoot) =>
        Environment.GetEnvironmentVariable(ScriptVariable) is { Length: > 0 } configured
            ? configured
            : Path.Combine(repoRoot ?? ".", "tools", "azurite", "node_modules", "azurite", "dist", "src", "azurite.js");

    public static async Task<LocalAzurite> StartAsync(string script, string folder)
    {
        if (!File.Exists(script)) throw new FileNotFoundException($"Azurite is not installed at {script} (run ./scripts/setup.sh or set {ScriptVariable})", script);
        var azurite = new LocalAzurite(script, folder, [FreePort(), FreePort(), FreePort()]);
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
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
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
