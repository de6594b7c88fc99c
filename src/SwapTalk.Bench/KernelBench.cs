using System.Diagnostics;
using System.Runtime.InteropServices;
using OpenCvSharp;
using OpenCvSharp.Dnn;
using SwapTalk.Core.Imaging;
using SwapTalk.Core.Vision.Alignment;
using SwapTalk.Core.Vision.Compositing;

namespace SwapTalk.Bench;

/// <summary>
/// <c>swaptalk-bench kernels</c>: each image kernel the project keeps of its own against OpenCvSharp doing
/// the same job, in this process, same run, same inputs, one thread each (Cv2.SetNumThreads(1)), with a
/// check that both give the same output: NCHW packing (dnn.blobFromImage), NCHW unpacking (merge +
/// convertTo), a mask's non-zero box (findNonZero + boundingRect). The OpenCV warp and paste-back the
/// pipeline uses are timed at the pipeline's sizes beside them, for the stage-share decision in docs/kernels.md.
/// </summary>
internal sealed class KernelBench : IBenchArea
{
    public string Name => "kernels";
    public string Description => "kept kernels (NCHW in/out, mask bounds) vs OpenCvSharp in the same run; OpenCV warp 1080p->512 and paste-back 512->1080p timed";

    private const int FrameWidth = 1920, FrameHeight = 1080, CropSize = 512;

    public Task<BenchReport> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var report = new BenchReport { Area = Name };
        int iterations = context.Quick ? 10 : 100, warmup = context.Quick ? 2 : 10;
        var warmupSeconds = context.Quick ? 0.05 : 0.5;
        CvMat.EnsureLoaded();

        using var scene = KernelScene.Create(FrameWidth, FrameHeight, CropSize, context.Log);
        FfhqAlignment.Extract(scene.Frame, scene.Face, scene.Crop);
        var vqgan = PixelNormalization.MinusOneToOne(ColorOrder.Rgb);
        var ours = new float[3 * CropSize * CropSize];
        var theirs = new float[3 * CropSize * CropSize];
        using var cropMat = scene.Crop.AsMat();
        using var back = new PixelBuffer(CropSize, CropSize);
        using var backCv = new PixelBuffer(CropSize, CropSize);
        TensorLayout.ToNchw(scene.Crop, ours, vqgan);

        void BlobFromImage()
        {
            using var blob = CvDnn.BlobFromImage(cropMat, vqgan.Scale, new Size(CropSize, CropSize), Scalar.All(-vqgan.Bias / vqgan.Scale), swapRB: false, crop: false);
            Marshal.Copy(blob.Data, theirs, 0, theirs.Length);
        }

        void MergeConvert()
        {
            var plane = CropSize * CropSize;
            var pinned = GCHandle.Alloc(ours, GCHandleType.Pinned);
            try
            {
                var at = pinned.AddrOfPinnedObject();
                using var r = Mat.FromPixelData(CropSize, CropSize, MatType.CV_32FC1, at);
                using var g = Mat.FromPixelData(CropSize, CropSize, MatType.CV_32FC1, at + plane * sizeof(float));
                using var b = Mat.FromPixelData(CropSize, CropSize, MatType.CV_32FC1, at + 2 * plane * sizeof(float));
                using var merged = new Mat();
                Cv2.Merge([r, g, b], merged);
                using var target = backCv.AsMat();
                merged.ConvertTo(target, MatType.CV_8UC3, 1 / vqgan.Scale, -vqgan.Bias / vqgan.Scale);
            }
            finally { pinned.Free(); }
        }

        var mask = scene.Mask.Weights;
        using var maskMat = mask.AsMat();
        RectI cvBounds = default;
        void FindNonZero()
        {
            using var points = new Mat();
            Cv2.FindNonZero(maskMat, points);
            var r = Cv2.BoundingRect(points);
            cvBounds = new RectI(r.X, r.Y, r.Width, r.Height);
        }

