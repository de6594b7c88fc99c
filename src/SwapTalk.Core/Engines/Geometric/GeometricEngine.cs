using System.Globalization;
using SwapTalk.Core.Imaging;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Stages;
using SwapTalk.Core.Storage;

namespace SwapTalk.Core.Engines.Geometric;

/// <summary>
/// The engine without trained weights: the source is the portrait checked and cut to its face (<see cref="GeometricSourceStage"/>,
/// with the target video's mouth bank when cross-driven); the driving features are the speech's loudness
/// (<see cref="MouthDriveStage"/>); each face is warped onto its frame's landmarks (<see cref="GeometricFaceRenderer"/>).
/// </summary>
public sealed class GeometricEngine : IDubEngine
{
    public DubEngine Kind => DubEngine.Geometric;

    /// <summary>Runs with the detector and landmarker alone: nothing to check beyond what every engine needs.</summary>
    public IReadOnlyList<JobInputError> CheckModels(ModelInventory inventory) => [];

    /// <summary>Always: <c>auto</c>'s fallback when no engine before it prefers the models.</summary>
    public bool PreferredFor(ModelInventory inventory) => true;

    public IReadOnlyList<string> Notes(IReadOnlyList<ModelUse> models) =>
        ["geometric engine: the portrait's face warped onto each frame's landmarks (no trained weights); the SwapTalk stage models were not used"];

    public string SourceBlob(string jobId) => BlobNames.SourceFace(jobId);

    /// <summary>The portrait checked and cut to its face, and for cross-driven jobs the mouth bank from the target video.</summary>
    public async Task<PreparedSource> PrepareSourceAsync(SourceInputs inputs, string outputPath, CancellationToken cancellationToken)
    {
        var clock = inputs.Clock;
        await using var portrait = await inputs.OpenPortraitAsync(cancellationToken);
        LocalBlobFile? video = null;
        try
        {
            Media.MediaInfo? info = null;
            if (inputs.Plan is { Mode: JobMode.CrossDriven } && inputs.OpenVideoAsync is { } openVideo)
            {
                video = await openVideo(cancellationToken);
                using (clock.Measure(PipelineStages.Probe))
                    info = await inputs.ProbeVideoAsync(video.LocalPath, cancellationToken);
            }
            using var source = await new GeometricSourceStage(inputs.Media, inputs.Models).PrepareAsync(portrait.LocalPath, inputs.Selection, info, clock, cancellationToken);
            await using (var file = new FileStream(outputPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
                await source.WriteAsync(file, cancellationToken);
            return new PreparedSource(source.FacesFound);
        }
        finally
        {
            if (video is not null) await video.DisposeAsync();
        }
    }

    /// <summary>The speech's loudness per feature row, and its visemes where the models folder has the viseme model (what shapes the mouth).</summary>
    public async Task<PreparedDriving> PrepareDrivingAsync(DrivingInputs inputs, string audioPath, string outputPath, CancellationToken cancellationToken)
    {
        var visemes = Mouth.VisemeModels.Load(inputs.Models.Catalog.Directory);
        var summary = await new MouthDriveStage(inputs.Tools, inputs.Models.Catalog.Manifest.LipSyncWindow, visemes)
            .ExtractAsync(audioPath, outputPath, inputs.Clock, cancellationToken);
        var note = visemes is null
            ? $"mouth: loudness only (no viseme model: {Mouth.VisemeModel.FileName} not in the models folder's visemes/ nor ${Mouth.VisemeModel.PathVariable})"
            : string.Create(CultureInfo.InvariantCulture, $"mouth: visemes (HeadAudio) and loudness, the generic viseme map; viseme front end {inputs.Clock.SecondsOf(PipelineStages.Visemes):0.000} s of work for {summary.Seconds:0.0} s of speech");
        return new PreparedDriving(summary, note);
    }

    public async Task<IEngineSource> ReadSourceAsync(Stream stream, string name, CancellationToken cancellationToken) =>
        new Source(await GeometricSource.ReadAsync(stream, name, cancellationToken));

    private sealed class Source(GeometricSource source) : IEngineSource
    {
        public IFaceBatchRenderer Begin(SegmentRenderJob job, PipelineModels models, int batchSize) =>
            new BatchRenderer(new GeometricFaceRenderer(source), models);

        public void Dispose() => source.Dispose();
    }

    /// <summary>
    /// One batch (frames changed in place): cross-driven, each face's mouth opens by its output frame's loudness;
    /// self-driven, the target's own mouth motion stays.
    /// </summary>
    private sealed class BatchRenderer(GeometricFaceRenderer renderer, PipelineModels models) : IFaceBatchRenderer
    {
        public void Render(SegmentRenderJob job, IReadOnlyList<BatchFace> faces, PixelBuffer[] frames, StageClock clock)
        {
            var window = models.Catalog.Manifest.LipSyncWindow;
            var crossDriven = job.Plan.Mode == JobMode.CrossDriven;
            if (crossDriven && !MouthDriveStage.HasScore(job.Audio.Dim) && job.Audio.Dim is not (MouthDriveStage.LegacyDim or MouthDriveStage.LegacyVisemeDim))
                throw new InvalidOperationException($"audio features have {job.Audio.Dim} values per row; the geometric engine reads {MouthDriveStage.Dim} (loudness and the drives) or {MouthDriveStage.VisemeDim} (with visemes)");
            using (clock.Measure(PipelineStages.Swap, faces.Count))
            {
                // The renderer is pure (each frame from its own pixels and points), so a batch's faces render on all
                // cores: the same pixels in any order, and the encoder's lookahead leaves a core idle while a
                // segment's first frames are swapped (docs/geometric.md, "Speed").
                try
                {
                    Parallel.For(0, faces.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, k =>
                    {
                        var (slot, output, track) = faces[k];
                        var pose = crossDriven ? Mouth.MouthPoses.Of(job.Audio, window, job.Plan.FrameRate, output, renderer.Style)
                            : Mouth.MouthPoses.Own(track.RawLandmarks ?? track.Landmarks!, track.Landmarks!, renderer.Style);
                        renderer.Render(frames[slot], track.Landmarks!, pose);
                    });
                }
                catch (AggregateException e) when (e.InnerExceptions.Count > 0)
                {
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
                }
            }
        }

        // The renderer holds no native state today; dispose it should it ever own some.
        public void Dispose() => ((object)renderer as IDisposable)?.Dispose();
    }
}
