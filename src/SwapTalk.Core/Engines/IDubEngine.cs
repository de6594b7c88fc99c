using SwapTalk.Core.Jobs;
using SwapTalk.Core.Media;
using SwapTalk.Core.Stages;
using SwapTalk.Core.Storage;

namespace SwapTalk.Core.Engines;

/// <summary>
/// A dub engine: how the portrait's face gets onto the video's frames. One lifecycle, the same for every engine (as
/// FaceFusion's processors): check the models when the job is planned, prepare the source once per job, prepare the
/// driving features once per job, render each segment's faces. The plan names the engine (chosen once, by
/// <see cref="DubEngines.Resolve"/>); activities, the segment renderer and the workflow never ask which one runs.
/// </summary>
public interface IDubEngine
{
    /// <summary>The value the request, the plan and the report use for this engine.</summary>
    DubEngine Kind { get; }

    /// <summary>What is wrong with the models folder for this engine when it is asked for by name (empty: it can run).</summary>
    IReadOnlyList<JobInputError> CheckModels(ModelInventory inventory);

    /// <summary>Whether <c>auto</c> picks this engine for these models (engines are asked in registration order).</summary>
    bool PreferredFor(ModelInventory inventory);

    /// <summary>What the job report should tell a reader about a job this engine ran with <paramref name="models"/>.</summary>
    IReadOnlyList<string> Notes(IReadOnlyList<ModelUse> models);

    /// <summary>The blob the prepared source is stored in (read back by every segment).</summary>
    string SourceBlob(string jobId);

    /// <summary>Prepares the source once per job (the portrait, and what the engine needs of the video), written to <paramref name="outputPath"/>.</summary>
    /// <exception cref="BadInputException">The portrait cannot be used (no face, too small, ...).</exception>
    Task<PreparedSource> PrepareSourceAsync(SourceInputs inputs, string outputPath, CancellationToken cancellationToken);

    /// <summary>The driving audio's features over the whole track, once per job, written as an audio feature file to <paramref name="outputPath"/>.</summary>
    Task<PreparedDriving> PrepareDrivingAsync(DrivingInputs inputs, string audioPath, string outputPath, CancellationToken cancellationToken);

    /// <summary>Reads a prepared source back (what <see cref="PrepareSourceAsync"/> wrote) for one segment's render.</summary>
    /// <exception cref="InvalidDataException">The stream is not this engine's source file (the message names <paramref name="name"/>).</exception>
    Task<IEngineSource> ReadSourceAsync(Stream stream, string name, CancellationToken cancellationToken);
}

/// <summary>An engine's prepared source, loaded for a segment: it makes the segment's face work. Dispose when the segment ends.</summary>
public interface IEngineSource : ISegmentFaces, IDisposable;

/// <summary>What preparing the driving features made, and what the report should say about how they drive the face (null: nothing).</summary>
public sealed record PreparedDriving(AudioFeatureSummary Summary, string? Note = null);

/// <summary>What preparing the source found: faces in the portrait (the selected one is used) and, self-driven, the reference frame.</summary>
public sealed record PreparedSource(int FacesFound, long? ReferenceFrame = null);

/// <summary>
/// The job's inputs as an engine's source preparation sees them: local copies on demand (only what the engine opens is
/// downloaded), the job's plan (null for a source prepared without one), the models and the media engine.
/// </summary>
public sealed record SourceInputs(
    string JobId,
    JobPlan? Plan,
    FaceSelection Selection,
    PipelineModels Models,
    MediaEngine Media,
    StageClock Clock,
    Func<CancellationToken, Task<LocalBlobFile>> OpenPortraitAsync,
    Func<CancellationToken, Task<LocalBlobFile>>? OpenVideoAsync,
    Func<string, CancellationToken, Task<MediaInfo>> ProbeVideoAsync);

/// <summary>What an engine's driving-feature preparation needs.</summary>
public sealed record DrivingInputs(MediaTools Tools, PipelineModels Models, AudioChunking Chunking, StageClock Clock);
