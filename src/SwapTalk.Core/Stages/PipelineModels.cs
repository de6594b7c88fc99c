using System.Collections.Concurrent;
using SwapTalk.Core.Inference;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Models;
using SwapTalk.Core.Vision.Compositing;
using SwapTalk.Core.Vision.Detection;
using SwapTalk.Core.Vision.Landmarks;
using SwapTalk.Core.Vision.Tracking;

namespace SwapTalk.Core.Stages;

/// <summary>
/// Every model a dub runs, opened once from one models folder and shared by all segments (ORT sessions are
/// safe to run from many threads): the face detector and landmarker behind a face tracker per face selection,
/// the five SwapTalk models, and the paste-back mask.
/// </summary>
public sealed class PipelineModels : IDisposable
{
    private readonly ModelSession _detector;
    private readonly ModelSession _landmarker;
    private readonly ConcurrentDictionary<FaceSelection, FaceTracker> _trackers = new();
    private readonly Lazy<LatentModels> _latent;

    private PipelineModels(ModelCatalog catalog, ModelSession detector, ModelSession landmarker, Lazy<LatentModels> latent, FaceMask mask)
    {
        Catalog = catalog;
        _detector = detector;
        _landmarker = landmarker;
        _latent = latent;
        Mask = mask;
        Landmarks = new FaceLandmarker68(landmarker);
        Portraits = new YuNetDetector(detector, new YuNetOptions { ScoreThreshold = 0.6f, MaxSide = 640, MaxBatch = 1 });
    }

    /// <summary>
    /// Opens the face models every engine needs, each checked against the manifest (a mismatch names the model and the
    /// problem); the five SwapTalk models are opened on first use of <see cref="Latent"/>, so the geometric engine runs
    /// from a folder without them.
    /// </summary>
    public static PipelineModels Open(ModelCatalog catalog, FaceMaskOptions? mask = null)
    {
        ModelSession? detector = null, landmarker = null;
        try
        {
            detector = TrackerModels.OpenDetector(catalog);
            landmarker = TrackerModels.OpenLandmarker(catalog); // opened so ORT can fold its weights (see there)
            var latent = new Lazy<LatentModels>(() => OpenLatent(catalog), LazyThreadSafetyMode.ExecutionAndPublication);
            return new PipelineModels(catalog, detector, landmarker, latent, FaceMask.Build(mask ?? FaceMaskOptions.WholeFace, catalog.Manifest.Latent.ImageSize));
        }
        catch
        {
            landmarker?.Dispose();
            detector?.Dispose();
            throw;
        }
    }

    private static LatentModels OpenLatent(ModelCatalog catalog)
    {
        try
        {
            return LatentModels.Open(catalog);
        }
        catch (Exception e) when (e is ModelContractException or NotSupportedException or FileNotFoundException)
        {
            throw new BadInputException("models", e.Message);
        }
    }

    public ModelCatalog Catalog { get; }

    /// <summary>The five SwapTalk models (the latent engine), opened on first use.</summary>
    /// <exception cref="BadInputException">A stage model is missing or does not match its contract.</exception>
    public LatentModels Latent => _latent.Value;

    /// <summary>The whole-face blend mask (the swap changes the whole face, not only the mouth).</summary>
    public FaceMask Mask { get; }

    /// <summary>Detects faces in a still portrait (at up to 640 px, where a portrait's face is large).</summary>
    public YuNetDetector Portraits { get; }

    public FaceLandmarker68 Landmarks { get; }

    /// <summary>The face tracker for a job's face selection (one per selection; trackers are immutable and shared).</summary>
    public FaceTracker Tracker(FaceSelection selection) =>
        _trackers.GetOrAdd(selection, s => new FaceTracker(_detector, _landmarker, FaceTrackOptions.Default with { Selector = FaceSelectors.For(s) }));

    public void Dispose()
    {
        foreach (var t in _trackers.Values) t.Dispose();
        if (_latent.IsValueCreated) _latent.Value.Dispose();
        Mask.Dispose();
        _landmarker.Dispose();
        _detector.Dispose();
    }
}
