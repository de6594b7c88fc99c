using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SwapTalk.Core.Engines;
using SwapTalk.Core.Inference;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Media;
using SwapTalk.Core.Models;
using SwapTalk.Core.Stages;
using SwapTalk.Core.Storage;
using SwapTalk.Core.Vision.Compositing;

namespace SwapTalk.Core.Activities;

/// <summary>How the pipeline runs on this machine. Every field has a default fit for a small CPU box.</summary>
public sealed record PipelineOptions
{
    /// <summary>Aligned faces per model run (see <see cref="RenderOptions.BatchSize"/>).</summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>
    /// ONNX Runtime intra-op threads per session; 0 lets ORT pick (all cores). Segments already run in
    /// parallel, so a few threads each keep the cores busy without oversubscribing them.
    /// </summary>
    public int IntraOpThreads { get; init; } = DefaultIntraOpThreads(Environment.ProcessorCount);

    /// <summary>Segments a local host renders at once (the executor's parallelism).</summary>
    public int SegmentParallelism { get; init; } = DefaultSegmentParallelism(Environment.ProcessorCount);

    /// <summary>Execution provider and device (default: SWAPTALK_EXECUTION_PROVIDER / SWAPTALK_CUDA_DEVICE_ID).</summary>
    public SessionSettings? Session { get; init; }

    /// <summary>Manifest file; null: the models folder's manifest.json if present, else the built-in one.</summary>
    public string? ManifestPath { get; init; }

    /// <summary>Where ping-pong segments spill decoded frames and stitch builds its output before publishing.</summary>
    public string ScratchDirectory { get; init; } = Path.Combine(Path.GetTempPath(), "swaptalk-scratch");

    public AudioChunking AudioChunking { get; init; } = AudioChunking.Default;

    /// <summary>The paste-back mask (default: the whole face, eroded and feathered).</summary>
    public FaceMaskOptions Mask { get; init; } = FaceMaskOptions.WholeFace;

    public JobLimits Limits { get; init; } = JobLimits.Default;

    /// <summary>This host's name on the segments it renders (a fleet worker's --name); null where one process runs everything.</summary>
    public string? WorkerName { get; init; }

    /// <summary>
    /// Two cores (this project's CI and dev boxes): two segments at once with one ORT thread each keeps both cores
    /// on model work while each segment's ffmpeg decode/encode overlaps with the other's inference; measured by
    /// <c>swaptalk-bench pipeline</c> (docs/pipeline.md). Larger machines: up to 4 segments, the cores shared out.
    /// </summary>
    public static int DefaultSegmentParallelism(int cores) => cores <= 1 ? 1 : Math.Clamp(cores / 2, 2, 4);

    public static int DefaultIntraOpThreads(int cores) => Math.Max(1, cores / DefaultSegmentParallelism(cores));
}

