using System.Diagnostics;
using System.Text.Json;
using SwapTalk.Core.Imaging;
using SwapTalk.Core.Vision.Alignment;
using SwapTalk.Core.Vision.Compositing;

namespace SwapTalk.Cli.Bench;

/// <summary>
/// <c>swaptalk bench kernels</c>: the image kernels against OpenCV 4.6 (python3-opencv), same
/// machine, same run, same inputs, both single-threaded. Also checks that the outputs agree (PSNR).
/// </summary>
/// <param name="repoRoot">where scripts/bench lives (default: searched above the working directory and the binary)</param>
/// <param name="installReference">whether a missing python3-opencv may be installed with apt-get</param>
internal sealed class KernelBench(string? repoRoot = null, bool installReference = true) : IBenchArea
{
    public string Name => "kernels";
    public string Description => "affine warp 1080p->512 and paste-back 512->1080p (and resize, blur, NCHW) vs OpenCV 4.6, single thread";

    private const int FrameWidth = 1920, FrameHeight = 1080, CropSize = 512;
    private const string Python = "/usr/bin/python3";

    public async Task<BenchReport> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var report = new BenchReport { Area = Name };
        int iterations = context.Quick ? 10 : 100, warmup = context.Quick ? 2 : 10;
        var warmupSeconds = context.Quick ? 0.05 : 0.5;
        var work = Path.Combine(context.OutDir, "kernels-work");
        Directory.CreateDirectory(work);

        var root = repoRoot ?? FindRepoRoot();
        using var scene = KernelScene.Create(FrameWidth, FrameHeight, CropSize, root, context.Log);
        AffineWarp.Run(scene.Frame, scene.Crop, scene.FrameToCrop);
        using var pasted = scene.Frame.Clone();
        var box = PasteBack.Run(pasted, scene.Crop, scene.Mask, scene.Face);
        using var small = new PixelBuffer(640, 360);
        using var blurred = new MaskBuffer(CropSize, CropSize);
        var tensor = new float[3 * CropSize * CropSize];
        const double sigma = 6;
        var kernel = 2 * GaussianBlur.DefaultRadius(sigma) + 1;
        var vqgan = PixelNormalization.MinusOneToOne(ColorOrder.Rgb);

        var cases = new List<BenchCase>
        {
            new("warp 1920x1080 -> 512x512", () => AffineWarp.Run(scene.Frame, scene.Crop, scene.FrameToCrop), () => scene.Crop.Pixels.ToArray(),
                new() { ["kind"] = "warp", ["frame"] = ImageSpec("frame.rgb", FrameWidth, FrameHeight, 3), ["frame_to_crop"] = Matrix(scene.FrameToCrop), ["crop_size"] = CropSize }),
            new("paste-back 512x512 -> 1920x1080", () => PasteBack.Run(pasted, scene.Crop, scene.Mask, scene.Face), () =>
            {
                using var once = scene.Frame.Clone();
                PasteBack.Run(once, scene.Crop, scene.Mask, scene.Face);
                return once.Pixels.ToArray();
            }, new()
            {
                ["kind"] = "paste", ["frame"] = ImageSpec("frame.rgb", FrameWidth, FrameHeight, 3), ["crop"] = ImageSpec("crop.rgb", CropSize, CropSize, 3),
                ["mask"] = ImageSpec("mask.gray", CropSize, CropSize, 1), ["crop_to_frame"] = Matrix(scene.CropToFrame), ["box"] = new[] { box.X, box.Y, box.Width, box.Height },
            }),
            new("resize 1920x1080 -> 640x360 (area)", () => Resize.Run(scene.Frame, small, ResizeMode.Area), () => small.Pixels.ToArray(),
                new() { ["kind"] = "resize", ["frame"] = ImageSpec("frame.rgb", FrameWidth, FrameHeight, 3), ["width"] = 640, ["height"] = 360, ["mode"] = "area" }),
            new($"gaussian blur 512x512 mask, sigma {sigma}", () => GaussianBlur.Run(scene.Mask.Weights, blurred, sigma), () => blurred.Pixels.ToArray(),
                new() { ["kind"] = "blur", ["mask"] = ImageSpec("mask.gray", CropSize, CropSize, 1), ["sigma"] = sigma, ["kernel"] = kernel }),
            new("512x512 -> NCHW float, x/127.5-1", () => TensorLayout.ToNchw(scene.Crop, tensor, vqgan), () => System.Runtime.InteropServices.MemoryMarshal.AsBytes(tensor.AsSpan()).ToArray(),
                new() { ["kind"] = "nchw", ["crop"] = ImageSpec("crop.rgb", CropSize, CropSize, 3), ["scale"] = vqgan.Scale, ["bias"] = vqgan.Bias, ["swap_rb"] = false },
                FloatOutput: true),
        };
        report.Notes.Add($"scene: {scene.Description}; a face quad of 600 px turned 8 degrees; whole-face mask (support {scene.Mask.Support}); paste-back box {box}");

