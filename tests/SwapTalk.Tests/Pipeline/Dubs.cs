using SwapTalk.Core.Jobs;
using static SwapTalk.Tests.Pipeline.PipelineData;

namespace SwapTalk.Tests.Pipeline;

/// <summary>
/// The dubs the end-to-end tests compare, each run once per test run. All use the probe SwapTalk models with the
/// real YuNet and 68-point models, real ffmpeg and ONNX Runtime, and lossless output unless a test is about H.264.
/// </summary>
internal static class Dubs
{
    /// <summary>Seams of the 50-frame gap clip in 17-frame segments: sizes 17, 17, 16.</summary>
    public static readonly int[] Seams = [17, 34];

    /// <summary>Gap clip (frames 20..27 black), 2 s of silence, lossless, 17-frame segments.</summary>
    public static Task<DubRun> Baseline() => Shared("baseline", BaselineRequest);

    public static async Task<JobRequest> BaselineRequest() =>
        Request(await GapClipAsync(), await SilenceAsync(2), await ModelsAsync(), Lossless(17));

    /// <summary>The same, rendered as one segment: any seam error would make a frame differ from it.</summary>
    public static Task<DubRun> OneSegment() => Shared("one-segment", async () =>
        Request(await GapClipAsync(), await SilenceAsync(2), await ModelsAsync(), Lossless(GapFrames)));

    /// <summary>Tone bursts over whole-frame spans at 25 fps: two straddle a seam, one lies inside the black frames.</summary>
    public static readonly (int Start, int End)[] Bursts25 = [(3, 6), (15, 19), (22, 24), (32, 37), (45, 46)];

    public static Task<DubRun> Bursts() => Shared("bursts25", async () =>
        Request(await GapClipAsync(), await BurstsAsync(2, Bursts25.Select(b => (b.Start / 25.0, b.End / 25.0)).ToArray()), await ModelsAsync(), Lossless(17)));

    /// <summary>30 fps: 1.2 s of audio is 36 frames in 12-frame segments (seams at 12 and 24).</summary>
    public static Task<DubRun> Baseline30() => Shared("baseline30", async () =>
        Request(await Grid30ClipAsync(), await SilenceAsync(1.2), await ModelsAsync(), Lossless(12)));

    /// <summary>Bursts on 0.1 s boundaries (3 frames at 30 fps, 5 features at 50 Hz): frame and feature edges coincide.</summary>
    public static readonly (double Start, double End)[] Bursts30Seconds = [(0.1, 0.2), (0.3, 0.5), (0.7, 0.9)];

    public static Task<DubRun> Bursts30() => Shared("bursts30", async () =>
        Request(await Grid30ClipAsync(), await BurstsAsync(1.2, Bursts30Seconds), await ModelsAsync(), Lossless(12)));

    /// <summary>The colour-shifted portrait on the gap clip's first 30 frames (including the black ones).</summary>
    public static Task<DubRun> RedSource() => Shared("red", async () =>
        Request(await GapClipAsync(), await SilenceAsync(1.2), await ModelsAsync(), Lossless(30), portrait: await RedPortraitAsync()));

    /// <summary>One second of video (25 frames), 1.6 s of audio: ping-pong to 40 frames, lossless, segments of 14/13/13.</summary>
    public static Task<DubRun> PingPong() => Shared("pingpong", async () =>
        Request(await ShortClipAsync(), await SilenceAsync(1.6), await ModelsAsync(), Lossless(14)));

    /// <summary>H.264 (the users' default, ultrafast here for time): freeze to 40 frames.</summary>
    public static Task<DubRun> Freeze() => Shared("freeze", async () =>
        Request(await ShortClipAsync(), await SilenceAsync(1.6), await ModelsAsync(),
            new JobOptions { SegmentFrames = 40, LengthPolicy = LengthPolicy.Freeze, Quality = new OutputQuality { Preset = "ultrafast" } }));

    /// <summary>H.264, trim: the audio is cut to the 25-frame video.</summary>
    public static Task<DubRun> Trim() => Shared("trim", async () =>
        Request(await ShortClipAsync(), await SilenceAsync(1.6), await ModelsAsync(),
            new JobOptions { SegmentFrames = 40, LengthPolicy = LengthPolicy.Trim, Quality = new OutputQuality { Preset = "ultrafast" } }));

    /// <summary>Self-driven (the clip's own audio), lossless, on a clip whose first 5 frames are black.</summary>
    public static Task<DubRun> SelfDriven() => Shared("self", async () =>
        Request(await BlackStartClipAsync(), null, await ModelsAsync(), Lossless(13)));

    /// <summary>The short clip with frames 0..4 black (no face until frame 5), with its audio.</summary>
    public static Task<string> BlackStartClipAsync() => MakeClipAsync("blackstart.mkv", async path => await Ffmpeg("-i", await ShortClipAsync(),
        "-vf", "drawbox=enable='lt(n,5)':x=0:y=0:w=iw:h=ih:color=black:t=fill",
        "-c:v", "ffv1", "-level", "3", "-g", "1", "-pix_fmt", "bgr0", "-c:a", "copy", path));

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<Task<string>>> Clips = new();

    private static Task<string> MakeClipAsync(string name, Func<string, Task> make) =>
        Clips.GetOrAdd(name, n => new Lazy<Task<string>>(async () =>
        {
            var path = Path.Combine(Dir, n);
            await make(path);
            return path;
        })).Value;
}
