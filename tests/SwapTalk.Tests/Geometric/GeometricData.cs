using SwapTalk.Core.Stages;
using SwapTalk.Tests.Pipeline;
using SwapTalk.Tests.Support;

namespace SwapTalk.Tests.Geometric;

/// <summary>
/// Shared inputs of the geometric engine's tests: the pipeline's opened models (real YuNet and 68-point models), a
/// portrait of another GRID speaker, a models folder without stage models, and the evaluation's metrics. Made once per
/// test run; everything needs ../shared/data and skips without it.
/// </summary>
public static class GeometricData
{
    public static async Task<PipelineModels> ModelsAsync() => PipelineData.SharedServices.Models(await PipelineData.ModelsAsync());

    /// <summary>Frame 10 of the GRID clip lbax4n (another speaker than bbaf2n's) as a PNG portrait.</summary>
    public static Task<string> OtherSpeakerPortraitAsync() => Portrait.Value;

    private static readonly Lazy<Task<string>> Portrait = new(async () =>
    {
        var path = Path.Combine(PipelineData.Dir, "portrait-lbax4n.png");
        await PipelineData.Ffmpeg("-i", SharedData.GridClip("lbax4n"), "-vf", "select=eq(n\\,10)", "-frames:v", "1", path);
        return path;
    });

    /// <summary>A models folder with only the face detector and landmarker: no SwapTalk stage model at all.</summary>
    public static Task<string> FaceModelsOnlyAsync() => FaceModels.Value;

    private static readonly Lazy<Task<string>> FaceModels = new(() =>
    {
        var dir = Path.Combine(PipelineData.Dir, "face-models-only");
        Directory.CreateDirectory(dir);
        foreach (var file in new[] { "yunet_n_dynamic.onnx", "peppa_slim_160_68pt.onnx" })
            File.Copy(SharedData.Model(file), Path.Combine(dir, file), overwrite: true);
        return Task.FromResult(dir);
    });

    /// <summary>The identity and mouth metrics of <c>swaptalk eval</c> on a video (MobileFaceNet: an evaluation model only).</summary>
    public static async Task<Core.Evaluation.EvaluationResult> EvaluateAsync(string video, string portrait, string? original, string? audio)
    {
        var catalog = new Core.Models.ModelCatalog(Inference.OrtRuntimeFixture.Runtime, Core.Models.ModelManifest.Default, await PipelineData.ModelsAsync());
        using var models = Core.Evaluation.EvaluationModels.Open(catalog, SharedData.Require("models/eval/mobilefacenet.onnx"));
        var evaluator = new Core.Evaluation.VideoEvaluator(PipelineData.Engine, models);
        return await evaluator.EvaluateAsync(new Core.Evaluation.EvaluationRequest { Video = video, Portrait = portrait, Original = original, Audio = audio });
    }

    /// <summary>
    /// Frames <paramref name="frames"/> of a GRID clip as BGR bytes with their smoothed landmarks (what the renderer is
    /// given); each must have a face.
    /// </summary>
    public static async Task<List<(byte[] Bgr, int Width, int Height, System.Numerics.Vector2[] Landmarks)>> TrackedFramesAsync(string clip, IReadOnlyList<int> frames)
    {
        var models = await ModelsAsync();
        var path = SharedData.GridClip(clip);
        var info = await PipelineData.Engine.ProbeAsync(path);
        var video = info.RequireVideo();
        var track = await models.Tracker(Core.Jobs.FaceSelection.Largest).TrackAsync(PipelineData.Engine, info, new Core.Media.FrameRange(0, 75), TestContext.Current.CancellationToken);
        var rgb = await PipelineData.FramesAsync(path);
        var result = new List<(byte[], int, int, System.Numerics.Vector2[])>();
        foreach (var i in frames)
        {
            track.Items[i].HasFace.Should().BeTrue($"{clip} frame {i} has a face");
            var bgr = (byte[])rgb[i].Clone();
            for (var p = 0; p < bgr.Length; p += 3) (bgr[p], bgr[p + 2]) = (bgr[p + 2], bgr[p]);
            result.Add((bgr, video.Width, video.Height, track.Items[i].Landmarks!));
        }
        return result;
    }
}
