using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SwapTalk.Core.Inference.Native;

namespace SwapTalk.Core.Inference;

/// <summary>ORT's logging severities (OrtLoggingLevel).</summary>
public enum OrtLogLevel
{
    Verbose = 0,
    Info = 1,
    Warning = 2,
    Error = 3,
    Fatal = 4,
}

/// <summary>One message ORT logged. <see cref="LogId"/> is the session's model name, or "swaptalk" for the environment.</summary>
public sealed record OrtLogMessage(OrtLogLevel Level, string Category, string LogId, string CodeLocation, string Message);

public sealed record OrtRuntimeOptions
{
    /// <summary>Path to libonnxruntime; when null, <c>SWAPTALK_ORT_LIBRARY</c>, then tools/onnxruntime/current, then the loader's default.</summary>
    public string? LibraryPath { get; init; }

    /// <summary>The least severe ORT message passed on to the logger.</summary>
    public OrtLogLevel LogLevel { get; init; } = OrtLogLevel.Warning;
}

/// <summary>
/// The loaded ONNX Runtime library and its one environment: one per process, as ORT wants
/// (its environment owns the global thread pools and the logging sink). Sessions are opened here.
/// </summary>
public sealed unsafe class OrtRuntime
{
    private static readonly Lock Gate = new();
    private static OrtRuntime? _instance;

    private readonly ILogger _logger;
    private readonly ILogger _ortLogger;
    private readonly OrtHandle _env;
    private readonly OrtHandle _cpuMemory;
    private readonly Lock _listenersGate = new();
    private Action<OrtLogMessage>[] _listeners = [];

    private OrtRuntime(OrtApi api, string libraryPath, string version, uint apiVersion, OrtRuntimeOptions options, ILoggerFactory loggers)
    {
        Api = api;
        LibraryPath = libraryPath;
        Version = version;
        ApiVersion = apiVersion;
        _logger = loggers.CreateLogger("SwapTalk.Inference");
        _ortLogger = loggers.CreateLogger("SwapTalk.Inference.OnnxRuntime");

        // The environment lives as long as the process: the GC handle the log callback receives
        // is therefore never freed.
        var self = GCHandle.ToIntPtr(GCHandle.Alloc(this));
        nint env;
        var logId = "swaptalk"u8;
        fixed (byte* id = logId)
            Api.Check(Api.CreateEnvWithCustomLogger((nint)(delegate* unmanaged[Cdecl]<nint, int, byte*, byte*, byte*, byte*, void>)&OnOrtLog,
                self, (int)options.LogLevel, id, &env), "onnxruntime", "CreateEnvWithCustomLogger");
        _env = new OrtHandle(env, Api.ReleaseEnv, "Env");

        nint memory;
        // OrtArenaAllocator = 1, OrtMemTypeDefault = 0: describes plain CPU memory the caller owns.
        Api.Check(Api.CreateCpuMemoryInfo(1, 0, &memory), "onnxruntime", "CreateCpuMemoryInfo");
        _cpuMemory = new OrtHandle(memory, Api.ReleaseMemoryInfo, "MemoryInfo");

        nint allocator;
        Api.Check(Api.GetAllocatorWithDefaultOptions(&allocator), "onnxruntime", "GetAllocatorWithDefaultOptions");
        DefaultAllocator = allocator;

        Providers = ReadProviders();
        _logger.LogInformation("ONNX Runtime {Version} loaded from {Library} (C API {ApiVersion}; providers: {Providers})",
            Version, LibraryPath, ApiVersion, string.Join(", ", Providers));
    }

    internal OrtApi Api { get; }

    /// <summary>The default CPU allocator (owned by ORT, never released).</summary>
    internal nint DefaultAllocator { get; }

    internal OrtHandle CpuMemory => _cpuMemory;

    internal ILogger Logger => _logger;

    /// <summary>The file the library was loaded from (or the loader's name for it).</summary>
    public string LibraryPath { get; }

    /// <summary>ORT's version string, e.g. "1.30.0".</summary>
    public string Version { get; }

    /// <summary>The C API version this binding asked for and got.</summary>
    public uint ApiVersion { get; }