        // Inputs for the reference, as raw bytes.
        await File.WriteAllBytesAsync(Path.Combine(work, "frame.rgb"), scene.Frame.Pixels.ToArray(), cancellationToken);
        await File.WriteAllBytesAsync(Path.Combine(work, "crop.rgb"), scene.Crop.Pixels.ToArray(), cancellationToken);
        await File.WriteAllBytesAsync(Path.Combine(work, "mask.gray"), scene.Mask.Weights.Pixels.ToArray(), cancellationToken);
        var caseSpecs = cases.Select(c => new Dictionary<string, object>(c.Spec) { ["name"] = c.Name }).ToList();
        await File.WriteAllTextAsync(Path.Combine(work, "cases.json"), JsonSerializer.Serialize(caseSpecs), cancellationToken);

        var reference = await RunOpenCvAsync(root, work, iterations, warmup, warmupSeconds, installReference, context, report, cancellationToken);
        foreach (var c in cases)
        {
            var t = Measure(c.Run, iterations, warmup, warmupSeconds);
            var engineOutput = c.Output();
            double? refMedian = null, refMin = null;
            var refName = "OpenCV";
            if (reference is not null && reference.RootElement.GetProperty("cases").TryGetProperty(c.Name, out var r))
            {
                refMedian = r.GetProperty("median_ms").GetDouble();
                refMin = r.GetProperty("min_ms").GetDouble();
                refName = $"OpenCV {reference.RootElement.GetProperty("opencv").GetString()}";
                if (r.TryGetProperty("variant", out var variant)) refName += $" {variant.GetString()}";
                var theirs = await File.ReadAllBytesAsync(r.GetProperty("output").GetString()!, cancellationToken);
                report.Notes.Add(c.FloatOutput
                    ? FormattableString.Invariant($"{c.Name}: output vs OpenCV's: largest difference {MaxFloatDifference(engineOutput, theirs):G3}")
                    : FormattableString.Invariant($"{c.Name}: output vs OpenCV's: PSNR {Psnr(engineOutput, theirs):0.0} dB, largest difference {MaxDifference(engineOutput, theirs)}"));
            }
            report.Rows.Add(new BenchRow(c.Name, "median time", t.Median, "ms", refMedian, refName, "ratio <= 1.00"));
            report.Rows.Add(new BenchRow(c.Name, "best time", t.Min, "ms", refMin, refName, "ratio <= 1.00"));
        }
        report.Notes.Add($"median and best of {iterations} calls after a warm-up of >= {warmup} calls and {warmupSeconds} s (the engine's JIT settles in it); each side single-threaded (cv2.setNumThreads(1)); ratio = swaptalk / OpenCV, below 1 is faster");
        return report;
    }

    private sealed record BenchCase(string Name, Action Run, Func<byte[]> Output, Dictionary<string, object> Spec, bool FloatOutput = false);

    private static Dictionary<string, object> ImageSpec(string file, int width, int height, int channels) =>
        new() { ["file"] = file, ["width"] = width, ["height"] = height, ["channels"] = channels };

    private static double[] Matrix(Affine2x3 m) => [m.M11, m.M12, m.M13, m.M21, m.M22, m.M23];

    /// <summary>Warm-up runs at least <paramref name="warmup"/> calls and <paramref name="warmupSeconds"/>, so the JIT has settled.</summary>
    internal static (double Median, double Min) Measure(Action run, int iterations, int warmup, double warmupSeconds)
    {
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < warmup || Stopwatch.GetElapsedTime(started).TotalSeconds < warmupSeconds; i++) run();
        var samples = new double[iterations];
        for (var i = 0; i < iterations; i++)
        {
            var t0 = Stopwatch.GetTimestamp();
            run();
            samples[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        }
        Array.Sort(samples);
        return (samples[iterations / 2], samples[0]);
    }

    private static double MaxFloatDifference(byte[] a, byte[] b)
    {
        if (a.Length != b.Length) return double.NaN;
        ReadOnlySpan<float> x = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(a), y = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(b);
        double max = 0;
        for (var i = 0; i < x.Length; i++) max = Math.Max(max, Math.Abs(x[i] - (double)y[i]));
        return max;
    }

    private static int MaxDifference(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        if (a.Length != b.Length) return -1;
        var max = 0;
        for (var i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs(a[i] - b[i]));
        return max;
    }

    internal static double Psnr(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        if (a.Length != b.Length) return double.NaN;
        double se = 0;
        for (var i = 0; i < a.Length; i++) { double d = a[i] - b[i]; se += d * d; }
        return se == 0 ? double.PositiveInfinity : 10 * Math.Log10(255.0 * 255.0 * a.Length / se);
    }

    private static async Task<JsonDocument?> RunOpenCvAsync(string? root, string work, int iterations, int warmup, double warmupSeconds, bool install, BenchContext context,
        BenchReport report, CancellationToken cancellationToken)
    {
        var script = root is null ? null : Path.Combine(root, "scripts", "bench", "opencv_kernels.py");
        if (script is null || !File.Exists(script))
        {
            report.Notes.Add("OpenCV reference unavailable: scripts/bench/opencv_kernels.py not found above the working directory or the binary");
            return null;
        }
        if (!await EnsureOpenCvAsync(context, install, cancellationToken))
        {
            report.Notes.Add("OpenCV reference unavailable (python3-opencv could not be imported or installed): rows show the engine alone");
            return null;
        }
        var (code, stdout, stderr) = await BenchProcess.RunAsync(Python,
            [script, "--work", work, "--iterations", iterations.ToString(), "--warmup", warmup.ToString(),
                "--warmup-seconds", warmupSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture), "--threads", "1"], cancellationToken);
        if (code != 0)
        {
            report.Notes.Add($"OpenCV reference failed (exit {code}): {stderr.Trim()}");
            return null;
        }
        return JsonDocument.Parse(stdout);
    }

    /// <summary>The repository root (holds scripts/bench/opencv_kernels.py), searched above the working directory and the binary.</summary>
    private static string? FindRepoRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "scripts", "bench", "opencv_kernels.py"))) return dir.FullName;
        return null;
    }

    /// <summary>Imports cv2 with Debian's python; installs python3-opencv once if it is missing (idempotent).</summary>
    private static async Task<bool> EnsureOpenCvAsync(BenchContext context, bool install, CancellationToken cancellationToken)
    {
        if (!File.Exists(Python)) return false;
        if ((await BenchProcess.RunAsync(Python, ["-c", "import cv2"], cancellationToken)).Code == 0) return true;
        if (!install) return false;
        context.Log("installing python3-opencv (apt-get) for the OpenCV reference");
        var apt = new[] { "env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "-q", "--no-install-recommends", "python3-opencv" };
        var (code, _, _) = Environment.UserName == "root"
            ? await BenchProcess.RunAsync(apt[0], apt[1..], cancellationToken)
            : await BenchProcess.RunAsync("sudo", ["-n", .. apt], cancellationToken);
        return code == 0 && (await BenchProcess.RunAsync(Python, ["-c", "import cv2"], cancellationToken)).Code == 0;
    }
}

