using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO.Pipes;
using System.Runtime.InteropServices;
using System.Text;

namespace SwapTalk.Core.Media;

/// <summary>
/// The pipeline's process runner: a running child process (ffmpeg/ffprobe for frame and PCM
/// streaming and the packet scan; python3, node or ffmpeg as bench references; test tools) with an
/// argument list only (no shell), stdin/stdout as pipes, stderr kept as a bounded tail for errors.
/// Cancellation and disposal kill the process tree and wait for it to exit, so no process outlives
/// the operation that started it. The non-streaming ffmpeg runs go through FFMpegCore instead; the bench's
/// swaptalk and Azurite children (src/SwapTalk.Bench) have runners of their own, as they stop with SIGTERM first.
/// </summary>
public sealed partial class MediaProcess : IAsyncDisposable
{
    /// <summary>How many stderr lines an error keeps.</summary>
    public const int StderrTailLines = 40;

    private readonly Process _process;
    private readonly string _subject;
    private readonly string _tool;
    private readonly Queue<string> _stderr = new();
    private readonly Task _stderrPump;
    private readonly CancellationTokenRegistration _cancellation;
    private int _killed;
    private bool _disposed;

    private MediaProcess(Process process, string subject, CancellationToken cancellationToken)
    {
        _process = process;
        _subject = subject;
        _tool = Path.GetFileName(process.StartInfo.FileName);
        Id = process.Id;
        _stderrPump = PumpStderrAsync();
        _cancellation = cancellationToken.Register(static state => ((MediaProcess)state!).Kill(), this);
    }

    public int Id { get; }
    public Stream StandardOutput => _process.StandardOutput.BaseStream;
    public Stream StandardInput => _process.StandardInput.BaseStream;
    public bool HasExited => _process.HasExited;

    /// <summary>
    /// Starts the command. Its stdin stays open only when <paramref name="keepStdin"/> is set.
    /// <paramref name="framePipes"/>: raw frames will stream through stdin/stdout, so the pipes are
    /// enlarged (a 1080p RGB frame is 6 MB; the default 64 KB pipe would wake each side ~100 times per frame).
    /// </summary>
    public static MediaProcess Start(MediaTools tools, MediaCommand command, bool keepStdin, CancellationToken cancellationToken, bool framePipes = false) =>
        Start(command.Executable(tools), command.Arguments, command.Subject, keepStdin, cancellationToken, framePipes);

