using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;

namespace SwapTalk.Core.Inference;

/// <summary>One message ORT logged. <see cref="LogId"/> is the session's model name, or "swaptalk" for the environment.</summary>
public sealed record OrtLogMessage(OrtLoggingLevel Level, string Category, string LogId, string CodeLocation, string Message);

public sealed record OrtRuntimeOptions
{
    /// <summary>The least severe ORT message passed on to the logger.</summary>
    public OrtLoggingLevel LogLevel { get; init; } = OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING;
}

/// <summary>
/// ONNX Runtime's one environment per process (<see cref="OrtEnv"/>: global thread pools and the
/// logging sink), created with a logger that routes ORT's own log lines to <see cref="ILogger"/>
/// and to listeners. Sessions are opened here. The native library comes with the build (NuGet's
/// runtimes/linux-x64/native), so nothing has to point at it.
/// </summary>
public sealed class OrtRuntime
{
    private static readonly Lock Gate = new();
    private static OrtRuntime? _instance;

    // ORT keeps calling this delegate for the life of the process: a static field keeps it alive.
    private static readonly DOrtLoggingFunction LogCallback = OnOrtLog;

    private readonly ILogger _ortLogger;
    private readonly Lock _listenersGate = new();
    private Action<OrtLogMessage>[] _listeners = [];

    private OrtRuntime(OrtEnv env, OrtRuntimeOptions options, ILoggerFactory loggers, bool ownsLogging)
    {
        Env = env;
        LogLevel = options.LogLevel;
        Logger = loggers.CreateLogger("SwapTalk.Inference");
        _ortLogger = loggers.CreateLogger("SwapTalk.Inference.OnnxRuntime");
        Version = env.GetVersionString();
        Providers = env.GetAvailableProviders();
        Logger.LogInformation("ONNX Runtime {Version} from {Package} (providers: {Providers})", Version, Package, string.Join(", ", Providers));
        if (!ownsLogging)
            Logger.LogWarning("ONNX Runtime's environment was created before OrtRuntime.Initialize; its log lines are not routed to this logger");
    }

    internal OrtEnv Env { get; }

    internal ILogger Logger { get; }

    internal OrtLoggingLevel LogLevel { get; }

    /// <summary>The NuGet package this build carries the native library from (CPU, or the GPU build with -p:SwapTalkGpu=true).</summary>
    public static string Package { get; } = typeof(OrtRuntime).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
        .Cast<System.Reflection.AssemblyMetadataAttribute>().Single(a => a.Key == "SwapTalk.OnnxRuntimePackage").Value!;

    /// <summary>ORT's version string, e.g. "1.31.1".</summary>
    public string Version { get; }

    /// <summary>
    /// Execution providers this build of ORT has (GetAvailableProviders): CPU only for the CPU package;
    /// the GPU package lists CUDA, which still needs CUDA's own libraries to start
    /// (see <see cref="ModelSession.ProviderFallbackReason"/>).
    /// </summary>
    public IReadOnlyList<string> Providers { get; }

    /// <summary>The process's runtime, created with defaults on first use.</summary>
    public static OrtRuntime Shared => Volatile.Read(ref _instance) ?? Initialize();

    /// <summary>Creates ORT's environment, once per process; later calls return the same runtime (the first logger stays).</summary>
    public static OrtRuntime Initialize(OrtRuntimeOptions? options = null, ILoggerFactory? loggers = null)
    {
        options ??= new OrtRuntimeOptions();
        lock (Gate)
        {
            if (_instance is { } existing) return existing;
            OrtEnv env;
            bool ownsLogging;
            try
            {
                ownsLogging = !OrtEnv.IsCreated;
                var creation = new EnvironmentCreationOptions
                {
                    logId = "swaptalk",
                    logLevel = options.LogLevel,
                    loggingFunction = LogCallback,
                };
                env = ownsLogging ? OrtEnv.CreateInstanceWithOptions(ref creation) : OrtEnv.Instance();
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or TypeInitializationException or BadImageFormatException)
            {
                throw new OrtLibraryException(
                    $"ONNX Runtime's native library (libonnxruntime.so from {Package}) did not load: {e.GetBaseException().Message}. "
                    + $"It ships beside the application in {AppContext.BaseDirectory}: rebuild or republish it.", e);
            }
            var runtime = new OrtRuntime(env, options, loggers ?? NullLoggerFactory.Instance, ownsLogging);
            Volatile.Write(ref _instance, runtime);
            return runtime;
        }
    }

    /// <summary>Opens a model file. <paramref name="name"/> (default: the file name) appears in every error and ORT log line.</summary>
    public ModelSession OpenSession(string path, SessionSettings? settings = null, string? name = null)
    {
        name ??= Path.GetFileNameWithoutExtension(path);
        if (!File.Exists(path)) throw new OrtException(name, "load", $"model file {path} does not exist");
        return ModelSession.Create(this, name, settings ?? new SessionSettings(), path, null);
    }

    /// <summary>Opens a model held in memory (ORT copies what it needs; the bytes may be dropped afterwards).</summary>
    public ModelSession OpenSession(byte[] model, string name, SessionSettings? settings = null)
    {
        if (model.Length == 0) throw new OrtException(name, "load", "model bytes are empty");
        return ModelSession.Create(this, name, settings ?? new SessionSettings(), null, model);
    }

    /// <summary>
    /// Also hands every ORT log message at or above the runtime's level to <paramref name="listener"/>
    /// until the returned handle is disposed (the ILogger given at start-up keeps receiving them).
    /// </summary>
    public IDisposable AddLogListener(Action<OrtLogMessage> listener)
    {
        lock (_listenersGate) _listeners = [.. _listeners, listener];
        return new Unsubscriber(this, listener);
    }

    private sealed class Unsubscriber(OrtRuntime runtime, Action<OrtLogMessage> listener) : IDisposable
    {
        public void Dispose()
        {
            lock (runtime._listenersGate) runtime._listeners = runtime._listeners.Where(l => l != listener).ToArray();
        }
    }

    private static void OnOrtLog(nint param, OrtLoggingLevel severity, string category, string logId, string codeLocation, string message)
    {
        // Called on ORT's threads: must never throw back into native code.
        try
        {
            if (Volatile.Read(ref _instance) is not { } runtime) return;
            var entry = new OrtLogMessage(severity, category ?? "", logId ?? "", codeLocation ?? "", message ?? "");
            var level = severity switch
            {
                OrtLoggingLevel.ORT_LOGGING_LEVEL_VERBOSE => Microsoft.Extensions.Logging.LogLevel.Debug,
                OrtLoggingLevel.ORT_LOGGING_LEVEL_INFO => Microsoft.Extensions.Logging.LogLevel.Information,
                OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING => Microsoft.Extensions.Logging.LogLevel.Warning,
                OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR => Microsoft.Extensions.Logging.LogLevel.Error,
                _ => Microsoft.Extensions.Logging.LogLevel.Critical,
            };
            runtime._ortLogger.Log(level, "[{LogId}] {Message} ({CodeLocation})", entry.LogId, entry.Message, entry.CodeLocation);
            foreach (var listener in Volatile.Read(ref runtime._listeners)) listener(entry);
        }
        catch
        {
            // A failing logger must not take ORT down.
        }
    }
}
