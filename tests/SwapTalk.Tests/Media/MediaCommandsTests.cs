using SwapTalk.Core.Imaging;
using SwapTalk.Core.Media;

namespace SwapTalk.Tests.Media;

/// <summary>The exact ffmpeg/ffprobe flags, checked without running anything.</summary>
public class MediaCommandsTests
{
    private static readonly MediaInfo Clip = new()
    {
        Path = "/data/clip one.mp4",
        Container = "mov,mp4,m4a,3gp,3g2,mj2",
        StartTime = 0,
        Video = new VideoStreamInfo
        {
            Index = 0, Codec = "h264", PixelFormat = "yuv420p", StoredWidth = 320, StoredHeight = 240,
            FrameRate = new Rational(25, 1), TimeBase = new Rational(1, 12800), FrameCount = 75, SourceFrameCount = 75,
            StartPts = 0, KeyframePts = [0, 12800, 25600],
        },
    };

    /// <summary>The commands the engine's own runner starts (streaming and the packet scan).</summary>
    public static TheoryData<string> AllCommands() => new(
        "packets", "read", "read-seek", "write-h264", "write-lossless", "pcm");

    private static MediaCommand Build(string which) => which switch
    {
        "packets" => MediaCommands.ProbePackets("/data/in.mkv", 0, countFrames: true),
        "read" => MediaCommands.ReadFrames(FrameReadPlan.Create(Clip, new FrameRange(0, 10))),
        "read-seek" => MediaCommands.ReadFrames(FrameReadPlan.Create(Clip, new FrameRange(30, 40))),
        "write-h264" => MediaCommands.WriteFrames(new FrameWriterSettings(320, 240, new(25, 1), VideoEncoding.H264(20, "veryfast")), "/out/.x.partial", "/out/x.mp4"),
        "write-lossless" => MediaCommands.WriteFrames(new FrameWriterSettings(361, 289, new(25, 1), VideoEncoding.Lossless), "/out/.x.partial", "/out/x.mkv"),
        "pcm" => MediaCommands.ReadSpeechPcm("/data/a.wav", 0),
        _ => throw new ArgumentOutOfRangeException(nameof(which)),
    };

