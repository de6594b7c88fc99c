using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using System.Text.Json;
using SwapTalk.Core.Imaging;
using SwapTalk.Core.Inference;
using SwapTalk.Core.Media;
using SwapTalk.Core.Vision.Tracking;

namespace SwapTalk.Bench;

/// <summary>
/// <c>swaptalk-bench tracking</c>: face tracks (detection, 68 landmarks, smoothing) over a real GRID clip,
/// against OpenCV 4.6's DNN module running the same two models frame by frame (scripts/bench/opencv_tracking.py),
/// same frames, same run, one thread each. Decoding is left out on both sides (the media bench covers it).
/// </summary>
internal sealed class TrackingBench : IBenchArea
{
    private const string Python = "/usr/bin/python3";
    private const string Clip = "video/grid_bbaf2n.mpg";

    public string Name => "tracking";
    public string Description => "face tracks on a GRID clip (YuNet + Peppa 68 + smoothing) vs OpenCV 4.6 DNN with the same models, one thread";

    public async Task<BenchReport> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var report = new BenchReport { Area = Name };
        var root = FindRepoRoot();
        var data = Environment.GetEnvironmentVariable("SWAPTALK_SHARED_DATA") is { Length: > 0 } env ? env
            : root is null ? null : Path.GetFullPath(Path.Combine(root, "..", "shared", "data"));
        string? Shared(string relative) => data is not null && File.Exists(Path.Combine(data, relative)) ? Path.Combine(data, relative) : null;
        var clip = Shared(Clip);
        var yunet = Shared("models/yunet_n_dynamic.onnx");
        var yunet640 = Shared("models/yunet_n_640_640.onnx");
        var peppa = Shared("models/peppa_slim_160_68pt.onnx");
        if (clip is null || yunet is null || yunet640 is null || peppa is null)
        {
            report.Notes.Add($"shared data not found (looked in {data ?? "../shared/data"}): the tracking bench needs {Clip} and the YuNet and Peppa models");
            return report;
        }

        var media = MediaEngine.FromEnvironment();
        var info = await media.ProbeAsync(clip, cancellationToken);
        var frames = new List<PixelBuffer>();
        var range = context.Quick ? new FrameRange(0, Math.Min(25, info.RequireVideo().FrameCount)) : (FrameRange?)null;
        await foreach (var frame in media.ReadFramesAsync(info, range, new FrameReadOptions { Order = ColorOrder.Bgr }, cancellationToken))
            using (frame)
                frames.Add(frame.Image.Clone());
        var (width, height) = (frames[0].Width, frames[0].Height);
        var rounds = context.Quick ? 1 : 3;

        var runtime = OrtRuntime.Shared;
        var oneThread = new SessionSettings { IntraOpThreads = 1 };
        var peppaBytes = File.ReadAllBytes(peppa);
        using var dynamicSession = runtime.OpenSession(yunet, oneThread, "face_detector");
        using var fixedSession = runtime.OpenSession(yunet640, oneThread, "face_detector_640");
        using var landmarker = runtime.OpenSession(TrackerModels.WithoutInitializerInputs(peppaBytes, out _), "face_landmarker", oneThread);
        using var landmarkerAsExported = runtime.OpenSession(peppaBytes, "face_landmarker_as_exported", oneThread);

        Measured Run(string what, ModelSession detector, ModelSession marks, FaceTrackOptions? options = null)
        {
            var tracker = new FaceTracker(detector, marks, options);
            Measure(tracker, frames, 1); // warm-up: JIT, ORT's first runs
            var result = Measure(tracker, frames, rounds);
            context.Log(string.Create(CultureInfo.InvariantCulture,
                $"{what}: {result.MsPerFrame:0.00} ms/frame (detection {result.DetectMsPerFrame:0.00}, landmarks {result.LandmarkMsPerFace:0.00} per face)"));
            return result;
        }
        var standard = Run("default (dynamic YuNet at 320, frame by frame)", dynamicSession, landmarker);
        var fixed640 = Run("fixed 640x640 YuNet", fixedSession, landmarker);
        var batched = Run("batches of 8", dynamicSession, landmarker, new FaceTrackOptions { DetectionBatch = 8 });
        var native = Run("detection at the frame's own size", dynamicSession, landmarker, new FaceTrackOptions { DetectionSide = 640 });
        var exported = Run("landmarker as exported", dynamicSession, landmarkerAsExported);