/// <summary>
/// What the pipeline's activities need from their host: the blob store, the media engine, ONNX Runtime, the models
/// folder, logging and options. Owns the models it opens (one set per models folder, shared by every activity and
/// segment: ORT sessions are thread-safe) and a probe cache; dispose it when the host stops.
/// </summary>
public sealed class PipelineServices : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<PipelineModels>> _models;
    private readonly ConcurrentDictionary<(string Path, long Length, DateTime Modified), Lazy<Task<MediaInfo>>> _probes;
    private readonly bool _ownsModels;

    /// <param name="modelsDirectory">
    /// The models folder on this worker. When set, activities load models from it whatever their input names (a
    /// cloud worker's fixed models); when null, from each activity input's ModelsDir (the CLI, which validated it).
    /// </param>
    /// <param name="engines">The dub engines (default: <see cref="DubEngines.BuiltIn"/>).</param>
    public PipelineServices(IBlobStore store, MediaEngine media, OrtRuntime runtime, string? modelsDirectory = null,
        ILoggerFactory? loggers = null, PipelineOptions? options = null, DubEngines? engines = null)
    {
        Engines = engines ?? DubEngines.BuiltIn;
        Store = store ?? throw new ArgumentNullException(nameof(store));
        Media = media ?? throw new ArgumentNullException(nameof(media));
        Runtime = runtime ?? throw new ArgumentNullException(nameof(runtime));
        ModelsDirectory = modelsDirectory is null ? null : Path.GetFullPath(modelsDirectory);
        Loggers = loggers ?? NullLoggerFactory.Instance;
        Options = options ?? new PipelineOptions();
        _models = new(StringComparer.Ordinal);
        _probes = new();
        _ownsModels = true;
    }

    private PipelineServices(PipelineServices shared, IBlobStore store)
        : this(store, shared.Media, shared.Runtime, shared.ModelsDirectory, shared.Loggers, shared.Options, shared.Engines)
    {
        _models = shared._models;
        _probes = shared._probes;
        _ownsModels = false;
    }

    /// <summary>
    /// The same services over another blob store, sharing the opened models and probes (one process serving several
    /// stores or jobs folders). The original keeps ownership: disposing the copy closes nothing.
    /// </summary>
    public PipelineServices WithStore(IBlobStore store) => new(this, store ?? throw new ArgumentNullException(nameof(store)));

    public IBlobStore Store { get; }
    public MediaEngine Media { get; }
    public OrtRuntime Runtime { get; }
    public string? ModelsDirectory { get; }
    public ILoggerFactory Loggers { get; }
    public PipelineOptions Options { get; }

    /// <summary>The dub engines; activities run the plan's one.</summary>
    public DubEngines Engines { get; }

    /// <summary>The folder an activity loads models from (see the constructor).</summary>
    public string ModelsFor(string? requested) =>
        ModelsDirectory ?? (string.IsNullOrWhiteSpace(requested)
            ? throw new BadInputException("models", "no models folder was given")
            : Path.GetFullPath(requested));

    /// <summary>The manifest for a models folder: the configured file, else the folder's manifest.json, else the built-in one.</summary>
    public ModelManifest ManifestFor(string modelsDirectory)
    {
        var inFolder = Path.Combine(modelsDirectory, "manifest.json");
        return Options.ManifestPath is { } path ? ModelManifest.Load(path)
            : File.Exists(inFolder) ? ModelManifest.Load(inFolder)
            : ModelManifest.Default;
    }

    /// <summary>Every model of the pipeline from a folder, opened once (a wrong or missing model is bad input naming it).</summary>
    public PipelineModels Models(string modelsDirectory)
    {
        var lazy = _models.GetOrAdd(modelsDirectory, dir => new Lazy<PipelineModels>(() => OpenModels(dir)));
        try
        {
            return lazy.Value;
        }
        catch
        {
            _models.TryRemove(new KeyValuePair<string, Lazy<PipelineModels>>(modelsDirectory, lazy)); // a fixed folder can be tried again
            throw;
        }
    }

    /// <summary>A full probe of a local video, cached by path, size and modification time (segments of one job share it).</summary>
    public Task<MediaInfo> ProbeVideoAsync(string localPath, CancellationToken cancellationToken)
    {
        var info = new FileInfo(localPath);
        var key = (info.FullName, info.Exists ? info.Length : -1, info.Exists ? info.LastWriteTimeUtc : default);
        var lazy = _probes.GetOrAdd(key, _ => new Lazy<Task<MediaInfo>>(() => Media.ProbeAsync(localPath, CancellationToken.None)));
        var task = lazy.Value;
        if (task.IsFaulted || task.IsCanceled) _probes.TryRemove(new KeyValuePair<(string, long, DateTime), Lazy<Task<MediaInfo>>>(key, lazy));
        return task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Host start-up policy (Linux/glibc): every allocation of 1 MiB or more gets its own mapping, returned to the system
    /// when freed. glibc otherwise raises its mmap threshold after the first large free and serves later large blocks
    /// (segment tensors, ONNX Runtime's buffers) from its arenas, where freed blocks fragment and stay resident: measured
    /// here, a 60 s dub then peaked at 1.5x a 6 s dub's memory, with this at 1.1x. Returns false where it does not apply.
    /// </summary>
    public static bool ReturnLargeBlocksToTheSystem(int thresholdBytes = 1 << 20)
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            return Mallopt(MmapThreshold, thresholdBytes) == 1;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false; // not glibc (e.g. musl): nothing to tune
        }
    }

    private const int MmapThreshold = -3; // M_MMAP_THRESHOLD in malloc.h

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "mallopt")]
    private static extern int Mallopt(int parameter, int value);

    internal SessionSettings SessionSettings => (Options.Session ?? SessionSettings.FromEnvironment()) with { IntraOpThreads = Options.IntraOpThreads };

    private PipelineModels OpenModels(string directory)
    {
        ModelManifest manifest;
        try
        {
            manifest = ManifestFor(directory);
        }
        catch (InvalidDataException e)
        {
            throw new BadInputException("models", e.Message);
        }
        try
        {
            return PipelineModels.Open(new ModelCatalog(Runtime, manifest, directory, SessionSettings), Options.Mask);
        }
        catch (ModelContractException e)
        {
            throw new BadInputException("models", e.Message);
        }
        catch (NotSupportedException e)
        {
            throw new BadInputException("models", e.Message); // e.g. a float16 export: retrying cannot help
        }
    }

    public void Dispose()
    {
        if (!_ownsModels) return;
        foreach (var lazy in _models.Values)
            if (lazy.IsValueCreated) lazy.Value.Dispose();
        _models.Clear();
    }
}
