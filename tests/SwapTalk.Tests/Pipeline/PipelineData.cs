using System.Collections.Concurrent;
using System.Diagnostics;
using SwapTalk.Core.Activities;
using SwapTalk.Core.Execution;
using SwapTalk.Core.Imaging;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Media;
using LengthPolicy = SwapTalk.Core.Jobs.LengthPolicy;
using SwapTalk.Core.Models;
using SwapTalk.Core.Models.Probes;
using SwapTalk.Core.Storage;
using SwapTalk.Tests.Inference;
using SwapTalk.Tests.Pipeline;
using SwapTalk.Tests.Support;

[assembly: AssemblyFixture(typeof(PipelineDataCleanup))]

namespace SwapTalk.Tests.Pipeline;

/// <summary>Removes the pipeline tests' temporary folder when the test run ends (the data itself is made lazily).</summary>
public sealed class PipelineDataCleanup : IDisposable
{
    public void Dispose() => PipelineData.Cleanup();
}

/// <summary>A finished dub: its work folder and store, the runner's result, the report, the plan and the exported output.</summary>
public sealed record DubRun(string WorkDir, FileSystemBlobStore Store, LocalJobResult Result, JobReport Report, JobPlan Plan, string Output);

/// <summary>
/// Real inputs for the end-to-end tests, made once per test run and shared: a models folder with the probe
/// SwapTalk models beside the shared YuNet and 68-point models, clips cut from a GRID clip with ffmpeg (lossless
/// FFV1, so frames compare exactly), speech-free driving audio (silence, tone bursts), portraits. Dubs that several
/// tests look at run once (<see cref="Shared"/>). Everything needs ../shared/data and skips without it.
/// </summary>
public static class PipelineData
{
    private static readonly Lazy<TempDir> Root = new(() => new TempDir("swaptalk-pipeline"));
    private static readonly ConcurrentDictionary<string, Lazy<Task<string>>> Made = new();
    private static readonly ConcurrentDictionary<string, Lazy<Task<DubRun>>> Dubs = new();
    private static readonly ConcurrentDictionary<string, Lazy<Task<byte[][]>>> Decoded = new();
    public static MediaEngine Engine { get; } = MediaEngine.FromEnvironment();

    private static readonly Lazy<PipelineServices> Services = new(() =>
        new PipelineServices(new FileSystemBlobStore(Path.Combine(Root.Value.Path, "unused-store")), Engine, OrtRuntimeFixture.Runtime,
            options: new PipelineOptions { ScratchDirectory = Path.Combine(Root.Value.Path, "scratch") }));

    /// <summary>Frames of the gap clip (its first 2 s at 25 fps).</summary>
    public const int GapFrames = 50;

    /// <summary>Frames of the gap clip that are black (no face): they must pass through untouched.</summary>
    public static readonly (int Start, int End) BlackFrames = (20, 28);


    public static string Dir => Root.Value.Path;

    internal static void Cleanup()
    {
        if (Services.IsValueCreated) Services.Value.Dispose();
        if (Root.IsValueCreated) Root.Value.Dispose();
    }

    /// <summary>Services sharing one set of opened models, over a store for one dub.</summary>
    public static PipelineServices ServicesFor(IBlobStore store) => Services.Value.WithStore(store);

    public static PipelineServices SharedServices => Services.Value;

    /// <summary>Probe SwapTalk models + the shared YuNet and 68-point models.</summary>
    public static Task<string> ModelsAsync() => Make("models", async dir =>
    {
        Directory.CreateDirectory(dir);
        ProbeModels.WriteAll(dir, ModelManifest.Default, force: false);
        foreach (var file in new[] { "yunet_n_dynamic.onnx", "peppa_slim_160_68pt.onnx" })
            File.Copy(SharedData.Model(file), Path.Combine(dir, file));
        await Task.CompletedTask;
    });