        var reference = await RunReferenceAsync(context, root, frames, yunet640, peppa, rounds, report, cancellationToken);
        var clipName = $"GRID {width}x{height}, {frames.Count} frames";
        const string opencv = "OpenCV 4.6 DNN, YuNet 640x640 + Peppa";
        double? Ref(string key) => reference?.RootElement.GetProperty(key).GetDouble();
        report.Rows.Add(new BenchRow($"{clipName}: track (detect, landmarks, smooth)", "time per frame", standard.MsPerFrame, "ms", Ref("ms_per_frame"), opencv, "ratio <= 1.00"));
        report.Rows.Add(new BenchRow($"{clipName}: track, YuNet 640x640 like the reference", "time per frame", fixed640.MsPerFrame, "ms", Ref("ms_per_frame"), opencv, "ratio <= 1.00"));
        report.Rows.Add(new BenchRow("YuNet 640x640, one frame", "detection time per frame", fixed640.DetectMsPerFrame, "ms", Ref("detect_ms_per_frame"), "OpenCV 4.6 DNN", ""));
        report.Rows.Add(new BenchRow("Peppa 68 landmarks, one face", "time per face", standard.LandmarkMsPerFace, "ms", Ref("landmarks_ms_per_face"), "OpenCV 4.6 DNN", "ratio <= 1.00"));
        report.Rows.Add(new BenchRow("Peppa as exported (weights listed as inputs)", "time per face", exported.LandmarkMsPerFace, "ms", standard.LandmarkMsPerFace, "swaptalk, weights folded", ""));
        report.Rows.Add(new BenchRow("YuNet at 320 long side, batches of 8", "detection time per frame", batched.DetectMsPerFrame, "ms", standard.DetectMsPerFrame, "swaptalk, frame by frame", ""));
        report.Rows.Add(new BenchRow("YuNet at 320 long side", "detection time per frame", standard.DetectMsPerFrame, "ms", native.DetectMsPerFrame, $"swaptalk at {width}x{height} (384x288 input)", ""));
        report.Notes.Add(string.Create(CultureInfo.InvariantCulture,
            $"swaptalk tracks at {1000 / standard.MsPerFrame:0} frames/s on one thread (decoding not included); median of {rounds} round(s) over the clip after a warm-up round; ratio = swaptalk / reference, below 1 is faster"));
        if (reference is not null)
        {
            var agreement = Agreement(reference, standard.Track);
            report.Notes.Add(string.Create(CultureInfo.InvariantCulture,
                $"agreement: OpenCV's landmarks (its own crop resize) lie {agreement:0.00} px RMS from swaptalk's raw landmarks, over {reference.RootElement.GetProperty("faces").GetInt32()} faces"));
        }
        foreach (var f in frames) f.Dispose();
        return report;
    }

    private sealed record Measured(double MsPerFrame, double DetectMsPerFrame, double LandmarkMsPerFace, FaceTrack Track);

    private static Measured Measure(FaceTracker tracker, IReadOnlyList<PixelBuffer> frames, int rounds)
    {
        var results = new List<Measured>();
        for (var r = 0; r < rounds; r++)
        {
            var clock = Stopwatch.StartNew();
            using var builder = tracker.Begin(new FrameRange(0, frames.Count), frames.Count);
            for (var i = 0; i < frames.Count; i++) builder.Add(i, frames[i]);
            var track = builder.Build();
            var elapsed = clock.Elapsed.TotalMilliseconds;
            var t = track.Timing;
            results.Add(new Measured(elapsed / frames.Count, t.Detection.TotalMilliseconds / frames.Count,
                t.Landmarks.TotalMilliseconds / Math.Max(1, t.FramesLandmarked), track));
        }
        return results.OrderBy(m => m.MsPerFrame).ElementAt(results.Count / 2);
    }

    /// <summary>RMS distance between OpenCV's landmarks and swaptalk's raw ones, frame by frame.</summary>
    private static double Agreement(JsonDocument reference, FaceTrack track)
    {
        double sum = 0;
        var n = 0;
        var i = 0;
        foreach (var frame in reference.RootElement.GetProperty("points").EnumerateArray())
        {
            var ours = track.Items[i++].RawLandmarks;
            if (frame.ValueKind != JsonValueKind.Array || ours is null) continue;
            var k = 0;
            foreach (var p in frame.EnumerateArray())
            {
                var d = new Vector2((float)p[0].GetDouble(), (float)p[1].GetDouble()) - ours[k++];
                sum += d.LengthSquared();
                n++;
            }
        }
        return n == 0 ? double.NaN : Math.Sqrt(sum / n);
    }

    private static async Task<JsonDocument?> RunReferenceAsync(BenchContext context, string? root, IReadOnlyList<PixelBuffer> frames,
        string detector, string landmarker, int rounds, BenchReport report, CancellationToken cancellationToken)
    {
        var script = root is null ? null : Path.Combine(root, "scripts", "bench", "opencv_tracking.py");
        if (script is null || !File.Exists(script))
        {
            report.Notes.Add("OpenCV reference unavailable: scripts/bench/opencv_tracking.py not found above the working directory or the binary");
            return null;
        }
        if (!File.Exists(Python) || (await BenchProcess.RunAsync(Python, ["-c", "import cv2"], cancellationToken)).Code != 0)
        {
            report.Notes.Add("OpenCV reference unavailable: Debian's python3 cannot import cv2 (apt-get install python3-opencv, or run `swaptalk-bench kernels` once, which installs it)");
            return null;
        }
        var work = Path.Combine(context.OutDir, "tracking-work");
        Directory.CreateDirectory(work);
        var raw = Path.Combine(work, "frames.bgr");
        await using (var file = File.Create(raw))
            foreach (var f in frames)
                file.Write(f.Pixels);
        context.Log("running the OpenCV reference");
        var (code, stdout, stderr) = await BenchProcess.RunAsync(Python,
            [script, "--frames", raw, "--width", frames[0].Width.ToString(CultureInfo.InvariantCulture), "--height", frames[0].Height.ToString(CultureInfo.InvariantCulture),
                "--detector", detector, "--landmarker", landmarker, "--rounds", rounds.ToString(CultureInfo.InvariantCulture), "--threads", "1"], cancellationToken);
        File.Delete(raw);
        if (code != 0)
        {
            report.Notes.Add($"OpenCV reference failed (exit {code}): {stderr.Trim()}");
            return null;
        }
        return JsonDocument.Parse(stdout);
    }

    private static string? FindRepoRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "scripts", "bench", "opencv_tracking.py"))) return dir.FullName;
        return null;
    }
}
