using SwapTalk.Core.Inference;

namespace SwapTalk.Core.Models;

/// <summary>A model file that is missing or does not match its stage's contract.</summary>
public sealed class ModelContractException : Exception
{
    public ModelContractException(ModelCheckResult result)
        : base($"{result.Spec.Stage} ({result.Path}): " + string.Join("; ", result.Problems))
    {
        Result = result;
    }

    public ModelCheckResult Result { get; }
}

/// <summary>
/// Where the pipeline's models live and how a stage opens its model: the file named in the
/// manifest, checked against the stage's contract before the first frame, so a wrong export
/// fails at start-up with the mismatch spelled out rather than mid-job inside ORT.
/// </summary>
public sealed class ModelCatalog
{
    public const string DirectoryVariable = "SWAPTALK_MODELS_DIR";

    public ModelCatalog(OrtRuntime runtime, ModelManifest manifest, string directory, SessionSettings? settings = null)
    {
        Runtime = runtime;
        Manifest = manifest;
        Directory = Path.GetFullPath(directory);
        Settings = settings ?? new SessionSettings();
    }

    public OrtRuntime Runtime { get; }
    public ModelManifest Manifest { get; }
    public string Directory { get; }
    public SessionSettings Settings { get; }

    /// <summary>The models folder: the configured one, else <c>SWAPTALK_MODELS_DIR</c>, else ./models.</summary>
    public static string ResolveDirectory(string? configured, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var dir = !string.IsNullOrWhiteSpace(configured) ? configured
            : environment(DirectoryVariable) is { Length: > 0 } fromEnv ? fromEnv
            : "models";
        return Path.GetFullPath(dir);
    }

    public string PathOf(string stage) => Path.Combine(Directory, Manifest.Model(stage).File);

    public bool Has(string stage) => File.Exists(PathOf(stage));

    /// <summary>Opens a stage's model after checking it against the manifest.</summary>
    public InferenceSession Open(string stage, SessionSettings? settings = null)
    {
        var spec = Manifest.Model(stage);
        var path = PathOf(stage);
        if (!File.Exists(path))
            throw new ModelContractException(new ModelCheckResult(spec, path, ModelCheckStatus.Missing,
                [$"missing file {path} (set {DirectoryVariable} or run `swaptalk models probe {Directory}` for probe models)"], [], false));
        InferenceSession session;
        try
        {
            session = Runtime.OpenSession(path, settings ?? Settings, stage);
        }
        catch (OrtException e) when (e is not TensorContractException)
        {
            throw Unloadable(spec, path, e);
        }
        var (problems, notes) = ModelCheck.Compare(spec, session.Inputs, session.Outputs);
        if (problems.Count == 0) return session;
        session.Dispose();
        throw new ModelContractException(new ModelCheckResult(spec, path, ModelCheckStatus.Mismatch, problems, notes, false));
    }

    /// <summary>
    /// A model file ONNX Runtime cannot load (truncated, corrupt, not ONNX): refused as a wrong model, naming the file,
    /// before the first frame, instead of ORT's exception from deep inside a stage.
    /// </summary>
    public static ModelContractException Unloadable(ModelSpec spec, string path, OrtException e)
    {
        var length = File.Exists(path) ? new FileInfo(path).Length : 0;
        var reason = e.OrtMessage.Split('\n')[0].Trim();
        return new ModelContractException(new ModelCheckResult(spec, path, ModelCheckStatus.Mismatch,
            [$"'{path}' ({length} bytes) is corrupt, truncated or not an ONNX model: ONNX Runtime cannot load it ({(reason.Length > 200 ? reason[..200] + "..." : reason)}); replace the file"],
            [], false));
    }
}
