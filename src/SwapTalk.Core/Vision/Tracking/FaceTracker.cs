using SwapTalk.Core.Imaging;
using SwapTalk.Core.Inference;
using SwapTalk.Core.Media;
using SwapTalk.Core.Models;
using SwapTalk.Core.Vision.Detection;
using SwapTalk.Core.Vision.Landmarks;

namespace SwapTalk.Core.Vision.Tracking;

/// <summary>
/// Builds face tracks over a clip: YuNet detection (batched, at a reduced size), the target face chosen
/// per frame and kept by overlap with the frames just before, 68 landmarks on that face only, the FFHQ
/// quad, and temporal smoothing of quad and landmarks with the <see cref="TrackSmoother"/>.
/// <para>
/// Segments: output frames [s, e) of a clip of N frames read the frames <see cref="InputRange"/> gives,
/// [s - <see cref="ContextFrames"/>, e + <see cref="Smoother"/>.ContextFrames) clipped to the clip. Every
/// result for frame t depends only on frames within that reach of t, so adjacent segments computed
/// separately agree bit for bit on shared frames (detector results do not depend on batch composition:
/// tested).
/// </para>
/// Immutable and thread-safe: one tracker serves many segments at once, each with its own builder.
/// </summary>
public sealed class FaceTracker : IDisposable
{
    private readonly ModelSession? _ownedDetector;
    private readonly ModelSession? _ownedLandmarker;
    private readonly YuNetDetector _detector;
    private readonly YuNetDetector? _fallbackDetector;
    private readonly FaceLandmarker68 _landmarker;

    /// <summary>A tracker over the caller's sessions (YuNet, Peppa 68-point); it does not own them.</summary>
    public FaceTracker(ModelSession detectorSession, ModelSession landmarkerSession, FaceTrackOptions? options = null)
    {
        Options = options ?? FaceTrackOptions.Default;
        Options.Validate();
        Smoother = new TrackSmoother(Options.Smoothing);
        DetectionBatch = Options.DetectionBatch ?? (detectorSession.Provider == ExecutionProvider.Cuda ? 8 : 1);
        // The detector reports down to the evidence score; the tracker sorts faces from evidence itself.
        YuNetOptions Detection(int side) => new() { ScoreThreshold = Options.EvidenceScore, MaxSide = side, MaxBatch = DetectionBatch };
        _detector = new YuNetDetector(detectorSession, Detection(Options.DetectionSide));
        if (Options.FallbackDetectionSide > 0 && Options.FallbackDetectionSide != Options.DetectionSide)
            _fallbackDetector = new YuNetDetector(detectorSession, Detection(Options.FallbackDetectionSide));
        _landmarker = new FaceLandmarker68(landmarkerSession);
    }

    private FaceTracker(ModelSession detectorSession, ModelSession landmarkerSession, FaceTrackOptions? options, bool owned)
        : this(detectorSession, landmarkerSession, options)
    {
        if (!owned) return;
        _ownedDetector = detectorSession;
        _ownedLandmarker = landmarkerSession;
    }

    /// <summary>
    /// Opens the catalog's face_detector and face_landmarker models (checked against the manifest, see
    /// <see cref="TrackerModels"/>); the tracker owns them.
    /// </summary>
    public static FaceTracker Open(ModelCatalog catalog, FaceTrackOptions? options = null)
    {
        var detector = TrackerModels.OpenDetector(catalog);
        ModelSession? landmarker = null;
        try
        {
            landmarker = TrackerModels.OpenLandmarker(catalog);
            return new FaceTracker(detector, landmarker, options, owned: true);
        }
        catch
        {
            landmarker?.Dispose();
            detector.Dispose();
            throw;
        }
    }

    public FaceTrackOptions Options { get; }

    public TrackSmoother Smoother { get; }

    /// <summary>Frames per detector run: the option, or its default for the detector's execution provider.</summary>
    public int DetectionBatch { get; }

    /// <summary>
    /// Frames of context a segment reads before its first output frame: the smoother's reach plus the
    /// identity vote's history. After its last output frame it needs only <see cref="TrackSmoother.ContextFrames"/>.
    /// </summary>
    public int ContextFrames => Smoother.ContextFrames + Options.VoteFrames - 1;

    /// <summary>The frames to feed for output frames <paramref name="output"/> of a clip of <paramref name="clipFrameCount"/> frames.</summary>
    public FrameRange InputRange(FrameRange output, long clipFrameCount)
    {
        CheckOutput(output, clipFrameCount);
        return new FrameRange(Math.Max(0, output.Start - ContextFrames), Math.Min(clipFrameCount, output.End + Smoother.ContextFrames));
    }

    /// <summary>
    /// Starts a track of output frames <paramref name="output"/>: feed it the frames of <see cref="InputRange"/> in
    /// order (frames outside that range are ignored, so feeding a wider symmetric range is fine), then Build().
    /// </summary>
    public FaceTrackBuilder Begin(FrameRange output, long clipFrameCount)
    {
        CheckOutput(output, clipFrameCount);
        return new FaceTrackBuilder(this, output, clipFrameCount);
    }

    /// <summary>Reads the frames <see cref="InputRange"/> names through the media engine and builds the track of <paramref name="output"/> (default: the whole clip).</summary>
    public async Task<FaceTrack> TrackAsync(MediaEngine media, MediaInfo info, FrameRange? output = null, CancellationToken cancellationToken = default)
    {
        var video = info.RequireVideo();
        var range = output ?? FrameRange.All(video);
        using var builder = Begin(range, video.FrameCount);
        var options = new FrameReadOptions { Order = ColorOrder.Bgr }; // the models' order: no swap in the layout step
        await foreach (var frame in media.ReadFramesAsync(info, builder.Input, options, cancellationToken))
            using (frame)
                builder.Add(frame);
        return builder.Build();
    }

    internal IReadOnlyList<IReadOnlyList<FaceDetection>> Detect(IReadOnlyList<PixelBuffer> frames) => _detector.Detect(frames);

    /// <summary>The second, larger detection pass, or null where it would see the frame at the same size.</summary>
    internal YuNetDetector? FallbackFor(int width, int height) =>
        _fallbackDetector is not null && _fallbackDetector.InputGeometry(width, height) != _detector.InputGeometry(width, height) ? _fallbackDetector : null;

    internal FaceLandmarker68 Landmarker => _landmarker;

    private static void CheckOutput(FrameRange output, long clipFrameCount)
    {
        if (clipFrameCount <= 0 || clipFrameCount > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(clipFrameCount), $"a clip of {clipFrameCount} frames cannot be tracked");
        if (output.Start < 0 || output.End > clipFrameCount || output.Start >= output.End)
            throw new ArgumentOutOfRangeException(nameof(output), $"output frames {output} are not a non-empty part of a clip of {clipFrameCount} frames");
    }

    public void Dispose()
    {
        _ownedLandmarker?.Dispose();
        _ownedDetector?.Dispose();
    }
}
