using SwapTalk.Core.Imaging;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Stages;
using SwapTalk.Core.Vision.Compositing;

namespace SwapTalk.Core.Engines.Latent;

/// <summary>
/// The latent engine on one segment's batches: each face aligned (FFHQ), VQ-encoded, swapped with the portrait's
/// latent, lip-synced with its output frame's audio window and the reference the mode asks for, decoded and pasted
/// back. Holds the batch's crops and tensors for the segment.
/// </summary>
internal sealed class LatentFaceBatchRenderer : IFaceBatchRenderer
{
    private readonly SourceLatents _source;
    private readonly PipelineModels _models;
    private readonly PixelBuffer[] _crops;
    private readonly BatchTensors _tensors;

    public LatentFaceBatchRenderer(SourceLatents source, PipelineModels models, int batchSize)
    {
        _source = source;
        _models = models;
        var latent = models.Latent;
        _crops = new PixelBuffer[batchSize];
        try
        {
            for (var b = 0; b < _crops.Length; b++) _crops[b] = new PixelBuffer(latent.ImageSize, latent.ImageSize, ColorOrder.Bgr, pooled: true);
            _tensors = new BatchTensors(latent, _crops.Length);
        }
        catch
        {
            foreach (var crop in _crops) crop?.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var crop in _crops) crop.Dispose();
        _tensors.Dispose();
    }

    /// <summary>Align, encode, swap, sync, decode and paste the faces of one batch (frames changed in place).</summary>
    public void Render(SegmentRenderJob job, IReadOnlyList<BatchFace> faces, PixelBuffer[] frames, StageClock clock)
    {
        var crops = _crops;
        var tensors = _tensors;
        var latent = _models.Latent;
        var n = faces.Count;
        var lv = latent.LatentValues;
        var used = crops.AsSpan(0, n).ToArray();

        using (clock.Measure(PipelineStages.Align, n))
            for (var m = 0; m < n; m++)
                Vision.Alignment.FfhqAlignment.Extract(frames[faces[m].Slot], faces[m].Track.Face!, used[m]);

        using (clock.Measure(PipelineStages.Encode, n))
            latent.Encode(used, tensors.Images, tensors.Targets.Span[..(n * lv)]);

        using (clock.Measure(PipelineStages.Swap, n))
            latent.Swap(_source.Source, tensors.Targets, n, tensors.Swapped.Span[..(n * lv)], tensors.Sources);

        using (clock.Measure(PipelineStages.Sync, n))
        {
            // Reference (paper): cross-driven, the swapped target itself; self-driven, the clip's swapped first face.
            var reference = job.Plan.Mode == JobMode.SelfDriven ? _source.Reference : null;
            for (var m = 0; m < n; m++)
            {
                var slice = tensors.References.Span.Slice(m * lv, lv);
                if (reference is not null) reference.CopyTo(slice);
                else tensors.Swapped.Span.Slice(m * lv, lv).CopyTo(slice);
            }
            FillAudio(job, faces, tensors.Audio);
            latent.SyncLips(tensors.Swapped, tensors.References, tensors.Audio, n);
        }

        using (clock.Measure(PipelineStages.DecodeVq, n))
            latent.Decode(tensors.Swapped, used);

        using (clock.Measure(PipelineStages.Paste, n))
            for (var m = 0; m < n; m++)
                PasteBack.Run(frames[faces[m].Slot], used[m], _models.Mask, faces[m].Track.Face!);
    }

    /// <summary>Each face's audio window from its output frame's presentation time (zeros beyond the track's ends).</summary>
    private void FillAudio(SegmentRenderJob job, IReadOnlyList<BatchFace> faces, Memory<float> windows)
    {
        var window = _models.Latent.Window;
        var audio = job.Audio;
        if (audio.Dim != window.FeatureDim)
            throw new InvalidOperationException($"audio features have {audio.Dim} values per row; the lip syncer wants {window.FeatureDim}");
        var rate = job.Plan.FrameRate;
        var duration = rate.Inverse().Value;
        var size = window.Length * window.FeatureDim;
        for (var m = 0; m < faces.Count; m++)
        {
            var indices = window.Indices(rate.FrameSeconds(faces[m].Output), duration, audio.TrackFeatures);
            var dst = windows.Span.Slice(m * size, size);
            for (var w = 0; w < window.Length; w++)
            {
                var row = dst.Slice(w * window.FeatureDim, window.FeatureDim);
                var index = indices[w];
                if (index < 0) { row.Clear(); continue; }
                var local = index - audio.First;
                if (local < 0 || local >= audio.Count)
                    throw new InvalidOperationException($"output frame {faces[m].Output} needs audio feature {index}, outside the rows read [{audio.First}, {audio.First + audio.Count})");
                audio.Rows.AsSpan((int)(local * audio.Dim), audio.Dim).CopyTo(row);
            }
        }
    }

    /// <summary>
    /// The float tensors of one batch (about 57 MB at batch 8), each on a 64-byte boundary (see <see cref="AlignedMemory"/>),
    /// in native memory freed when the segment ends: pinned or large managed arrays would wait for a full collection, and a
    /// long job's footprint would creep up with its segment count.
    /// </summary>
    private sealed class BatchTensors(LatentModels latent, int batch) : IDisposable
    {
        private readonly NativeFloats _images = new(batch * latent.ImageValues);
        private readonly NativeFloats _targets = new(batch * latent.LatentValues);
        private readonly NativeFloats _sources = new(batch * latent.LatentValues);
        private readonly NativeFloats _swapped = new(batch * latent.LatentValues);
        private readonly NativeFloats _references = new(batch * latent.LatentValues);
        private readonly NativeFloats _audio = new(batch * latent.Window.Length * latent.Window.FeatureDim);

        public Memory<float> Images => _images.Memory;
        public Memory<float> Targets => _targets.Memory;
        public Memory<float> Sources => _sources.Memory;
        public Memory<float> Swapped => _swapped.Memory;
        public Memory<float> References => _references.Memory;
        public Memory<float> Audio => _audio.Memory;

        public void Dispose()
        {
            foreach (var b in new IDisposable[] { _images, _targets, _sources, _swapped, _references, _audio }) b.Dispose();
        }
    }
}