    [Theory]
    [MemberData(nameof(AllCommands))]
    public void Every_input_is_whitelisted_to_local_files_and_pipes_and_ffmpeg_never_reads_the_terminal(string which)
    {
        var command = Build(which);
        var args = command.Arguments;
        var inputs = args.Select((a, i) => (a, i)).Where(x => x.a == "-i").Select(x => x.i).ToList();
        inputs.Should().NotBeEmpty();
        foreach (var i in inputs)
        {
            // The whitelist must come before its -i (input options apply to the next input only).
            var previousInput = inputs.Where(j => j < i).DefaultIfEmpty(-1).Max();
            var window = args.Skip(previousInput + 1).Take(i - previousInput - 1).ToList();
            window.Should().ContainInOrder("-protocol_whitelist", "file,pipe");
            var url = args[i + 1];
            (url.StartsWith("file:/") || url == "pipe:0").Should().BeTrue($"input '{url}' must be an explicit local file or pipe");
        }
        if (command.Tool == MediaTool.Ffmpeg)
        {
            args.Should().Contain("-nostdin").And.Contain("-hide_banner");
            args.Should().ContainInOrder("-loglevel", "error");
        }
        args.Should().NotContain(a => a.Contains("http", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Reader_maps_timestamps_onto_the_constant_rate_grid_and_emits_exactly_the_range()
    {
        var args = Build("read").Arguments;
        args.Should().ContainInOrder("-protocol_whitelist", "file,pipe", "-copyts", "-i", "file:/data/clip one.mp4");
        args.Should().NotContain("-ss");
        args.Should().ContainInOrder("-map", "0:0", "-an", "-sn", "-dn",
            "-vf", "setpts=PTS-0,fps=fps=25:round=near,trim=start_pts=0:end_pts=10",
            "-fps_mode", "passthrough", "-frames:v", "10", "-pix_fmt", "rgb24", "-f", "rawvideo", "pipe:1");
    }

    [Fact]
    public void Reader_seeks_to_the_last_keyframe_at_or_before_the_start_without_ffmpeg_trimming()
    {
        var args = Build("read-seek").Arguments;
        // Frame 30 at 25 fps: keyframes at 0, 1 s, 2 s -> 1 s; ffmpeg must not trim by itself.
        args.Should().ContainInOrder("-protocol_whitelist", "file,pipe", "-copyts", "-noaccurate_seek", "-ss", "1", "-i");
        args.Should().Contain("setpts=PTS-0,fps=fps=25:round=near,trim=start_pts=30:end_pts=40");
        args.Should().ContainInOrder("-frames:v", "10");
    }

    [Fact]
    public void Bgr_order_and_stored_orientation_are_honoured()
    {
        var plan = FrameReadPlan.Create(Clip with { Video = Clip.Video! with { Rotation = 90 } }, null, new FrameReadOptions { Order = ColorOrder.Bgr, ApplyRotation = false });
        var args = MediaCommands.ReadFrames(plan).Arguments;
        args.Should().Contain("-noautorotate").And.ContainInOrder("-pix_fmt", "bgr24");
        plan.Width.Should().Be(320);
        var upright = FrameReadPlan.Create(Clip with { Video = Clip.Video! with { Rotation = 90 } }, null);
        (upright.Width, upright.Height).Should().Be((240, 320));
        MediaCommands.ReadFrames(upright).Arguments.Should().NotContain("-noautorotate");
    }

    [Fact]
    public void H264_writer_uses_yuv420p_crf_preset_no_bframes_and_bt709_tags()
    {
        var args = Build("write-h264").Arguments;
        args.Should().ContainInOrder("-f", "rawvideo", "-pix_fmt", "rgb24", "-s", "320x240", "-framerate", "25", "-protocol_whitelist", "file,pipe", "-i", "pipe:0");
        args.Should().ContainInOrder("-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-bf", "0", "-pix_fmt", "yuv420p");
        args.Should().ContainInOrder("-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709", "-color_range", "tv");
        args.Should().ContainInOrder("-f", "mp4", "-y", "file:/out/.x.partial");
        args.Should().NotContain("+faststart");
        MediaCommands.WriteFrames(new FrameWriterSettings(2, 2, new(25, 1), VideoEncoding.H264(fastStart: true)), "/o", "/o").Arguments
            .Should().ContainInOrder("-movflags", "+faststart");
    }

    [Fact]
    public void Lossless_writer_uses_intra_only_ffv1_in_matroska_and_keeps_odd_sizes()
    {
        var args = Build("write-lossless").Arguments;
        args.Should().ContainInOrder("-s", "361x289");
        args.Should().ContainInOrder("-c:v", "ffv1", "-level", "3", "-g", "1", "-slices", "4", "-slicecrc", "1", "-pix_fmt", "bgr0", "-f", "matroska");
        // H.264 4:2:0 needs even sizes: the writer pads by one repeated row/column.
        var s = new FrameWriterSettings(361, 289, new(25, 1), VideoEncoding.H264());
        (s.EncodedWidth, s.EncodedHeight).Should().Be((362, 290));
        MediaCommands.WriteFrames(s, "/o", "/o").Arguments.Should().ContainInOrder("-s", "362x290");
    }

    [Fact]
    public void Speech_pcm_is_16k_mono_float32_on_stdout()
    {
        Build("pcm").Arguments.Should().ContainInOrder("-map", "0:0", "-vn", "-sn", "-dn",
            "-af", "aresample=osr=16000:ocl=mono:rematrix_maxval=1.0", "-ac", "1", "-ar", "16000", "-c:a", "pcm_f32le", "-f", "f32le", "pipe:1");
    }

    /// <summary>The FFMpegCore commands: one argument string, every input guarded, every path quoted and escaped.</summary>
    [Fact]
    public void FFMpegCore_commands_guard_every_input_and_quote_every_path()
    {
        var aac = MediaCommands.EncodeAac("/data/a.wav", 0, 1, "/out/a.m4a").Arguments;
        aac.Should().StartWith("-nostdin -hide_banner -nostats -loglevel error -protocol_whitelist file,pipe -i \"file:/data/a.wav\"");
        aac.Should().ContainAll("-map 0:0", "-ar 48000", "-ac 1", "-c:a aac", "-b:a 128k", "faststart", "-f mp4", "\"file:/out/a.m4a\"");
        aac.Should().NotContain("-v ", "no log level after the output (ffmpeg would call it a trailing option)");

        var stitch = MediaCommands.Stitch("/out/list.txt", "/data/a.wav", new MuxPlan { AudioSamples = 48000 }, "/out/final.mp4", "mp4").Arguments;
        stitch.Should().StartWith("-nostdin -hide_banner -nostats -loglevel error -protocol_whitelist file,pipe -f concat -safe 0 -i \"file:/out/list.txt\" " +
            "-nostdin -hide_banner -nostats -loglevel error -protocol_whitelist file,pipe -i \"file:/data/a.wav\"");
        stitch.Should().ContainAll("-map 0:v:0", "-map 1:0", "-c:v copy", "-af aresample=48000,apad=whole_len=48000,atrim=end_sample=48000 -c:a aac", "faststart", "-f mp4");
        var concat = MediaCommands.Stitch("/out/list.txt", null, new MuxPlan(), "/out/all.mkv", "matroska").Arguments;
        concat.Should().Contain("-c:v copy").And.Contain("-f matroska").And.NotContain("-c:a").And.NotContain("faststart");
    }

    [Theory]
    [InlineData("/plain/path.mp4", "file:/plain/path.mp4")]
    [InlineData("/dir/say \"hi\".mp4", "file:/dir/say \\\"hi\\\".mp4")]
    [InlineData("/dir/back\\slash\\", "file:/dir/back\\slash\\\\")]
    [InlineData("/dir/back\\\"q", "file:/dir/back\\\\\\\"q")]
    public void Paths_are_escaped_so_the_quotes_ffmpegcore_adds_hold_exactly_one_argument(string path, string escaped) =>
        FFMpegCoreRun.Path(path).Should().Be(escaped);

    [Fact]
    public void Paths_that_look_like_options_or_urls_stay_local_files()
    {
        var args = MediaCommands.ProbePackets("-evil:name.mp4", 0, countFrames: false).Arguments;
        var url = args[args.ToList().IndexOf("-i") + 1];
        url.Should().StartWith("file:/").And.EndWith("/-evil:name.mp4");
        new MediaCommand(MediaTool.Ffmpeg, ["-i", "a b'c"], "x").ToString().Should().Be("ffmpeg -i 'a b'\\''c'");
    }

    [Fact]
    public void Concat_list_quotes_paths_and_refuses_line_breaks()
    {
        var list = Stitcher.ConcatList(["/tmp/it's here/seg 1.mkv"]);
        list.Should().Be("ffconcat version 1.0\nfile 'file:/tmp/it'\\''s here/seg 1.mkv'\n");
        var act = () => Stitcher.ConcatList(["/tmp/a\nb.mkv"]);
        act.Should().Throw<MediaException>().WithMessage("*line break*");
    }
}
