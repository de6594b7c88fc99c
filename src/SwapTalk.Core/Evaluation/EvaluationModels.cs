using SwapTalk.Core.Inference;
using SwapTalk.Core.Models;
using SwapTalk.Core.Vision.Detection;
using SwapTalk.Core.Vision.Landmarks;
using SwapTalk.Core.Vision.Tracking;

namespace SwapTalk.Core.Evaluation;

/// <summary>
/// The models the evaluation runs: the pipeline's own face detector and landmarker (from the models folder,
/// checked against the manifest) and the identity model, which is an evaluation model only and never part of
/// the output path. Owns the three sessions.
/// </summary>
public sealed class EvaluationModels : IDisposable
{
    /// <summary>Overrides where the identity model is looked for.</summary>
    public const string IdentityModelVariable = "SWAPTALK_IDENTITY_MODEL";

    /// <summary>The identity model's place inside a models folder (../shared/data/models has it there).</summary>
    public const string IdentityModelFile = "eval/mobilefacenet.onnx";

    private readonly InferenceSession[] _sessions;

    private EvaluationModels(InferenceSession detector, InferenceSession landmarker, InferenceSession identity)
    {
        _sessions = [detector, landmarker, identity];
        Faces = new FaceObserver(new YuNetDetector(detector), new FaceLandmarker68(landmarker));
        Identity = new IdentityEmbedder(identity);
    }

    public FaceObserver Faces { get; }
    public IdentityEmbedder Identity { get; }

    /// <summary>The identity model's path: the one given, else $SWAPTALK_IDENTITY_MODEL, else models/eval/mobilefacenet.onnx.</summary>
    public static string ResolveIdentityModel(string? configured, string modelsDirectory, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var path = !string.IsNullOrWhiteSpace(configured) ? configured
            : environment(IdentityModelVariable) is { Length: > 0 } fromEnv ? fromEnv
            : Path.Combine(modelsDirectory, IdentityModelFile);
        // MODELS/mobilefacenet.onnx as well as MODELS/eval/mobilefacenet.onnx: a folder holding every model flat.
        if (string.IsNullOrWhiteSpace(configured) && !File.Exists(path) && Path.Combine(modelsDirectory, Path.GetFileName(IdentityModelFile)) is var flat && File.Exists(flat))
            path = flat;
        return Path.GetFullPath(path);
    }

    /// <exception cref="ModelContractException">the detector or landmarker is missing or wrong</exception>
    /// <exception cref="FileNotFoundException">the identity model is missing</exception>
    public static EvaluationModels Open(ModelCatalog catalog, string identityModelPath)
    {
        if (!File.Exists(identityModelPath))
            throw new FileNotFoundException(
                $"the identity model {identityModelPath} does not exist (MobileFaceNet, ../shared/data/{IdentityModelFile}; --identity-model FILE or ${IdentityModelVariable})",
                identityModelPath);
        var opened = new List<InferenceSession>();
        try
        {
            opened.Add(TrackerModels.OpenDetector(catalog));
            opened.Add(TrackerModels.OpenLandmarker(catalog));
            opened.Add(catalog.Runtime.OpenSession(identityModelPath, catalog.Settings, "identity"));
            return new EvaluationModels(opened[0], opened[1], opened[2]);
        }
        catch
        {
            foreach (var session in opened) session.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var session in _sessions) session.Dispose();
    }
}
