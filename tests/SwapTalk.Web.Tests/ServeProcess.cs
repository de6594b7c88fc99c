using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using SwapTalk.Tests.Support;

namespace SwapTalk.Web.Tests;

/// <summary>
/// <c>swaptalk serve</c> as a user runs it: the CLI beside the tests (<c>dotnet swaptalk.dll serve ...</c>) as a child
/// process on a free port, its output collected; stopped with SIGTERM (or killed outright, as a crash would).
/// </summary>
public sealed partial class ServeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServeProcess(Process process, Uri url)
    {
        _process = process;
        Url = url;
    }

    public Uri Url { get; }
    public string Output { get { lock (_output) return _output.ToString(); } }
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    /// <summary>Runs <c>swaptalk</c> with <paramref name="args"/> to its end (for commands other than serve).</summary>
    public static async Task<(int Code, string Output)> RunAsync(params string[] args)
    {
        await using var run = Launch(args, new Uri("http://127.0.0.1/"));
        await run._process.WaitForExitAsync(TestContext.Current.CancellationToken);
        run._process.WaitForExit(); // drains the output readers
        return (run._process.ExitCode, run.Output);
    }

    public static async Task<ServeProcess> StartAsync(string work, string models, string host = "127.0.0.1", string? token = null, params string[] extra)
    {
        var url = new Uri($"http://{host}:{FreePort(host)}");
        var args = new List<string> { "serve", "--urls", url.ToString().TrimEnd('/'), "--work", work, "--models", models, "--parallel", "1" };
        if (token is not null) args.AddRange(["--token", token]);
        args.AddRange(extra);
        var serve = Launch([.. args], url);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!serve.Output.Contains("serve: listening", StringComparison.Ordinal))
        {
            if (serve._process.HasExited) throw new InvalidOperationException($"swaptalk serve exited {serve._process.ExitCode}: {serve.Output}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"swaptalk serve did not start within 60 s: {serve.Output}");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
        return serve;
    }

    private static ServeProcess Launch(string[] args, Uri url)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "swaptalk.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_NOLOGO"] = "1";
        var serve = new ServeProcess(Process.Start(psi)!, url);
        serve._process.OutputDataReceived += (_, e) => serve.Append(e.Data);
        serve._process.ErrorDataReceived += (_, e) => serve.Append(e.Data);
        serve._process.BeginOutputReadLine();
        serve._process.BeginErrorReadLine();
        return serve;
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    /// <summary>Kills the server outright (SIGKILL), as a crash or a power cut would stop it.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync(TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _ = Kill(_process.Id, 15); // SIGTERM: the server stops its jobs and Kestrel, and exits 0
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try
            {
                await _process.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                throw new TimeoutException($"swaptalk serve did not stop within 20 s of SIGTERM: {Output}");
            }
            if (_process.ExitCode != 0) throw new InvalidOperationException($"swaptalk serve exited {_process.ExitCode} on SIGTERM: {Output}");
        }
        _process.Dispose();
    }

    private static int FreePort(string host)
    {
        using var probe = new TcpListener(IPAddress.Parse(host), 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}

/// <summary>The inputs every test uses: the shared models and sample files, and a models folder as `swaptalk dub` wants it.</summary>
public sealed class WebFixture : IAsyncLifetime
{
    private readonly TempDir _dir = new("swaptalk-web");

    public string Root => _dir.Path;
    public string Models => _dir.File("models");
    public string Portrait { get; private set; } = "";
    public string Video { get; private set; } = "";
    public string Audio { get; private set; } = "";
    public string NoFace { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        if (SharedData.Dir is null) return; // each test then skips (or fails under CI) with the reason
        Portrait = SharedData.Face;
        Video = SharedData.GridClip();
        var yunet = SharedData.Model("yunet_n_dynamic.onnx");
        var peppa = SharedData.Model("peppa_slim_160_68pt.onnx");
        var identity = SharedData.Require("models/eval/mobilefacenet.onnx");
        var (code, output) = await ServeProcess.RunAsync("models", "probe", Models);
        if (code != 0) throw new InvalidOperationException($"swaptalk models probe failed: {output}");
        File.Copy(yunet, Path.Combine(Models, "yunet_n_dynamic.onnx"));
        File.Copy(peppa, Path.Combine(Models, "peppa_slim_160_68pt.onnx"));
        Directory.CreateDirectory(Path.Combine(Models, "eval"));
        File.Copy(identity, Path.Combine(Models, "eval", "mobilefacenet.onnx"));
        // Short speech (2.5 s of the JFK clip) and a picture with no face, made by ffmpeg.
        Audio = _dir.File("speech.wav");
        await Ffmpeg("-i", SharedData.Speech, "-t", "2.5", Audio);
        NoFace = _dir.File("no-face.png");
        await Ffmpeg("-f", "lavfi", "-i", "color=c=0x8899aa:s=320x320", "-frames:v", "1", NoFace);
    }

    private static async Task Ffmpeg(params string[] args)
    {
        var psi = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-nostdin", "-loglevel", "error", "-y" }.Concat(args)) psi.ArgumentList.Add(a);
        using var ffmpeg = Process.Start(psi)!;
        var error = await ffmpeg.StandardError.ReadToEndAsync();
        await ffmpeg.WaitForExitAsync();
        if (ffmpeg.ExitCode != 0) throw new InvalidOperationException($"ffmpeg {string.Join(' ', args)} failed: {error}");
    }

    public ValueTask DisposeAsync()
    {
        _dir.Dispose();
        return ValueTask.CompletedTask;
    }
}
