using System.Collections.Concurrent;
using OpenCvSharp;
using SwapTalk.Core.Evaluation;
using SwapTalk.Core.Imaging;
using SwapTalk.Core.Inference;
using SwapTalk.Core.Media;
using SwapTalk.Core.Models;
using SwapTalk.Tests.Inference;
using SwapTalk.Tests.Media;
using SwapTalk.Tests.Support;

[assembly: AssemblyFixture(typeof(SwapTalk.Tests.Evaluation.EvaluationDataCleanup))]

namespace SwapTalk.Tests.Evaluation;

/// <summary>Closes the evaluation tests' models and removes their folder when the test run ends.</summary>
public sealed class EvaluationDataCleanup : IDisposable
{
    public void Dispose() => EvaluationData.Cleanup();
}

/// <summary>
/// Real models, GRID clips and portraits for the evaluation tests, opened or made once per test run; each
/// evaluation case runs once however many tests look at it. Skips (via SharedData) where ../shared/data is absent.
/// </summary>
public static class EvaluationData
{
    private static readonly Lazy<TempDir> Root = new(() => new TempDir("swaptalk-eval-tests"));
    private static readonly ConcurrentDictionary<string, Lazy<Task<string>>> Made = new();
    private static readonly ConcurrentDictionary<string, Lazy<Task<EvaluationResult>>> Results = new();

    private static readonly Lazy<EvaluationModels> OpenedModels = new(() =>
    {
        _ = SharedData.Model("yunet_n_dynamic.onnx");
        _ = SharedData.Model("peppa_slim_160_68pt.onnx");
        var catalog = new ModelCatalog(OrtRuntimeFixture.Runtime, ModelManifest.Default, ModelsDir, new SessionSettings { IntraOpThreads = 1 });
        return EvaluationModels.Open(catalog, IdentityModel);
    });

    public static MediaEngine Engine { get; } = MediaEngine.FromEnvironment();
    public static string Dir => Root.Value.Path;

    internal static void Cleanup()
    {
        if (OpenedModels.IsValueCreated) OpenedModels.Value.Dispose();
        if (Root.IsValueCreated) Root.Value.Dispose();
    }
    public static string ModelsDir => Path.GetDirectoryName(SharedData.Model("yunet_n_dynamic.onnx"))!;
    public static string IdentityModel => SharedData.Require("models/eval/mobilefacenet.onnx");

    /// <summary>Shared evaluator; VideoEvaluator is stateless over the models, the sessions are thread-safe.</summary>
    public static VideoEvaluator Evaluator => new(Engine, OpenedModels.Value);

    /// <summary>Frame <paramref name="index"/> of a GRID clip as a PNG: that speaker's portrait.</summary>
    public static Task<string> FramePortraitAsync(string clip, int index) => Make($"{clip}_f{index}.png", async path =>
    {
        var info = await Engine.ProbeAsync(SharedData.GridClip(clip));
        PixelBuffer? still = null;
        await foreach (var decoded in Engine.ReadFramesAsync(info, new FrameRange(index, index + 1), new FrameReadOptions { Order = ColorOrder.Bgr }))
            using (decoded)
                still ??= decoded.Image.Clone();
        using var frame = still ?? throw new InvalidOperationException($"{clip} has no frame {index}");
        using var mat = Mat.FromPixelData(frame.Height, frame.Width, MatType.CV_8UC3, frame.Data, frame.Stride);
        Cv2.ImEncode(".png", mat, out var png);
        await File.WriteAllBytesAsync(path, png);
    });

    /// <summary>A folder with one frame of each GRID speaker (bbaf2n's is frame 25, the others frame 0).</summary>
    public static Task<string> GalleryAsync() => Make("gallery", async dir =>
    {
        Directory.CreateDirectory(dir);
        foreach (var (clip, index) in new[] { ("bbaf2n", 25), ("lbax4n", 0), ("pwij3p", 0) })
            File.Copy(await FramePortraitAsync(clip, index), Path.Combine(dir, $"{clip}.png"));
    });

    /// <summary>A GRID clip's own speech (16 kHz mono) moved by <paramref name="frames"/> video frames: positive = later (silence first), negative = earlier.</summary>
    public static Task<string> ShiftedAudioAsync(string clip, int frames) => Make($"{clip}_shift{frames:+0;-0;0}.wav", async path =>
    {
        var speech = await Engine.ReadSpeechAsync(SharedData.GridClip(clip));
        var shift = frames * MediaCommands.SpeechSampleRate / 25; // GRID clips are 25 fps
        var shifted = shift >= 0 ? new float[shift].Concat(speech).ToArray() : speech[-shift..];
        WavFile.WriteFloat32(path, shifted, MediaCommands.SpeechSampleRate);
    });

    /// <summary>1 s of a plain grey picture with a tone: a clip without a face.</summary>
    public static Task<string> FacelessClipAsync() => Make("faceless.mp4", path => MediaClips.Ff(
        "-f", "lavfi", "-i", "color=c=gray:size=160x120:rate=25:duration=1", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=16000:duration=1",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", path));

    /// <summary>A grey still: a portrait without a face.</summary>
    public static Task<string> FacelessPortraitAsync() => Make("grey.png", path =>
    {
        using var grey = new Mat(120, 160, MatType.CV_8UC3, Scalar.All(128));
        Cv2.ImEncode(".png", grey, out var png);
        return File.WriteAllBytesAsync(path, png);
    });

    /// <summary>bbaf2n played as a dub with longer audio plays it (ping-pong): frames 0..74, then 73..1; 148 frames, lossless.</summary>
    public static Task<string> PingPongClipAsync() => Make("pingpong.mkv", path => MediaClips.Ff(
        "-i", SharedData.GridClip("bbaf2n"), "-filter_complex",
        "[0:v]split[f][r];[r]reverse,trim=start_frame=1:end_frame=74,setpts=PTS-STARTPTS[b];[f][b]concat=n=2:v=1[out]",
        "-map", "[out]", "-c:v", "ffv1", path));

    /// <summary>The first 30 frames of a GRID clip (for the command-line run).</summary>
    public static Task<string> ShortGridClipAsync() => Make("grid30.mkv", path => MediaClips.Ff(
        "-i", SharedData.GridClip(), "-frames:v", "30", "-c:v", "ffv1", "-c:a", "pcm_s16le", path));

    /// <summary>One evaluation, run once per key; the image goes to the test folder.</summary>
    public static Task<EvaluationResult> EvaluateAsync(string key, Func<Task<EvaluationRequest>> request) =>
        Results.GetOrAdd(key, k => new Lazy<Task<EvaluationResult>>(async () =>
            await Evaluator.EvaluateAsync(await request(), Path.Combine(Dir, $"{k}.eval.png")))).Value;

    /// <summary>A file made once per test run in the evaluation tests' folder.</summary>
    public static Task<string> MakeOnce(string name, Func<string, Task> make) => Make(name, make);

    private static Task<string> Make(string name, Func<string, Task> make) =>
        Made.GetOrAdd(name, n => new Lazy<Task<string>>(async () =>
        {
            var path = Path.Combine(Dir, n);
            await make(path);
            return path;
        })).Value;
}