    /// <summary>
    /// Execution providers the library reports (GetAvailableProviders). A listed provider can still
    /// be unusable: the npm CPU build lists CUDA and TensorRT but ships neither plug-in, so only
    /// appending one to a session tells (see <see cref="InferenceSession.ProviderFallbackReason"/>).
    /// </summary>
    public IReadOnlyList<string> Providers { get; }

    /// <summary>The process's runtime, created with defaults on first use.</summary>
    public static OrtRuntime Shared => Volatile.Read(ref _instance) ?? Initialize();

    /// <summary>
    /// Loads the library and creates the environment, once per process. Later calls return the same
    /// runtime; one that names a different library fails, since a process cannot host two.
    /// </summary>
    public static OrtRuntime Initialize(OrtRuntimeOptions? options = null, ILoggerFactory? loggers = null)
    {
        options ??= new OrtRuntimeOptions();
        lock (Gate)
        {
            if (_instance is { } existing)
            {
                if (options.LibraryPath is { } wanted && Path.GetFullPath(wanted) != existing.LibraryPath)
                    throw new OrtLibraryException(
                        $"ONNX Runtime is already loaded from {existing.LibraryPath}; a process cannot also load {Path.GetFullPath(wanted)}");
                return existing;
            }
            loggers ??= NullLoggerFactory.Instance;
            var (candidates, skipped) = OrtLibraryLocator.Find(options.LibraryPath,
                Environment.GetEnvironmentVariable(OrtSettings.LibraryVariable), AppContext.BaseDirectory);
            var (library, path) = LoadLibrary(candidates, skipped);
            var (api, version, apiVersion) = Negotiate(library, path);
            var runtime = new OrtRuntime(api, path, version, apiVersion, options, loggers);
            Volatile.Write(ref _instance, runtime);
            return runtime;
        }
    }

    internal static (nint Library, string Path) LoadLibrary(IReadOnlyList<OrtLibraryCandidate> candidates, IReadOnlyList<string> skipped)
    {
        var tried = new List<string>(skipped);
        foreach (var candidate in candidates)
        {
            if (candidate.Source != OrtLibrarySource.SystemLoader && !File.Exists(candidate.Path))
            {
                tried.Add($"{candidate}: no such file");
                continue;
            }
            try
            {
                return (NativeLibrary.Load(candidate.Path), candidate.Path);
            }
            catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
            {
                tried.Add($"{candidate}: {e.Message}");
            }
        }
        throw new OrtLibraryException("ONNX Runtime library not found. Looked at:\n  - " + string.Join("\n  - ", tried)
            + $"\nSet {OrtSettings.LibraryVariable} to libonnxruntime.so.1, or run scripts/setup.sh.");
    }

    private static (OrtApi Api, string Version, uint ApiVersion) Negotiate(nint library, string path)
    {
        if (!NativeLibrary.TryGetExport(library, "OrtGetApiBase", out var getApiBase))
            throw new OrtLibraryException($"{path} does not export OrtGetApiBase: not an ONNX Runtime library");
        // OrtApiBase = { GetApi(uint32_t) at slot 0, GetVersionString() at slot 1 }.
        var apiBase = (nint*)((delegate* unmanaged[Cdecl]<nint>)getApiBase)();
        if (apiBase == null) throw new OrtLibraryException($"{path}: OrtGetApiBase returned null");
        var getApi = (delegate* unmanaged[Cdecl]<uint, nint>)apiBase[0];
        var getVersion = (delegate* unmanaged[Cdecl]<byte*>)apiBase[1];
        var version = Marshal.PtrToStringUTF8((nint)getVersion()) ?? "unknown";

        // Ask only for what the binding needs, and never more than the library offers: GetApi
        // returns null (and prints to stderr) for a version newer than the library.
        var offered = OfferedApiVersion(version);
        if (offered is { } o && o < OrtSlot.RequiredApiVersion)
            throw new OrtLibraryException(
                $"{path} is ONNX Runtime {version} (C API {o}); this binding needs C API {OrtSlot.RequiredApiVersion} (ONNX Runtime 1.{OrtSlot.RequiredApiVersion} or newer)");
        var table = getApi(OrtSlot.RequiredApiVersion);
        if (table == 0)
            throw new OrtLibraryException($"{path} (ONNX Runtime {version}) does not offer C API version {OrtSlot.RequiredApiVersion}");
        var api = new OrtApi(table);
        VerifyTable(api, path, version);
        return (api, version, OrtSlot.RequiredApiVersion);
    }

