using System.CommandLine;
using System.Security.Cryptography;
using System.Text.Json;
using SwapTalk.Cli;
using SwapTalk.Tests.Support;
using static SwapTalk.Tests.Pipeline.PipelineData;

namespace SwapTalk.Tests.Hostile;

/// <summary>
/// Hostile and unusual inputs against <c>swaptalk dub</c>, run in-process through the real command tree with real
/// ffmpeg, OpenCV and ONNX Runtime. Every case checks the promises of issue 16 together: the exit code, a message
/// naming the input (by its flag and file) and the problem, no file left at any output path, every input file's hash
/// unchanged, and no child process left behind. Inputs are generated small here. Inputs that are unusual but valid are
/// checked with one deliberate option error (--crf 99) beside them: every problem is listed at once, so a message
/// naming only --crf proves the input itself passed every check (faces found, streams probed) without a render.
/// </summary>
public sealed class HostileInputTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>One case: what to give (args built in the case's own folder) and what must come back.</summary>
    public sealed record Case(Func<CaseDir, Task<string[]>> Arrange, int Exit, params string[] Expect)
    {
        /// <summary>A valid input checked beside the deliberate --crf 99: that must be the only problem.</summary>
        public bool OnlyCrf { get; init; }
    }

    /// <summary>The case's own folder with copies of the base inputs, and the paths the dub would write.</summary>
    public sealed class CaseDir(string path)
    {
        public string Path { get; } = path;
        public string Face => File("face.png");
        public string Video => File("clip.mkv");
        public string Audio => File("speech.wav");
        public string Out => File("out.mp4");
        public string Work => File("work");
        public string File(string name) => System.IO.Path.Combine(Path, name);

        /// <summary>A case folder holding copies of the shared small portrait, clip and speech.</summary>
        public static async Task<CaseDir> WithBaseInputsAsync(string path)
        {
            var (face, video, audio) = await Base.Value;
            var d = new CaseDir(path);
            System.IO.File.Copy(face, d.Face);
            System.IO.File.Copy(video, d.Video);
            System.IO.File.Copy(audio, d.Audio);
            return d;
        }

        /// <summary>The base command, with <paramref name="replace"/> pairs overriding or adding options.</summary>
        public async Task<string[]> Args(params string[] replace)
        {
            var options = new List<(string Flag, string? Value)>
            {
                ("--face", Face), ("--video", Video), ("--audio", Audio), ("--models", await ModelsAsync()), ("--out", Out),
                ("--work", Work), ("--engine", "geometric"), ("--preset", "ultrafast"),
            };
            for (var i = 0; i < replace.Length; i++)
            {
                var flag = replace[i];
                var value = i + 1 < replace.Length && !replace[i + 1].StartsWith("--", StringComparison.Ordinal) ? replace[++i] : null;
                var at = options.FindIndex(o => o.Flag == flag);
                if (at >= 0) options[at] = (flag, value);
                else options.Add((flag, value));
            }
            return ["dub", .. options.SelectMany(o => o.Value is null ? new[] { o.Flag } : [o.Flag, o.Value])];
        }
    }

    private static readonly Lazy<Task<(string Face, string Video, string Audio)>> Base = new(async () =>
    {
        var dir = Directory.CreateDirectory(System.IO.Path.Combine(Dir, "hostile-base")).FullName;
        var face = System.IO.Path.Combine(dir, "face.png");
        await Ffmpeg("-i", Portrait, "-vf", "scale=320:320", face);
        var video = System.IO.Path.Combine(dir, "clip.mkv");
        await Ffmpeg("-i", SharedData.GridClip(), "-t", "0.4", "-vf", "scale=180:144", "-c:v", "ffv1", "-c:a", "pcm_s16le", video);
        var audio = System.IO.Path.Combine(dir, "speech.wav");
        await Ffmpeg("-i", SharedData.GridClip(), "-t", "0.4", "-vn", "-ac", "1", "-ar", "16000", audio);
        return (face, video, audio);
    });

    private static async Task<string> Make(CaseDir d, string name, params string[] ffmpegArgs)
    {
        var path = d.File(name);
        await Ffmpeg([.. ffmpegArgs, path]);
        return path;
    }

    private static string Write(CaseDir d, string name, byte[] bytes)
    {
        var path = d.File(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>A PNG whose header declares width x height but carries no image data.</summary>
    private static byte[] PngHeaderOnly(int width, int height)
    {
        var ihdr = new byte[13];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8; ihdr[9] = 2;
        using var s = new MemoryStream();
        s.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 13, 10, 26, 10]);
        s.Write([0, 0, 0, 13]);
        var chunk = "IHDR"u8.ToArray().Concat(ihdr).ToArray();
        s.Write(chunk);
        var crc = Crc32(chunk);
        s.Write([(byte)(crc >> 24), (byte)(crc >> 16), (byte)(crc >> 8), (byte)crc]);
        return s.ToArray();
    }

    /// <summary>PNG's CRC-32 (reflected, polynomial 0xEDB88320), so the header chunk itself is valid.</summary>
    private static uint Crc32(byte[] data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
        }
        return ~crc;
    }

    private const string Accepted = "--crf 99 is out of range";

    /// <summary>Accepted inputs: only the deliberate --crf problem may be reported.</summary>
    private static Case Valid(Func<CaseDir, Task<string[]>> arrange) => new(async d => [.. await arrange(d), "--crf", "99"], 2, Accepted, "bad input: --crf") { OnlyCrf = true };

    public static readonly Dictionary<string, Case> Cases = new()
    {
        // Portraits
        ["portrait empty"] = new(async d => await d.Args("--face", Write(d, "empty.png", [])), 2, "--face", "empty.png", "empty (0 bytes)"),
        ["portrait text"] = new(async d => await d.Args("--face", Write(d, "notes.png", "hello, not an image"u8.ToArray())), 2, "--face", "notes.png"),
        ["portrait truncated"] = new(async d => await d.Args("--face", Write(d, "cut.png", File.ReadAllBytes(d.Face)[..2000])), 2, "--face", "cut.png"),
        ["portrait bomb 30000x30000"] = new(async d => await d.Args("--face", Write(d, "bomb.png", PngHeaderOnly(30000, 30000))), 2, "--face", "bomb.png"),
        ["portrait 1x1"] = new(async d => await d.Args("--face", await Make(d, "dot.png", "-i", d.Face, "-vf", "scale=1:1")), 2, "--face", "dot.png"),
        ["portrait no face"] = new(async d => await d.Args("--face", await Make(d, "sky.png", "-f", "lavfi", "-i", "gradients=s=256x256", "-frames:v", "1")), 2, "--face", "sky.png", "no face"),
        ["portrait tiny face"] = new(async d => await d.Args("--face", await Make(d, "tiny.png", "-i", d.Face, "-vf", "scale=40:40,pad=400:400:180:180"))
            , 2, "--face", "tiny.png"),
        ["portrait folder"] = new(async d => await d.Args("--face", Directory.CreateDirectory(d.File("folder.png")).FullName), 2, "--face", "folder.png", "is a folder"),
        ["portrait missing"] = new(async d => await d.Args("--face", d.File("nobody.png")), 2, "--face", "nobody.png", "does not exist"),
        ["portrait URL"] = new(async d => await d.Args("--face", "https://127.0.0.1:9/face.png"), 2, "--face", "https://127.0.0.1:9/face.png", "URL"),
        ["portrait name not UTF-8"] = new(async d => await d.Args("--face", d.File("caf\uFFFD.png")), 2, "--face", "not valid UTF-8"),
        ["portrait grayscale"] = Valid(async d => await d.Args("--face", await Make(d, "gray.png", "-i", d.Face, "-pix_fmt", "gray"))),
        ["portrait 16-bit"] = Valid(async d => await d.Args("--face", await Make(d, "deep.png", "-i", d.Face, "-pix_fmt", "rgb48be"))),
        ["portrait alpha"] = Valid(async d => await d.Args("--face", await Make(d, "alpha.png", "-i", d.Face, "-pix_fmt", "rgba"))),
        ["portrait JPEG"] = Valid(async d => await d.Args("--face", await Make(d, "face.jpg", "-i", d.Face))),
        ["portrait two faces"] = Valid(async d => await d.Args("--face", await Make(d, "two.png", "-i", d.Face, "-i", d.Face, "-filter_complex", "hstack"))),
        ["portrait upside down"] = Valid(async d => await d.Args("--face", await Make(d, "down.png", "-i", d.Face, "-vf", "transpose=1,transpose=1"))),
        ["portrait turned 90"] = Valid(async d => await d.Args("--face", await Make(d, "side.png", "-i", d.Face, "-vf", "transpose=1"))),
        ["portrait EXIF-rotated"] = Valid(async d =>
        {
            // A JPEG whose pixels lie on their side with EXIF orientation 6 ("turn 90 degrees clockwise to view").
            var side = await Make(d, "side.jpg", "-i", d.Face, "-vf", "transpose=2");
            var bytes = File.ReadAllBytes(side);
            byte[] app1 = [0xFF, 0xE1, 0x00, 0x22, (byte)'E', (byte)'x', (byte)'i', (byte)'f', 0, 0,
                (byte)'M', (byte)'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0];
            return await d.Args("--face", Write(d, "exif.jpg", [.. bytes[..2], .. app1, .. bytes[2..]]));
        }),
        ["portrait GIF"] = new(async d => await d.Args("--face", await Make(d, "face.gif", "-i", d.Face)), 2, "--face", "face.gif"),
        ["portrait CMYK JPEG"] = Valid(async d =>
        {
            var path = d.File("cmyk.jpg");
            using var rgb = OpenCvSharp.Cv2.ImRead(d.Face);
            // OpenCV writes 4-channel JPEGs as Adobe CMYK.
            using var cmyk = new OpenCvSharp.Mat();
            OpenCvSharp.Cv2.CvtColor(rgb, cmyk, OpenCvSharp.ColorConversionCodes.BGR2BGRA);
            OpenCvSharp.Cv2.ImWrite(path, cmyk);
            return await d.Args("--face", path);
        }),
        ["portrait hostile name"] = Valid(async d =>
        {
            var name = d.File("-x; rm -rf $(echo) 'q\" & `a`.png");
            File.Copy(d.Face, name);
            return await d.Args("--face", name);
        }),

        // Videos
        ["video empty"] = new(async d => await d.Args("--video", Write(d, "empty.mp4", [])), 2, "--video", "empty.mp4", "empty (0 bytes)"),
        ["video truncated"] = new(async d => await d.Args("--video", Write(d, "cut.mp4", File.ReadAllBytes(await Make(d, "whole.mp4", "-i", d.Video, "-c:v", "libx264"))[..1500])), 2, "--video", "cut.mp4"),
        ["video text"] = new(async d => await d.Args("--video", Write(d, "notes.mp4", "not a video at all"u8.ToArray())), 2, "--video", "notes.mp4"),
        ["video audio-only"] = new(async d => await d.Args("--video", d.Audio), 2, "--video", "speech.wav", "no video stream"),
        ["video folder"] = new(async d => await d.Args("--video", Directory.CreateDirectory(d.File("clips")).FullName), 2, "--video", "clips", "is a folder"),
        ["video URL"] = new(async d => await d.Args("--video", "http://127.0.0.1:9/x.mp4"), 2, "--video", "http://127.0.0.1:9/x.mp4", "URLs are not read"),
        ["video remote playlist"] = new(async d => await d.Args("--video", Write(d, "live.m3u8", "#EXTM3U\n#EXTINF:1,\nhttp://127.0.0.1:9/a.ts\n"u8.ToArray())), 2, "--video", "live.m3u8", "playlist"),
        ["video 16x16"] = new(async d => await d.Args("--video", await Make(d, "small.mkv", "-i", d.Video, "-vf", "scale=16:16", "-c:v", "ffv1")), 2, "--video", "small.mkv", "16x16"),
        ["video odd size"] = Valid(async d => await d.Args("--video", await Make(d, "odd.mkv", "-i", d.Video, "-vf", "scale=181:145", "-c:v", "ffv1"))),
        ["video 10-bit"] = Valid(async d => await d.Args("--video", await Make(d, "ten.mkv", "-i", d.Video, "-c:v", "ffv1", "-pix_fmt", "yuv420p10le"))),
        ["video VP9"] = Valid(async d => await d.Args("--video", await Make(d, "clip.webm", "-i", d.Video, "-c:v", "libvpx-vp9", "-deadline", "realtime", "-an"))),
        ["video 60 fps"] = Valid(async d => await d.Args("--video", await Make(d, "sixty.mkv", "-i", d.Video, "-vf", "fps=60", "-c:v", "ffv1"))),
        ["video VFR"] = Valid(async d => await d.Args("--video", await Make(d, "vfr.mkv", "-i", d.Video, "-vf", "setpts='if(lt(N,5),N/25,(N+3)/25)/TB'", "-fps_mode", "vfr", "-c:v", "ffv1"))),
        ["video rotated"] = Valid(async d => await d.Args("--video", await Make(d, "turned.mp4", "-i", await Make(d, "plain.mp4", "-i", d.Video, "-c:v", "libx264", "-preset", "ultrafast"), "-c", "copy", "-metadata:s:v:0", "rotate=90"))),

        // Audio
        ["audio empty"] = new(async d => await d.Args("--audio", Write(d, "empty.wav", [])), 2, "--audio", "empty.wav", "empty (0 bytes)"),
        ["audio corrupt header"] = new(async d =>
        {
            var bytes = File.ReadAllBytes(d.Audio);
            for (var i = 0; i < 44; i++) bytes[i] = 0x5A;
            return await d.Args("--audio", Write(d, "garbled.wav", bytes));
        }, 2, "--audio", "garbled.wav"),
        ["audio 10 ms"] = new(async d => await d.Args("--audio", await Make(d, "blip.wav", "-f", "lavfi", "-i", "sine=d=0.01"))
            , 2, "--audio", "blip.wav"),
        ["audio 8 channels 192 kHz"] = Valid(async d => await d.Args("--audio", await Make(d, "wide.wav", "-f", "lavfi", "-i", "sine=d=0.4:r=192000", "-ac", "8"))),
        ["audio a video"] = Valid(async d => await d.Args("--audio", d.Video)),
        ["audio a video without sound"] = new(async d => await d.Args("--audio", await Make(d, "mute.mkv", "-i", d.Video, "-an", "-c:v", "ffv1")), 2, "--audio", "mute.mkv", "no audio stream"),

        // Options and paths
        ["options all at once"] = new(async d => await d.Args("--crf", "99", "--parallel", "0", "--face", Write(d, "bad.png", "x"u8.ToArray()), "--video", Write(d, "bad.mp4", "y"u8.ToArray())),
            2, "--crf 99 is out of range", "--parallel 0 is out of range", "--face", "bad.png", "--video", "bad.mp4"),
        ["options batch 0"] = new(async d => await d.Args("--batch", "0"), 2, "--batch 0 is out of range"),
        ["options segment frames 0"] = new(async d => await d.Args("--segment-frames", "0"), 2, "--segment-frames 0 is out of range"),
        ["options preset bogus"] = new(async d => await d.Args("--preset", "warp9"), 2, "--preset", "warp9"),
        ["out is the portrait"] = new(async d => await d.Args("--out", d.Face), 2, "--out", "same file as --face"),
        ["out hard link to the video"] = new(async d =>
        {
            var link = d.File("link.mp4");
            if (Link(d.Video, link) != 0) throw new InvalidOperationException("link(2) failed");
            return await d.Args("--out", link, "--force");
        }, 2, "--out", "link.mp4", "same file as --video"),
        // A fleet dub downloads its output and report copy: checked the same way, before anything is staged or any storage is reached.
        ["fleet out hard link to the video"] = new(async d =>
        {
            var link = d.File("link.mp4");
            if (Link(d.Video, link) != 0) throw new InvalidOperationException("link(2) failed");
            return await d.Args("--out", link, "--force", "--storage", "UseDevelopmentStorage=true");
        }, 2, "--out", "link.mp4", "same file as --video"),
        ["fleet report copy exists"] = new(async d =>
        {
            File.WriteAllText(d.File("out.report.json"), "someone's earlier file");
            return await d.Args("--storage", "UseDevelopmentStorage=true");
        }, 2, "--out (its report copy)", "out.report.json", "already exists", "--force"),
        ["out symlink to the video"] = new(async d =>
        {
            var link = d.File("sym.mp4");
            File.CreateSymbolicLink(link, d.Video);
            return await d.Args("--out", link, "--force");
        }, 2, "--out", "sym.mp4", "same file as --video"),
        ["preview is the portrait"] = new(async d => await d.Args("--preview", d.Face), 2, "--preview", "face.png", "same file as --face"),
        ["default preview is the portrait"] = new(async d =>
        {
            var face = d.File("r.preview.png");
            File.Copy(d.Face, face);
            return await d.Args("--face", face, "--out", d.File("r.mp4"));
        }, 2, "--preview (default name)", "r.preview.png", "same file as --face"),
        ["telemetry is the video"] = new(async d => await d.Args("--telemetry", d.Video), 2, "--telemetry", "clip.mkv", "same file as --video"),
        ["out exists"] = new(async d =>
        {
            File.WriteAllText(d.Out, "someone's earlier file");
            return await d.Args();
        }, 2, "--out", "out.mp4", "already exists", "--force"),
        ["out folder missing"] = new(async d => await d.Args("--out", d.File("nowhere/out.mp4")), 2, "--out", "nowhere", "does not exist"),
        ["out is a folder"] = new(async d => await d.Args("--out", Directory.CreateDirectory(d.File("result.mp4")).FullName), 2, "--out", "result.mp4", "is a folder"),
        ["out extension"] = new(async d => await d.Args("--out", d.File("out.avi")), 2, "--out", "out.avi", ".mp4"),
        ["preview extension"] = new(async d => await d.Args("--preview", d.File("sheet.mp4")), 2, "--preview", "sheet.mp4", ".png"),
        ["work is a file"] = new(async d => await d.Args("--work", Write(d, "work.txt", "x"u8.ToArray())), 2, "--work", "work.txt", "is a file"),
        ["models corrupt detector"] = new(async d =>
        {
            var models = Directory.CreateDirectory(d.File("models")).FullName;
            foreach (var file in Directory.EnumerateFiles(await ModelsAsync())) File.Copy(file, System.IO.Path.Combine(models, System.IO.Path.GetFileName(file)));
            var detector = System.IO.Path.Combine(models, "yunet_n_dynamic.onnx");
            File.WriteAllBytes(detector, File.ReadAllBytes(detector)[..5000]);
            return await d.Args("--models", models);
        }, 2, "--models", "yunet_n_dynamic.onnx", "corrupt"),
        ["eval without identity model"] = new(async d => await d.Args("--eval", "--identity-model", d.File("nope.onnx")), 2, "--identity-model", "nope.onnx", "does not exist"),
        ["work folder in use"] = new(async d =>
        {
            Directory.CreateDirectory(d.Work);
            HeldLocks[d.Path] = SwapTalk.Core.Files.WorkFolderLock.Acquire(d.Work, "a test holding the folder");
            return await d.Args();
        }, 2, "--work", "in use by process " + Environment.ProcessId),
    };

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, IDisposable> HeldLocks = new();

    public static TheoryData<string> Names() => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(Names))]
    public async Task Refused_or_accepted_with_a_message_and_nothing_lost(string name)
    {
        using var temp = new TempDir("swaptalk-hostile");
        var d = await CaseDir.WithBaseInputsAsync(temp.Path);
        var c = Cases[name];
        var args = await c.Arrange(d);

        var before = HashFiles(d.Path);
        var (code, stdout, stderr) = await Run(args);
        if (HeldLocks.TryRemove(d.Path, out var held)) held.Dispose();

        code.Should().Be(c.Exit, stderr);
        foreach (var expected in c.Expect) stderr.Should().Contain(expected, $"the message names the input and the problem: {stderr}");
        stderr.Should().NotContain("   at ", "no stack trace on the terminal");
        if (c.OnlyCrf)
            stderr.Split('\n').Count(l => l.TrimStart().StartsWith("- ", StringComparison.Ordinal)).Should().Be(0, "only the deliberate --crf problem: the input itself passed every check");

        var after = HashFiles(d.Path);
        foreach (var (file, hash) in before)
            after.Should().ContainKey(file).WhoseValue.Should().Be(hash, $"input '{file}' must be unchanged");
        after.Keys.Except(before.Keys).Where(f => !f.Contains($"{System.IO.Path.DirectorySeparatorChar}work{System.IO.Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Should().BeEmpty("no file is left at any output path (or beside it)");
        NoProcessMentions(d.Path);
    }

    [Fact]
    public async Task Json_mode_prints_one_object_on_failure()
    {
        using var temp = new TempDir("swaptalk-hostile");
        var d = await CaseDir.WithBaseInputsAsync(temp.Path);
        var (code, stdout, _) = await Run(await d.Args("--crf", "99", "--face", d.File("gone.png"), "--json"));
        code.Should().Be(2);
        using var json = JsonDocument.Parse(stdout);
        json.RootElement.GetProperty("exitCode").GetInt32().Should().Be(2);
        var problems = json.RootElement.GetProperty("problems").EnumerateArray().Select(p => p.GetProperty("input").GetString()).ToList();
        problems.Should().Contain(["--crf", "--face"]);

        // A usage error (an unknown option) too: one object, no help text on stdout.
        (code, stdout, var stderr) = await Run(await d.Args("--json", "--bogus"));
        code.Should().Be(2);
        using var usage = JsonDocument.Parse(stdout);
        usage.RootElement.GetProperty("error").GetString().Should().Be("usage");
        stderr.Should().Contain("--bogus");
    }

    [Fact]
    public async Task A_video_without_a_face_is_refused_unless_allowed()
    {
        var (face, _, audio) = await Base.Value;
        using var temp = new TempDir("swaptalk-hostile");
        var d = new CaseDir(temp.Path);
        File.Copy(face, d.Face);
        File.Copy(audio, d.Audio);
        // Odd-sized as well: the H.264 file gains a column and a row, and the summary and report say so.
        await Ffmpeg("-f", "lavfi", "-i", "testsrc=s=181x145:r=25:d=0.4", "-c:v", "ffv1", d.Video);
        var (code, _, stderr) = await Run(await d.Args());
        code.Should().Be(2, stderr);
        stderr.Should().Contain("no face in any of the 10 frames of").And.Contain("clip.mkv").And.Contain("--allow-no-face");
        File.Exists(d.Out).Should().BeFalse();

        (code, var stdout, stderr) = await Run(await d.Args("--allow-no-face", "--no-preview"));
        code.Should().Be(0, stderr);
        stdout.Should().Contain("passed through unchanged").And.Contain("the file is 182x146, the video 181x145");
        File.Exists(d.Out).Should().BeTrue();
        var written = (await Engine.ProbeAsync(d.Out, Ct)).RequireVideo();
        (written.Width, written.Height).Should().Be((182, 146));
        var reportPath = Directory.EnumerateFiles(d.Work, "report.json", SearchOption.AllDirectories).Single();
        using var report = JsonDocument.Parse(File.ReadAllText(reportPath));
        report.RootElement.GetProperty("outputSize").GetProperty("width").GetInt32().Should().Be(182);
        report.RootElement.GetProperty("notes").EnumerateArray().Select(n => n.GetString()).Should().Contain(n => n!.Contains("passed through unchanged"));
    }

    [Fact]
    public async Task The_same_command_again_replaces_its_own_outputs_but_an_edited_or_foreign_file_needs_force()
    {
        using var temp = new TempDir("swaptalk-hostile");
        var d = await CaseDir.WithBaseInputsAsync(temp.Path);
        var args = await d.Args("--telemetry", d.File("t.json"));
        var (code, _, stderr) = await Run(args);
        code.Should().Be(0, stderr);

        (code, var stdout, stderr) = await Run(args);
        code.Should().Be(0, "a re-run resumes and re-exports its own outputs: " + stderr);
        stdout.Should().Contain("1 reused");

        File.AppendAllText(d.File("out.preview.png"), "edited by hand");
        var edited = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(d.File("out.preview.png"))));
        (code, _, stderr) = await Run(args);
        code.Should().Be(2);
        stderr.Should().Contain("--preview (default name)").And.Contain("out.preview.png").And.Contain("already exists; give --force");
        Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(d.File("out.preview.png")))).Should().Be(edited);

        (code, _, stderr) = await Run([.. args, "--force"]);
        code.Should().Be(0, stderr);
        Directory.EnumerateFiles(d.Path).Select(System.IO.Path.GetFileName).Should().BeEquivalentTo(
            ["face.png", "clip.mkv", "speech.wav", "out.mp4", "out.preview.png", "t.json"], "nothing temporary is left beside the outputs");
    }

    [Fact]
    public async Task A_signal_during_the_evaluation_after_the_dub_exits_3()
    {
        using var temp = new TempDir("swaptalk-hostile");
        var d = await CaseDir.WithBaseInputsAsync(temp.Path);
        var args = await d.Args("--eval", "--identity-model", SharedData.Model("eval/mobilefacenet.onnx"));

        // Stop the moment the dub's output is in place: the preview and the evaluation are still to come.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var watcher = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                if (File.Exists(d.Out)) stop.Cancel();
                await Task.Delay(10, CancellationToken.None);
            }
        }, CancellationToken.None);
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await Program.InvokeAsync(args, new InvocationConfiguration { Output = stdout, Error = stderr }, stop.Token);
        await watcher;
        code.Should().Be(3, stderr.ToString());
        stderr.ToString().Should().Contain("cancelled").And.NotContain("   at ");
        File.Exists(d.File("out.eval.png")).Should().BeFalse("the evaluation image is never half-written");
        NoProcessMentions(d.Path);
    }

    [Fact]
    public async Task After_kill_9_the_next_run_removes_what_the_dead_process_left()
    {
        using var temp = new TempDir("swaptalk-hostile");
        var d = new CaseDir(temp.Path);
        File.Copy((await Base.Value).Face, d.Face);
        var args = await d.Args("--video", await GapClipAsync(), "--audio", await SilenceAsync(2), "--segment-frames", "5", "--parallel", "1", "--lossless", "--out", d.File("out.mkv"));
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(System.IO.Path.Combine(AppContext.BaseDirectory, "swaptalk.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        using (var process = System.Diagnostics.Process.Start(psi)!)
        {
            var stderr = process.StandardError.ReadToEndAsync(Ct);
            _ = process.StandardOutput.ReadToEndAsync(Ct);
            var deadline = DateTime.UtcNow.AddSeconds(120);
            // Kill it while it writes its second segment: the store's .tmp then holds a half-written file.
            while (!(Directory.Exists(d.Work) && Directory.EnumerateFiles(d.Work, "*.mkv", SearchOption.AllDirectories).Count(f => f.Contains("segments")) >= 1
                     && Directory.EnumerateFiles(System.IO.Path.Combine(d.Work, ".tmp")).Any()))
            {
                if (process.HasExited) Assert.Fail($"swaptalk exited {process.ExitCode} before a segment was under way: {await stderr}");
                DateTime.UtcNow.Should().BeBefore(deadline);
                await Task.Delay(5, Ct);
            }
            process.Kill(entireProcessTree: false); // SIGKILL: no clean-up of its own
            await process.WaitForExitAsync(Ct);
        }
        await UntilNoProcessMentions(d.Work);
        var left = Directory.EnumerateFiles(System.IO.Path.Combine(d.Work, ".tmp")).Concat(
            Directory.Exists(System.IO.Path.Combine(d.Work, ".scratch")) ? Directory.EnumerateFiles(System.IO.Path.Combine(d.Work, ".scratch"), "*", SearchOption.AllDirectories) : []).ToList();
        left.Should().NotBeEmpty("the killed process left a half-written file");

        // The same command again (refused here for a deliberate --crf 99, after taking the folder): the leftovers go.
        var (code, _, err) = await Run([.. args, "--crf", "99"]);
        code.Should().Be(2, err);
        err.Should().Contain("--crf 99");
        left.Where(File.Exists).Should().BeEmpty("what the dead process left is removed");
    }

    private static async Task UntilNoProcessMentions(string dir)
    {
        for (var i = 0; i < 200; i++)
        {
            try { NoProcessMentions(dir); return; }
            catch (Exception e) when (e.GetType().Name.Contains("Assertion", StringComparison.Ordinal)) { await Task.Delay(50, Ct); }
        }
        NoProcessMentions(dir);
    }

    [Fact]
    public async Task A_full_work_folder_says_so_at_once_and_is_not_retried()
    {
        Mounts.RequireRoot("mounting a small tmpfs needs root; this test fills a 700 kB work folder");
        using var temp = new TempDir("swaptalk-hostile");
        var d = await CaseDir.WithBaseInputsAsync(temp.Path);
        Directory.CreateDirectory(d.Work);
        await Mounts.Sh("mount", "-t", "tmpfs", "-o", "size=700k", "tmpfs", d.Work);
        try
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var (code, _, stderr) = await Run(await d.Args("--lossless", "--out", d.File("out.mkv")));
            code.Should().Be(1, stderr);
            stderr.Should().Contain($"no space left on device writing {d.Work}").And.Contain("MB there").And.NotContain("   at ");
            clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(60), "a failure a retry cannot fix is not retried (see FileSafetyTests for the retry decision itself)");
            File.Exists(d.File("out.mkv")).Should().BeFalse();
        }
        finally
        {
            await Mounts.Sh("umount", "-l", d.Work);
        }
    }

    private static async Task<(int Code, string Out, string Err)> Run(string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await Program.InvokeAsync(args, new InvocationConfiguration { Output = stdout, Error = stderr }, Ct);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static Dictionary<string, string> HashFiles(string dir) =>
        Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
            .Where(f => !new FileInfo(f).Attributes.HasFlag(FileAttributes.ReparsePoint))
            .Where(f => !f.Contains($"{System.IO.Path.DirectorySeparatorChar}work{System.IO.Path.DirectorySeparatorChar}", StringComparison.Ordinal)) // the job's own folder
            .ToDictionary(f => f, f => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(f))));

    /// <summary>No process (ffmpeg, ffprobe...) still running with this case's folder in its command line.</summary>
    private static void NoProcessMentions(string dir)
    {
        if (!OperatingSystem.IsLinux()) return;
        foreach (var proc in Directory.EnumerateDirectories("/proc").Where(p => int.TryParse(System.IO.Path.GetFileName(p), out _)))
        {
            string cmdline;
            try { cmdline = File.ReadAllText(System.IO.Path.Combine(proc, "cmdline")).Replace('\0', ' '); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { continue; }
            cmdline.Should().NotContain(dir, "no child process may outlive the command");
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "link", SetLastError = true)]
    private static extern int Link(string existing, string created);
}
