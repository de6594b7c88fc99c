using System.Collections.Concurrent;
using System.Numerics;
using SwapTalk.Core.Imaging;
using SwapTalk.Core.Inference;
using SwapTalk.Core.Media;
using SwapTalk.Core.Vision.Tracking;
using SwapTalk.Tests.Inference;
using SwapTalk.Tests.Support;

namespace SwapTalk.Tests.Vision.Tracking;

/// <summary>
/// Real models and GRID clips for the face-track tests, opened once per test run and shared, so each
/// clip is decoded and tracked once however many tests look at it. Skips (via SharedData) where
/// ../shared/data is absent.
/// </summary>
public static class FaceTrackData
{
    public static readonly string[] GridClips = ["bbaf2n", "lbax4n", "pwij3p"];

    // As FaceTracker.Open loads them (the landmarker without its weights listed as inputs), one thread
    // each: tests run two at a time on two cores.
    private static readonly Lazy<(ModelSession Detector, ModelSession Landmarker)> Sessions = new(() =>
    {
        var runtime = OrtRuntimeFixture.Runtime;
        var settings = new SessionSettings { IntraOpThreads = 1 };
        var landmarker = TrackerModels.WithoutInitializerInputs(File.ReadAllBytes(SharedData.Model("peppa_slim_160_68pt.onnx")), out _);
        return (runtime.OpenSession(SharedData.Model("yunet_n_dynamic.onnx"), settings, "face_detector"),
            runtime.OpenSession(landmarker, "face_landmarker", settings));
    });

    private static readonly Lazy<FaceTracker> DefaultTracker = new(() => NewTracker());
    private static readonly ConcurrentDictionary<string, Lazy<Task<MediaInfo>>> Probes = new();
    private static readonly ConcurrentDictionary<string, Lazy<Task<FaceTrack>>> Tracks = new();
    private static readonly ConcurrentDictionary<string, Lazy<Task<PixelBuffer[]>>> Decoded = new();

    public static MediaEngine Engine { get; } = MediaEngine.FromEnvironment();

    /// <summary>The shared YuNet session (for tests that call the detector directly).</summary>
    public static ModelSession DetectorSession => Sessions.Value.Detector;

    /// <summary>The tracker with default options over the shared sessions (thread-safe, shared by tests).</summary>
    public static FaceTracker Tracker => DefaultTracker.Value;

    /// <summary>A tracker with other options over the same sessions.</summary>
    public static FaceTracker NewTracker(FaceTrackOptions? options = null) => new(Sessions.Value.Detector, Sessions.Value.Landmarker, options);

    public static Task<MediaInfo> Probe(string clip) =>
        Probes.GetOrAdd(clip, c => new Lazy<Task<MediaInfo>>(() => Engine.ProbeAsync(SharedData.GridClip(c)))).Value;

    /// <summary>The whole clip's track with default options, through <see cref="FaceTracker.TrackAsync"/>.</summary>
    public static Task<FaceTrack> WholeClip(string clip) =>
        Tracks.GetOrAdd(clip, c => new Lazy<Task<FaceTrack>>(async () => await Tracker.TrackAsync(Engine, await Probe(c)))).Value;

    /// <summary>Every frame of a clip, decoded once (BGR, as the tracker reads them). Do not dispose or change them.</summary>
    public static Task<PixelBuffer[]> Frames(string clip) =>
        Decoded.GetOrAdd(clip, c => new Lazy<Task<PixelBuffer[]>>(async () =>
        {
            var frames = new List<PixelBuffer>();
            await foreach (var frame in Engine.ReadFramesAsync(await Probe(c), null, new FrameReadOptions { Order = ColorOrder.Bgr }))
                using (frame)
                    frames.Add(frame.Image.Clone());
            return frames.ToArray();
        })).Value;

    /// <summary>Tracks in-memory frames (frame i = clip frame i) through the streaming builder.</summary>
    public static FaceTrack Track(FaceTracker tracker, IReadOnlyList<PixelBuffer> frames, FrameRange? output = null)
    {
        using var builder = tracker.Begin(output ?? new FrameRange(0, frames.Count), frames.Count);
        for (var i = 0; i < frames.Count; i++) builder.Add(i, frames[i]);
        return builder.Build();
    }

    /// <summary>Every number that defines a tracked frame, as bits, for exact comparisons.</summary>
    public static string Fingerprint(FaceTrackFrame f)
    {
        var parts = new List<string> { f.Index.ToString(), f.Source.ToString() };
        if (f.Face is { } face)
        {
            var m = face.FrameToCrop;
            parts.AddRange(new[] { m.M11, m.M12, m.M13, m.M21, m.M22, m.M23 }.Select(v => BitConverter.DoubleToInt64Bits(v).ToString("x")));
            parts.AddRange(face.Quad.ToPoints().Select(Bits));
        }
        if (f.Landmarks is { } l) parts.AddRange(l.Select(Bits));
        if (f.RawLandmarks is { } r) parts.AddRange(r.Select(Bits));
        if (f.Detection is { } d) parts.Add($"{BitConverter.SingleToInt32Bits(d.Box.X):x},{BitConverter.SingleToInt32Bits(d.Box.Y):x},{BitConverter.SingleToInt32Bits(d.Box.Width):x},{BitConverter.SingleToInt32Bits(d.Box.Height):x},{BitConverter.SingleToInt32Bits(d.Score):x}");
        return string.Join(' ', parts);
    }

    private static string Bits(Vector2 p) => $"{BitConverter.SingleToInt32Bits(p.X):x}/{BitConverter.SingleToInt32Bits(p.Y):x}";
}
