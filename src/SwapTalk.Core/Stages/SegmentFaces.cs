using SwapTalk.Core.Imaging;
using SwapTalk.Core.Vision.Tracking;

namespace SwapTalk.Core.Stages;

/// <summary>A face in one batch of a segment: its frame's slot in the batch, its output frame and its smoothed track point.</summary>
public readonly record struct BatchFace(int Slot, int Output, FaceTrackFrame Track);

/// <summary>
/// An engine's prepared source as the segment renderer sees it: it makes the face work for one segment. The
/// renderer owns the frames, the face track and the writer; the engine only changes faces (Stages knows no engine).
/// </summary>
public interface ISegmentFaces
{
    /// <param name="batchSize">Frames per batch (at most this many faces per <see cref="IFaceBatchRenderer.Render"/>).</param>
    IFaceBatchRenderer Begin(SegmentRenderJob job, PipelineModels models, int batchSize);
}

/// <summary>One segment's face work, batch by batch (frames changed in place); disposed when the segment ends.</summary>
public interface IFaceBatchRenderer : IDisposable
{
    void Render(SegmentRenderJob job, IReadOnlyList<BatchFace> faces, PixelBuffer[] frames, StageClock clock);
}