    /// <summary>The GRID clip bbaf2n's first 2 s as lossless FFV1 (50 frames, 25 fps, 360x288, its audio as PCM) with frames 20..27 black.</summary>
    public static Task<string> GapClipAsync() => Make("gap.mkv", path => Ffmpeg("-i", SharedData.GridClip(), "-t", "2",
        "-vf", $"drawbox=enable='between(n,{BlackFrames.Start},{BlackFrames.End - 1})':x=0:y=0:w=iw:h=ih:color=black:t=fill",
        "-c:v", "ffv1", "-level", "3", "-g", "1", "-pix_fmt", "bgr0", "-c:a", "pcm_s16le", path));

    /// <summary>The GRID clip's first 1.2 s re-timed to 30 fps (frames repeated by the fps filter): 36 frames, no audio.</summary>
    public static Task<string> Grid30ClipAsync() => Make("grid30.mkv", path => Ffmpeg("-i", SharedData.GridClip(), "-t", "1.2",
        "-vf", "fps=30", "-an", "-c:v", "ffv1", "-level", "3", "-g", "1", "-pix_fmt", "bgr0", path));

    /// <summary>The GRID clip's first second: 25 frames with 1 s of its own audio.</summary>
    public static Task<string> ShortClipAsync() => Make("short.mkv", path => Ffmpeg("-i", SharedData.GridClip(),
        "-t", "1", "-c:v", "ffv1", "-level", "3", "-g", "1", "-pix_fmt", "bgr0", "-c:a", "pcm_s16le", path));

    /// <summary>The GRID clip's first second without audio.</summary>
    public static Task<string> MuteClipAsync() => Make("mute.mkv", path => Ffmpeg("-i", SharedData.GridClip(),
        "-t", "1", "-an", "-c:v", "ffv1", "-level", "3", "-g", "1", "-pix_fmt", "bgr0", path));

    /// <summary>Silence, 16 kHz mono float WAV.</summary>
    public static Task<string> SilenceAsync(double seconds) => Make($"silence-{seconds:0.###}.wav", path =>
    {
        WavFile.WriteFloat32(path, new float[(int)Math.Round(seconds * 16000)], 16000);
        return Task.CompletedTask;
    });

