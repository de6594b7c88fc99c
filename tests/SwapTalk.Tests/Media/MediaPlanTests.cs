using SwapTalk.Core.Media;

namespace SwapTalk.Tests.Media;

/// <summary>The pure rules: the mux plan, frame grid and seek points, rates, ranges.</summary>
public class MediaPlanTests
{
    private static readonly Rational Fps25 = new(25, 1);

    [Fact]
    public void The_mux_pads_or_trims_audio_to_the_video_length_in_samples()
    {
        var longer = MuxPlan.Create(50, Fps25, 3.3, "v", "a");
        longer.AudioSamples.Should().Be(96000);
        var shorter = MuxPlan.Create(50, Fps25, 1.2, "v", "a");
        shorter.AudioSamples.Should().Be(96000);
        shorter.AudioSeconds.Should().Be(2.0);
        var empty = () => MuxPlan.Create(50, Fps25, 0, "v.mp4", "speech.wav");
        empty.Should().Throw<MediaException>().Where(e => e.IsBadInput).WithMessage("'speech.wav': has an empty audio track");
    }

    [Fact]
    public void Slots_round_half_away_from_zero_like_the_fps_filter()
    {
        var tb = new Rational(1, 90000);
        FrameReadPlan.SlotOf(3600 * 7, 0, tb, Fps25).Should().Be(7);
        FrameReadPlan.SlotOf(3600 * 7 + 1800, 0, tb, Fps25).Should().Be(8); // exactly half: away from zero
        FrameReadPlan.SlotOf(3600 * 7 + 1799, 0, tb, Fps25).Should().Be(7);
        FrameReadPlan.SlotOf(1000 + 1001 * 5, 1000, new Rational(1, 30000), new Rational(30000, 1001)).Should().Be(5);
        FrameReadPlan.SlotOf(33 * 3, 0, new Rational(1, 1000), new Rational(30000, 1001)).Should().Be(3); // ms-rounded timestamps
    }

    [Fact]
    public void Seek_goes_to_the_last_keyframe_whose_slot_is_at_or_before_the_start()
    {
        var media = new MediaInfo
        {
            Path = "/x.mpg", Container = "mpeg", StartTime = 0.5,
            Video = new VideoStreamInfo
            {
                Index = 0, Codec = "mpeg1video", PixelFormat = "yuv420p", StoredWidth = 8, StoredHeight = 8, FrameRate = Fps25,
                TimeBase = new Rational(1, 90000), StartPts = 45000, FrameCount = 75, SourceFrameCount = 75,
                KeyframePts = [45000, 45000 + 12 * 3600, 45000 + 24 * 3600],
            },
        };
        FrameReadPlan.Create(media, new FrameRange(0, 5)).SeekSeconds.Should().BeNull();
        FrameReadPlan.Create(media, new FrameRange(11, 15)).SeekSeconds.Should().BeNull();
        FrameReadPlan.Create(media, new FrameRange(12, 15)).SeekSeconds.Should().BeApproximately(0.48, 1e-9);
        FrameReadPlan.Create(media, new FrameRange(23, 30)).SeekSeconds.Should().BeApproximately(0.48, 1e-9);
        FrameReadPlan.Create(media, new FrameRange(24, 30)).SeekSeconds.Should().BeApproximately(0.96, 1e-9);
        var noIndex = media with { Video = media.Video! with { KeyframePts = [] } };
        FrameReadPlan.Create(noIndex, new FrameRange(40, 41)).SeekSeconds.Should().BeNull();
        var outside = () => FrameReadPlan.Create(media, new FrameRange(70, 76));
        outside.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*[70, 76)*outside '/x.mpg'*[0, 75)*");
    }

    [Fact]
    public void Rates_parse_reduce_and_snap_to_standard_rates()
    {
        Rational.Parse("30000/1001").Value.Should().BeApproximately(29.97, 0.001);
        Rational.Parse("50/2").Should().Be(new Rational(25, 1)); // always reduced
        Rational.TryParse("0/0", out var unknown).Should().BeFalse();
        unknown.IsValid.Should().BeFalse();
        new Rational(30000, 1001).ToString().Should().Be("30000/1001");
        var bad = () => Rational.Parse("fast");
        bad.Should().Throw<FormatException>();
        MediaProbe.Snap(29.95).Should().Be(new Rational(30000, 1001));
        MediaProbe.Snap(25.1).Should().Be(new Rational(25, 1));
        MediaProbe.Snap(17.0454).Should().Be(new Rational(17045, 1000));
    }

    [Fact]
    public void Split_makes_contiguous_ranges_covering_every_frame_once()
    {
        var parts = FrameRange.Split(75, 4);
        parts.Select(p => p.Count).Should().Equal(18, 19, 19, 19);
        parts[0].Start.Should().Be(0);
        parts[^1].End.Should().Be(75);
        parts.Zip(parts.Skip(1)).Should().OnlyContain(p => p.First.End == p.Second.Start);
        var tooMany = () => FrameRange.Split(3, 4);
        tooMany.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void Encoding_settings_are_validated()
    {
        var crf = () => VideoEncoding.H264(60);
        crf.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*0-51*");
        var preset = () => VideoEncoding.H264(18, "warp");
        preset.Should().Throw<ArgumentException>().WithMessage("*unknown x264 preset 'warp'*");
        VideoEncoding.Lossless.FileExtension.Should().Be(".mkv");
        VideoEncoding.H264().Container.Should().Be("mp4");
    }

    [Fact]
    public void Tools_come_from_the_environment_variables_or_path_with_clear_errors()
    {
        var fromPath = MediaTools.Resolve(name => name == "PATH" ? "/nowhere:/usr/bin" : null);
        fromPath.Ffmpeg.Should().Be("/usr/bin/ffmpeg");
        var missing = () => MediaTools.Resolve(name => name == "PATH" ? "/nowhere" : null);
        missing.Should().Throw<MediaException>().WithMessage("*ffmpeg was not found on PATH*SWAPTALK_FFMPEG*");
        var wrong = () => MediaTools.Resolve(name => name == MediaTools.FfmpegVariable ? "/no/such/ffmpeg" : null);
        wrong.Should().Throw<MediaException>().WithMessage("*SWAPTALK_FFMPEG points to '/no/such/ffmpeg'*");
        var explicitTools = MediaTools.Resolve(name => name switch { "SWAPTALK_FFMPEG" => "/usr/bin/ffmpeg", "SWAPTALK_FFPROBE" => "/usr/bin/ffprobe", _ => null });
        explicitTools.Should().Be(new MediaTools("/usr/bin/ffmpeg", "/usr/bin/ffprobe"));
        // FFMpegCore finds binaries by folder and standard name: another name would silently run PATH's ffmpeg.
        var renamed = () => MediaTools.Resolve(name => name == MediaTools.FfmpegVariable ? "/usr/bin/ffprobe" : null);
        renamed.Should().Throw<MediaException>().WithMessage("*must be called 'ffmpeg'*");
    }
}