/// <summary>The bench's input: a 1080p frame with a face, the face's aligned crop geometry, and a mask.</summary>
internal sealed class KernelScene : IDisposable
{
    public required PixelBuffer Frame { get; init; }
    public required PixelBuffer Crop { get; init; }
    public required AlignedFace Face { get; init; }
    public required FaceMask Mask { get; init; }
    public required string Description { get; init; }
    public Affine2x3 FrameToCrop => Face.FrameToCrop;
    public Affine2x3 CropToFrame => Face.CropToFrame;

    /// <summary>
    /// The shared astronaut portrait scaled to 1080x1080 in the middle of a noisy gradient, or where
    /// ../shared/data is absent, a synthetic pattern: natural content makes the PSNR against OpenCV meaningful.
    /// </summary>
    public static KernelScene Create(int width, int height, int cropSize, string? root, Action<string> log)
    {
        var frame = new PixelBuffer(width, height);
        var rng = new Random(42);
        var px = frame.Pixels;
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
            {
                var i = (y * width + x) * 3;
                px[i] = (byte)(60 + x * 120 / width + rng.Next(12));
                px[i + 1] = (byte)(90 + y * 100 / height + rng.Next(12));
                px[i + 2] = (byte)(140 + 40 * Math.Sin(x * 0.01) + rng.Next(12));
            }
        var description = "synthetic gradient with noise, 1920x1080 (shared astronaut.png not found)";
        var portraitPath = Environment.GetEnvironmentVariable("SWAPTALK_SHARED_DATA") is { Length: > 0 } shared
            ? Path.Combine(shared, "faces", "astronaut.png")
            : root is null ? null : Path.Combine(root, "..", "shared", "data", "faces", "astronaut.png");
        if (portraitPath is not null && File.Exists(portraitPath))
        {
            using var portrait = ImageFile.Read(portraitPath);
            var side = Math.Min(width, height);
            Resize.Run(portrait, RectI.Of(portrait), frame, new RectI((width - side) / 2, (height - side) / 2, side, side));
            description = "shared astronaut.png scaled to 1080x1080 on a noisy gradient, 1920x1080";
        }
        else log("shared astronaut.png not found: the kernels bench uses a synthetic frame");
        // The face's quad: the crop's corners placed by a similarity.
        var cropToFrame = Affine2x3.Translation(-cropSize / 2.0, -cropSize / 2.0)
            .Then(Affine2x3.Similarity(600.0 / cropSize, 8 * Math.PI / 180, width / 2.0 - 40, height / 2.0 - 20));
        float lo = -0.5f, hi = cropSize - 0.5f;
        var quad = new FaceQuad(cropToFrame.Apply(new System.Numerics.Vector2(lo, lo)), cropToFrame.Apply(new System.Numerics.Vector2(lo, hi)),
            cropToFrame.Apply(new System.Numerics.Vector2(hi, hi)), cropToFrame.Apply(new System.Numerics.Vector2(hi, lo)));
        return new KernelScene
        {
            Frame = frame, Crop = new PixelBuffer(cropSize, cropSize), Face = FfhqAlignment.FromQuad(quad, cropSize),
            Mask = FaceMask.Build(FaceMaskOptions.WholeFace, cropSize), Description = description,
        };
    }

    public void Dispose()
    {
        Frame.Dispose();
        Crop.Dispose();
        Mask.Dispose();
    }
}