    /// <summary>
    /// Speech-free driving audio: a 0.25-amplitude 500 Hz tone (ten whole periods per 20 ms feature hop, so every
    /// hop inside a burst has the same energy, 1/32) over the given [start, end) second spans, silence elsewhere.
    /// </summary>
    public static Task<string> BurstsAsync(double seconds, params (double Start, double End)[] bursts) =>
        Make($"bursts-{seconds:0.###}-{string.Join("_", bursts.Select(b => $"{b.Start:0.###}-{b.End:0.###}"))}.wav", path =>
        {
            var samples = new float[(int)Math.Round(seconds * 16000)];
            foreach (var (start, end) in bursts)
                for (var i = (int)Math.Round(start * 16000); i < (int)Math.Round(end * 16000); i++)
                    samples[i] = (float)(0.25 * Math.Sin(2 * Math.PI * 500 * i / 16000.0));
            WavFile.WriteFloat32(path, samples, 16000);
            return Task.CompletedTask;
        });

    public static string Portrait => SharedData.Face;

    /// <summary>astronaut.png with red raised by 60 and blue lowered by 60 (clamped): the source's colour shifted.</summary>
    public static Task<string> RedPortraitAsync() => Make("astronaut-red.png", path =>
    {
        using var image = PngCodec.Read(SharedData.Face);
        var px = image.Pixels;
        var (r, b) = image.Order == ColorOrder.Rgb ? (0, 2) : (2, 0);
        for (var i = 0; i < px.Length; i += 3)
        {
            px[i + r] = (byte)Math.Min(255, px[i + r] + 60);
            px[i + b] = (byte)Math.Max(0, px[i + b] - 60);
        }
        PngCodec.Write(path, image);
        return Task.CompletedTask;
    });

    /// <summary>A 256x256 smooth gradient: a picture with no face in it.</summary>
    public static Task<string> FacelessPortraitAsync() => Make("gradient.png", path =>
    {
        using var image = new PixelBuffer(256, 256);
        for (var y = 0; y < 256; y++)
            for (var x = 0; x < 256; x++)
            {
                var p = image.Row(y).Slice(x * 3, 3);
                p[0] = (byte)x; p[1] = (byte)y; p[2] = 128;
            }
        PngCodec.Write(path, image);
        return Task.CompletedTask;
    });

    public static JobRequest Request(string video, string? audio, string models, JobOptions options, string? portrait = null, string? output = null) => new()
    {
        Portrait = portrait ?? Portrait,
        Video = video,
        Audio = audio,
        Models = models,
        Output = output,
        Options = options,
    };

    /// <summary>Lossless options with small segments (seams to test) and the job's default context.</summary>
    public static JobOptions Lossless(int segmentFrames, LengthPolicy policy = LengthPolicy.PingPong) =>
        new() { SegmentFrames = segmentFrames, LengthPolicy = policy, Quality = new OutputQuality { Lossless = true } };

    /// <summary>A dub several tests share, run once per test run under <paramref name="key"/>.</summary>
    public static Task<DubRun> Shared(string key, Func<Task<JobRequest>> request) =>
        Dubs.GetOrAdd(key, k => new Lazy<Task<DubRun>>(async () => await DubAsync(await request(), Path.Combine(Dir, "work-" + k)))).Value;

    /// <summary>Runs a dub with the real activities into a fresh (or existing) work folder and exports its output.</summary>
    public static async Task<DubRun> DubAsync(JobRequest request, string workDir, LocalExecutorOptions? executor = null, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(workDir);
        var store = new FileSystemBlobStore(workDir);
        var services = ServicesFor(store);
        var registry = PipelineActivities.Register(new Core.Activities.ActivityRegistry(), services);
        var options = executor ?? new LocalExecutorOptions { MaxParallelActivities = 2 };
        var output = request.Output ?? Path.Combine(workDir, "out" + request.Options.Quality.OutputExtension);
        request = request with { Output = output };
        var runner = new LocalJobRunner(store, registry, options, PipelineActivities.UpFrontInspector(services, request.Models),
            PipelineActivities.Inventory(services));
        var result = await runner.RunAsync(request, cancellationToken: cancellationToken);
        var report = await store.ReadJsonAsync<JobReport>(result.Result.ReportBlob, cancellationToken: cancellationToken);
        var plan = await store.ReadJsonAsync<JobPlan>(BlobNames.Plan(result.Result.JobId), cancellationToken: cancellationToken);
        return new DubRun(workDir, store, result, report, plan, result.OutputPath!);
    }

    /// <summary>Every frame of a video, decoded once (RGB bytes per frame).</summary>
    public static Task<byte[][]> FramesAsync(string path) =>
        Decoded.GetOrAdd(path, p => new Lazy<Task<byte[][]>>(async () =>
        {
            var info = await Engine.ProbeAsync(p);
            var frames = new List<byte[]>();
            await foreach (var frame in Engine.ReadFramesAsync(info, null, new FrameReadOptions { Order = ColorOrder.Rgb }))
                using (frame)
                    frames.Add(frame.Image.Pixels.ToArray());
            return frames.ToArray();
        })).Value;

    public static async Task Ffmpeg(params string[] args)
    {
        var psi = new ProcessStartInfo(Engine.Tools.Ffmpeg) { RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-nostdin", "-hide_banner", "-loglevel", "error", "-y" }.Concat(args)) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"ffmpeg {string.Join(' ', args)} failed: {stderr}");
    }

    private static Task<string> Make(string name, Func<string, Task> make) =>
        Made.GetOrAdd(name, n => new Lazy<Task<string>>(async () =>
        {
            var path = Path.Combine(Dir, n);
            await make(path);
            return path;
        })).Value;
}