        using var pasted = scene.Frame.Clone();
        var cases = new (string Name, Action Ours, Action Reference, string ReferenceName, Func<string> Agreement)[]
        {
            ("512x512 -> NCHW float, x/127.5-1", () => TensorLayout.ToNchw(scene.Crop, ours, vqgan), BlobFromImage, "OpenCvSharp dnn.blobFromImage",
                () => FormattableString.Invariant($"largest difference {MaxDifference(ours, theirs):G3}")),
            ("NCHW float -> 512x512, (x+1)*127.5", () => TensorLayout.FromNchw(ours, back, vqgan), MergeConvert, "OpenCvSharp merge + convertTo",
                () => FormattableString.Invariant($"largest difference {MaxDifference(back.Pixels, backCv.Pixels)} levels")),
            ("mask 512x512 non-zero box", () => mask.NonZeroBounds(), FindNonZero, "OpenCvSharp findNonZero + boundingRect",
                () => mask.NonZeroBounds() == cvBounds ? $"same box {cvBounds}" : $"boxes differ: {mask.NonZeroBounds()} vs {cvBounds}"),
        };
        foreach (var c in cases)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var mine = Measure(c.Ours, iterations, warmup, warmupSeconds);
            var reference = Measure(c.Reference, iterations, warmup, warmupSeconds);
            report.Rows.Add(new BenchRow(c.Name, "median time", mine.Median, "ms", reference.Median, c.ReferenceName, "ratio <= 1.00"));
            report.Rows.Add(new BenchRow(c.Name, "best time", mine.Min, "ms", reference.Min, c.ReferenceName, "ratio <= 1.00"));
            report.Notes.Add($"agreement: {c.Name}: {c.Agreement()}");
        }

        // The OpenCV kernels the pipeline runs per face, at its sizes (their stage shares decide, not a ratio).
        var warp = Measure(() => FfhqAlignment.Extract(scene.Frame, scene.Face, scene.Crop), iterations, warmup, warmupSeconds);
        var paste = Measure(() => PasteBack.Run(pasted, scene.Crop, scene.Mask, scene.Face), iterations, warmup, warmupSeconds);
        report.Rows.Add(new BenchRow("align: warp 1920x1080 -> 512x512 (OpenCV warpAffine)", "median time", warp.Median, "ms"));
        report.Rows.Add(new BenchRow("paste-back 512x512 -> 1920x1080 (OpenCV warpAffine x2 + blendLinear)", "median time", paste.Median, "ms"));
        report.Notes.Add($"scene: {scene.Description}; a face quad of 600 px turned 8 degrees; whole-face mask (support {scene.Mask.Support})");
        report.Notes.Add($"median and best of {iterations} calls after a warm-up of >= {warmup} calls and {warmupSeconds} s (the JIT settles in it); both sides in this process, one thread; ratio = swaptalk / OpenCvSharp, below 1 is faster");
        return Task.FromResult(report);
    }

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

    private static double MaxDifference(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double max = 0;
        for (var i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs(a[i] - (double)b[i]));
        return max;
    }

    private static int MaxDifference(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        var max = 0;
        for (var i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs(a[i] - b[i]));
        return max;
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
    public static KernelScene Create(int width, int height, int cropSize, Action<string> log)
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
        var portraitPath = SharedFace();
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

    /// <summary>The shared astronaut portrait: $SWAPTALK_SHARED_DATA, else ../shared/data above the working directory or the binary.</summary>
    private static string? SharedFace()
    {
        if (Environment.GetEnvironmentVariable("SWAPTALK_SHARED_DATA") is { Length: > 0 } shared) return Path.Combine(shared, "faces", "astronaut.png");
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "shared", "data", "faces", "astronaut.png"))) return Path.Combine(dir.FullName, "shared", "data", "faces", "astronaut.png");
        return null;
    }

    public void Dispose()
    {
        Frame.Dispose();
        Crop.Dispose();
        Mask.Dispose();
    }
}
