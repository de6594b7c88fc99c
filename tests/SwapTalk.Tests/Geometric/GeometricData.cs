using SwapTalk.Core.Engines.Geometric;
using SwapTalk.Core.Imaging;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Media;
using SwapTalk.Core.Stages;
using SwapTalk.Core.Vision.Tracking;
using SwapTalk.Tests.Pipeline;
using SwapTalk.Tests.Support;

namespace SwapTalk.Tests.Geometric;

/// <summary>
/// Shared inputs of the geometric engine's tests: the pipeline's opened models (real YuNet and 68-point models), the
/// astronaut prepared as a geometric source with the GRID clip's mouth bank, and the clip's face track and frames.
/// Made once per test run; everything needs ../shared/data and skips without it.
/// </summary>
public static class GeometricData
{
    private static readonly Lazy<Task<(GeometricSource Source, MediaInfo Video, FaceTrack Track)>> Prepared = new(PrepareAsync);

    public static async Task<PipelineModels> ModelsAsync() => PipelineData.SharedServices.Models(await PipelineData.ModelsAsync());

    /// <summary>The astronaut as a source over the GRID clip bbaf2n (75 frames), with that clip's face track.</summary>
    public static Task<(GeometricSource Source, MediaInfo Video, FaceTrack Track)> AstronautOnGridAsync() => Prepared.Value;

    private static async Task<(GeometricSource, MediaInfo, FaceTrack)> PrepareAsync()
    {
        var models = await ModelsAsync();
        var media = PipelineData.Engine;
        var video = await media.ProbeAsync(SharedData.GridClip());
        var source = await new GeometricSourceStage(media, models).PrepareAsync(PipelineData.Portrait, FaceSelection.Largest, video, new StageClock("test"), CancellationToken.None);
        var track = await models.Tracker(FaceSelection.Largest).TrackAsync(media, video);
        return (source, video, track);
    }

    /// <summary>Source frames of a video (BGR), decoded one range at a time.</summary>
    public static async Task<List<PixelBuffer>> FramesAsync(MediaInfo video, FrameRange range)
    {
        var frames = new List<PixelBuffer>();
        await foreach (var frame in PipelineData.Engine.ReadFramesAsync(video, range, new FrameReadOptions { Order = ColorOrder.Bgr }))
            using (frame)
                frames.Add(frame.Image.Clone());
        return frames;
    }

    /// <summary>Writes a BGR frame as PNG where SWAPTALK_GEOMETRIC_PNG names a folder (for a person to look at).</summary>
    public static void Dump(PixelBuffer frame, string name)
    {
        var dir = Environment.GetEnvironmentVariable("SWAPTALK_GEOMETRIC_PNG");
        if (string.IsNullOrEmpty(dir)) return;
        Directory.CreateDirectory(dir);
        PngCodec.Write(Path.Combine(dir, name + ".png"), frame);
    }
}
