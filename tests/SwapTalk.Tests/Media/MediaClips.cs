using System.Security.Cryptography;
using SwapTalk.Core.Media;
using SwapTalk.Tests.Media;
using SwapTalk.Tests.Support;

[assembly: AssemblyFixture(typeof(MediaClips))]

namespace SwapTalk.Tests.Media;

/// <summary>
/// Synthetic clips made once per test run with ffmpeg's lavfi sources (testsrc2 + sine) into a temp
/// dir: short and small so the media tests stay fast. Also the independent reference: ffmpeg run
/// directly (no engine code) to hash decoded frames.
/// </summary>
public sealed class MediaClips : IAsyncLifetime
{
    private readonly TempDir _dir = new("swaptalk-media-clips");

    public MediaTools Tools { get; } = MediaTools.FromEnvironment();
    public MediaEngine Engine { get; private set; } = null!;

    /// <summary>320x240, 25 fps, 75 frames, H.264 yuv420p with B-frames and a keyframe every 25 frames, AAC sine 3 s; MP4.</summary>
    public string H264 => _dir.File("h264_bframes.mp4");

    /// <summary>361x289 (odd), 25 fps, 50 frames, H.264 4:4:4 (odd sizes need it), no audio; MP4.</summary>
    public string Odd => _dir.File("odd_361x289.mp4");

    /// <summary>160x120 stored, display matrix turning it 90 degrees clockwise; 25 fps, 25 frames; MP4.</summary>
    public string Rotated90 => _dir.File("rotated_cw90.mp4");

    /// <summary>Same picture, turned 270 degrees clockwise (90 counter-clockwise).</summary>
    public string Rotated270 => _dir.File("rotated_cw270.mp4");

    /// <summary>160x120: 30 fps for the first second, then 10 fps until 3 s (variable frame rate); MP4.</summary>
    public string Vfr => _dir.File("vfr.mp4");

    public string NewPath(string name) => _dir.File($"{Guid.NewGuid():N}-{name}");

    public async ValueTask InitializeAsync()
    {
        Engine = new MediaEngine(Tools);
        await Task.WhenAll(
            Ff("-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=3", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=3",
                "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-bf", "2", "-g", "25", "-c:a", "aac", "-shortest", H264),
            Ff("-f", "lavfi", "-i", "testsrc2=size=361x289:rate=25:duration=2,format=rgb24",
                "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv444p", "-g", "20", Odd),
            Ff("-f", "lavfi", "-i", "testsrc2=size=160x120:rate=30:duration=3", "-vf", "select='lt(t,1)+not(mod(n,3))'",
                "-fps_mode", "vfr", "-c:v", "libx264", "-preset", "ultrafast", "-g", "30", Vfr),
            MakeRotated());
    }

    private async Task MakeRotated()
    {
        var plain = _dir.File("upright.mp4");
        await Ff("-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=1", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", plain);
        // ffmpeg 5.1 writes a display matrix only on stream copy; its "rotate" tag turns the picture counter-clockwise.
        await Ff("-i", plain, "-c", "copy", "-metadata:s:v:0", "rotate=270", Rotated90);
        await Ff("-i", plain, "-c", "copy", "-metadata:s:v:0", "rotate=90", Rotated270);
    }

    public ValueTask DisposeAsync()
    {
        _dir.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Runs ffmpeg directly (test set-up and reference only).</summary>
    public static async Task Ff(params string[] args)
    {
        var (code, _, err) = await Run("ffmpeg", ["-nostdin", "-hide_banner", "-loglevel", "error", "-y", .. args]);
        if (code != 0) throw new InvalidOperationException($"ffmpeg {string.Join(' ', args)} failed: {err}");
    }

    /// <summary>Runs a tool through the project's one process runner (exit code, stdout, stderr tail).</summary>
    public static Task<(int Code, byte[] Stdout, string Stderr)> Run(string exe, IEnumerable<string> args) => MediaProcess.CaptureAsync(exe, args);

    /// <summary>MD5 of every decoded frame as packed RGB, straight from ffmpeg (no seeking, no rate mapping).</summary>
    public static async Task<List<string>> ReferenceFrameHashes(string path, string pixelFormat = "rgb24", params string[] inputOptions)
    {
        var (code, stdout, err) = await Run("ffmpeg", ["-nostdin", "-hide_banner", "-loglevel", "error", .. inputOptions, "-i", path, "-map", "0:v:0",
            "-fps_mode", "passthrough", "-pix_fmt", pixelFormat, "-f", "framemd5", "pipe:1"]);
        if (code != 0) throw new InvalidOperationException($"reference decode of {path} failed: {err}");
        return System.Text.Encoding.ASCII.GetString(stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => !l.StartsWith('#')).Select(l => l.Split(',')[^1].Trim()).ToList();
    }

    /// <summary>Presentation timestamps (ticks) of the video packets, ascending, straight from ffprobe.</summary>
    public static async Task<List<long>> ReferencePacketPts(string path)
    {
        var (code, stdout, err) = await Run("ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts", "-of", "csv=p=0", path]);
        if (code != 0) throw new InvalidOperationException(err);
        return System.Text.Encoding.ASCII.GetString(stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(long.Parse).Order().ToList();
    }

    public static string Md5(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(MD5.HashData(bytes));

    /// <summary>Reads frames through the engine and returns their hashes (disposing each frame).</summary>
    public async Task<List<string>> EngineFrameHashes(MediaInfo media, FrameRange? range = null, FrameReadOptions? options = null)
    {
        var hashes = new List<string>();
        await foreach (var frame in Engine.ReadFramesAsync(media, range, options))
            using (frame)
                hashes.Add(Md5(frame.Image.Pixels));
        return hashes;
    }

    /// <summary>Ids of ffmpeg/ffprobe processes whose parent is this test process (from /proc).</summary>
    public static IReadOnlyList<int> ChildMediaProcesses()
    {
        var me = Environment.ProcessId;
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var close = stat.LastIndexOf(')');
                var name = stat[(stat.IndexOf('(') + 1)..close];
                var fields = stat[(close + 2)..].Split(' ');
                if (int.Parse(fields[1]) == me && name is "ffmpeg" or "ffprobe") found.Add(pid);
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return found;
    }

    /// <summary>True when the process is gone (not even a zombie waiting to be reaped).</summary>
    public static bool IsGone(int pid) => !Directory.Exists($"/proc/{pid}");
}