    /// <summary>For 1.x releases the C API version equals the minor version; null when the string is not 1.x.y.</summary>
    internal static uint? OfferedApiVersion(string version)
    {
        var parts = version.Split('.');
        return parts.Length >= 2 && parts[0] == "1" && uint.TryParse(parts[1], out var minor) ? minor : null;
    }

    /// <summary>
    /// A status round trip through slots 0, 1, 2 and 93: if the table were read at wrong offsets
    /// this fails (or crashes) here, at load, instead of deep inside a session.
    /// </summary>
    private static void VerifyTable(OrtApi api, string path, string version)
    {
        const string probe = "swaptalk: OrtApi table check";
        var (code, message) = RoundTripStatus(api, OrtErrorCode.NotImplemented, probe);
        if (code != OrtErrorCode.NotImplemented || message != probe)
            throw new OrtLibraryException(
                $"{path} (ONNX Runtime {version}): the OrtApi table does not match this binding (status round trip gave [{code}] '{message}')");
    }

    internal static (OrtErrorCode Code, string Message) RoundTripStatus(OrtApi api, OrtErrorCode code, string message)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(message + "\0");
        fixed (byte* text = bytes)
        {
            var status = api.CreateStatus((int)code, text);
            if (status == 0) throw new OrtLibraryException("CreateStatus returned null");
            return api.TakeStatus(status);
        }
    }

    /// <summary>Creates a status in ORT and reads it back (exposed for the binding's self-tests).</summary>
    internal (OrtErrorCode Code, string Message) RoundTripStatus(OrtErrorCode code, string message) => RoundTripStatus(Api, code, message);

    private IReadOnlyList<string> ReadProviders()
    {
        byte** names;
        int count;
        Api.Check(Api.GetAvailableProviders(&names, &count), "onnxruntime", "GetAvailableProviders");
        try
        {
            var list = new string[count];
            for (var i = 0; i < count; i++) list[i] = Marshal.PtrToStringUTF8((nint)names[i]) ?? "";
            return list;
        }
        finally
        {
            var status = Api.ReleaseAvailableProviders(names, count);
            if (status != 0) Api.ReleaseStatus(status);
        }
    }

    /// <summary>Opens a model file. <paramref name="name"/> (default: the file name) appears in every error and ORT log line.</summary>
    public InferenceSession OpenSession(string path, SessionSettings? settings = null, string? name = null)
    {
        name ??= Path.GetFileNameWithoutExtension(path);
        if (!File.Exists(path))
            throw new OrtException(name, "load", OrtErrorCode.NoSuchFile, $"model file {path} does not exist");
        return InferenceSession.Create(this, name, settings ?? new SessionSettings(), path, ReadOnlySpan<byte>.Empty);
    }

    /// <summary>Opens a model held in memory (ORT copies what it needs; the bytes may be dropped afterwards).</summary>
    public InferenceSession OpenSession(ReadOnlySpan<byte> model, string name, SessionSettings? settings = null)
    {
        if (model.IsEmpty) throw new OrtException(name, "load", OrtErrorCode.InvalidArgument, "model bytes are empty");
        return InferenceSession.Create(this, name, settings ?? new SessionSettings(), null, model);
    }

    internal OrtHandle Env => _env;

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

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnOrtLog(nint param, int severity, byte* category, byte* logId, byte* codeLocation, byte* message)
    {
        // Called on ORT's threads: must never throw back into native code.
        try
        {
            if (GCHandle.FromIntPtr(param).Target is not OrtRuntime runtime) return;
            var entry = new OrtLogMessage((OrtLogLevel)severity,
                Marshal.PtrToStringUTF8((nint)category) ?? "", Marshal.PtrToStringUTF8((nint)logId) ?? "",
                Marshal.PtrToStringUTF8((nint)codeLocation) ?? "", Marshal.PtrToStringUTF8((nint)message) ?? "");
            var level = entry.Level switch
            {
                OrtLogLevel.Verbose => LogLevel.Debug,
                OrtLogLevel.Info => LogLevel.Information,
                OrtLogLevel.Warning => LogLevel.Warning,
                OrtLogLevel.Error => LogLevel.Error,
                _ => LogLevel.Critical,
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