    /// <summary>Starts any program; <paramref name="subject"/> is what its errors name.</summary>
    public static MediaProcess Start(string executable, IEnumerable<string> arguments, string subject, bool keepStdin, CancellationToken cancellationToken, bool framePipes = false,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var info = new ProcessStartInfo(executable)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardErrorEncoding = Encoding.UTF8,
            CreateNoWindow = true,
        };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        if (environment is not null) foreach (var (name, value) in environment) info.Environment[name] = value;
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException("Process.Start returned null");
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            throw new MediaException(subject, $"could not start {info.FileName}: {e.Message}", inner: e);
        }
        var started = new MediaProcess(process, subject, cancellationToken);
        MediaProcessTracker.Started(started);
        if (framePipes)
        {
            EnlargePipe(process.StandardOutput.BaseStream);
            if (keepStdin) EnlargePipe(process.StandardInput.BaseStream);
        }
        if (!keepStdin) started.CloseStdin();
        return started;
    }

    /// <summary>Runs a command to completion and returns its stdout as text; non-zero exit is a <see cref="MediaException"/>.</summary>
    public static async Task<string> RunForTextAsync(MediaTools tools, MediaCommand command, CancellationToken cancellationToken)
    {
        await using var process = Start(tools, command, keepStdin: false, cancellationToken);
        using var reader = new StreamReader(process.StandardOutput, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        await process.WaitForSuccessAsync(cancellationToken).ConfigureAwait(false);
        return text;
    }

    /// <summary>Runs a command to completion, handing stdout to <paramref name="consume"/> as it streams.</summary>
    public static async Task RunAsync(MediaTools tools, MediaCommand command, Func<Stream, CancellationToken, Task>? consume, CancellationToken cancellationToken)
    {
        await using var process = Start(tools, command, keepStdin: false, cancellationToken);
        if (consume is not null) await consume(process.StandardOutput, cancellationToken).ConfigureAwait(false);
        else await process.StandardOutput.CopyToAsync(Stream.Null, cancellationToken).ConfigureAwait(false);
        await process.WaitForSuccessAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs a program to its end and returns its exit code, stdout and stderr tail, whatever the exit code
    /// (bench references, test tools). A program that cannot start gives exit code -1 and the reason.
    /// </summary>
    public static async Task<(int Code, byte[] Stdout, string Stderr)> CaptureAsync(string executable, IEnumerable<string> arguments, CancellationToken cancellationToken = default,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        MediaProcess process;
        try
        {
            process = Start(executable, arguments, executable, keepStdin: false, cancellationToken, environment: environment);
        }
        catch (MediaException e)
        {
            return (-1, [], e.Problem);
        }
        await using (process.ConfigureAwait(false))
        {
            using var stdout = new MemoryStream();
            await process.StandardOutput.CopyToAsync(stdout, cancellationToken).ConfigureAwait(false);
            var code = await process.WaitForExitAsync().ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            return (code, stdout.ToArray(), process.StderrTail());
        }
    }

    public void CloseStdin()
    {
        try { _process.StandardInput.Close(); } catch (IOException) { /* the process already went away */ }
    }

    /// <summary>The last stderr lines (at most <see cref="StderrTailLines"/>).</summary>
    public string StderrTail()
    {
        lock (_stderr) return string.Join(Environment.NewLine, _stderr);
    }

    /// <summary>Waits for exit (and for stderr to drain); a non-zero exit or cancellation throws.</summary>
    public async Task WaitForSuccessAsync(CancellationToken cancellationToken, string? failure = null)
    {
        var code = await WaitForExitAsync().ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        if (code != 0)
            throw Failure(failure ?? $"{_tool} failed (exit code {code})");
    }

    /// <summary>Waits for the process to exit and its stderr to be read; returns the exit code.</summary>
    public async Task<int> WaitForExitAsync()
    {
        await _process.WaitForExitAsync().ConfigureAwait(false);
        await _stderrPump.ConfigureAwait(false);
        return _process.ExitCode;
    }

    /// <summary>An error naming the command's subject, with the stderr tail.</summary>
    public MediaException Failure(string problem) => MediaException.FromTool(_subject, problem, StderrTail());

    /// <summary>Kills the whole process tree; safe to call at any time, from any thread.</summary>
    public void Kill()
    {
        if (Interlocked.Exchange(ref _killed, 1) == 1) return;
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException) { /* exited meanwhile */ }
        catch (System.ComponentModel.Win32Exception) { /* exited meanwhile */ }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        await _cancellation.DisposeAsync().ConfigureAwait(false);
        if (!_process.HasExited) Kill();
        CloseStdin();
        try { await WaitForExitAsync().ConfigureAwait(false); }
        catch (InvalidOperationException) { /* never started properly */ }
        MediaProcessTracker.Exited(this);
        _process.Dispose();
    }

    private const int SetPipeSize = 1031; // F_SETPIPE_SZ
    private const int FramePipeBytes = 1 << 20; // Linux's default ceiling for unprivileged processes

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int fd, int command, int argument);

    /// <summary>Best effort: where the call is not available or refused, the default pipe size only costs speed.</summary>
    private static void EnlargePipe(Stream stream)
    {
        if (!OperatingSystem.IsLinux() || stream is not PipeStream pipe) return;
        try { _ = Fcntl((int)pipe.SafePipeHandle.DangerousGetHandle(), SetPipeSize, FramePipeBytes); }
        catch (DllNotFoundException) { }
        catch (EntryPointNotFoundException) { }
    }

    private async Task PumpStderrAsync()
    {
        try
        {
            var reader = _process.StandardError;
            while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                if (line.Length == 0) continue;
                lock (_stderr)
                {
                    _stderr.Enqueue(line.Length > 500 ? line[..500] : line);
                    while (_stderr.Count > StderrTailLines) _stderr.Dequeue();
                }
            }
        }
        catch (IOException) { }
        catch (ObjectDisposedException) { }
    }
}

/// <summary>
/// Knows every media process this program has running, so none is left behind: they are killed
/// when the program exits, and a scope records the ids started under it (tests check none survive).
/// </summary>
public static class MediaProcessTracker
{
    private static readonly ConcurrentDictionary<int, MediaProcess> Live = new();
    private static readonly AsyncLocal<Scope?> Current = new();

    static MediaProcessTracker()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var process in Live.Values) process.Kill();
        };
    }

    /// <summary>Ids of media processes that are running now.</summary>
    public static IReadOnlyCollection<int> LiveIds => Live.Keys.ToArray();

    /// <summary>Records the ids of processes started in this async flow until disposed.</summary>
    public static Scope BeginScope()
    {
        var scope = new Scope(Current.Value);
        Current.Value = scope;
        return scope;
    }

    internal static void Started(MediaProcess process)
    {
        Live[process.Id] = process;
        for (var scope = Current.Value; scope is not null; scope = scope.Parent) scope.Add(process.Id);
    }

    internal static void Exited(MediaProcess process) => Live.TryRemove(process.Id, out _);

    public sealed class Scope : IDisposable
    {
        private readonly List<int> _ids = [];

        internal Scope(Scope? parent) => Parent = parent;

        internal Scope? Parent { get; }

        public IReadOnlyList<int> StartedIds
        {
            get { lock (_ids) return _ids.ToArray(); }
        }

        internal void Add(int id)
        {
            lock (_ids) _ids.Add(id);
        }

        public void Dispose() => Current.Value = Parent;
    }
}
