using SwapTalk.Core.Media;
using SwapTalk.Tests.Support;

namespace SwapTalk.Tests.Media;

public class ProbeTests(MediaClips clips)
{
    [Fact]
    public async Task Grid_clip_mpeg_program_stream_counts_frames_by_decoding()
    {
        var media = await clips.Engine.ProbeAsync(SharedData.GridClip());
        media.Container.Should().Be("mpeg");
        media.Duration.Should().BeApproximately(3.0, 0.05);
        var v = media.RequireVideo();
        v.Codec.Should().Be("mpeg1video");
        (v.Width, v.Height, v.Rotation).Should().Be((360, 288, 0));
        v.PixelFormat.Should().Be("yuv420p");
        v.FrameCountFromContainer.Should().BeFalse("MPEG-PS does not store a frame count");
        v.SourceFrameCount.Should().Be(75);
        v.FrameCount.Should().Be(75);
        v.FrameRate.Should().Be(new Rational(25, 1));
        v.NominalFrameRate.Should().Be(new Rational(25, 1));
        v.AverageFrameRate.Should().Be(new Rational(25, 1));
        v.IsVariableFrameRate.Should().BeFalse();
        v.KeyframePts.Should().HaveCount(7, "GRID's MPEG-1 has an I-frame every 12 frames");
        ((v.EndPts - v.StartPts) * v.TimeBase.Value).Should().BeApproximately(3.0, 1e-9);
        media.Audio.Should().ContainSingle().Which.Should().Match<AudioStreamInfo>(a => a.Codec == "mp2" && a.SampleRate == 44100 && a.Channels == 2 && a.Duration > 2.9 && a.Duration < 3.0);
    }

    [Fact]
    public async Task H264_mp4_with_audio()
    {
        var media = await clips.Engine.ProbeAsync(clips.H264);
        media.Container.Should().Contain("mp4");
        var v = media.RequireVideo();
        (v.Codec, v.Width, v.Height, v.PixelFormat).Should().Be(("h264", 320, 240, "yuv420p"));
        v.FrameCountFromContainer.Should().BeTrue();
        v.FrameCount.Should().Be(75);
        v.FrameRate.Should().Be(new Rational(25, 1));
        v.HasBFrames.Should().BeTrue();
        v.IsVariableFrameRate.Should().BeFalse();
        v.KeyframePts.Should().HaveCount(3);
        v.Duration.Should().BeApproximately(3.0, 1e-9);
        var a = media.RequireAudio();
        (a.Codec, a.SampleRate, a.Channels).Should().Be(("aac", 44100, 1));
        a.Duration.Should().BeApproximately(3.0, 0.03);
    }

    [Fact]
    public async Task Odd_sized_clip()
    {
        var v = (await clips.Engine.ProbeAsync(clips.Odd)).RequireVideo();
        (v.Width, v.Height, v.FrameCount, v.PixelFormat).Should().Be((361, 289, 50L, "yuv444p"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Display_rotation_is_reported_clockwise_with_the_displayed_size(bool quarterTurnClockwise)
    {
        var v = (await clips.Engine.ProbeAsync(quarterTurnClockwise ? clips.Rotated90 : clips.Rotated270)).RequireVideo();
        v.Rotation.Should().Be(quarterTurnClockwise ? 90 : 270);
        (v.StoredWidth, v.StoredHeight).Should().Be((160, 120));
        (v.Width, v.Height).Should().Be((120, 160));
        v.FrameCount.Should().Be(25);
    }

    [Fact]
    public async Task Variable_frame_rate_is_detected_and_mapped_to_the_average_rate()
    {
        var v = (await clips.Engine.ProbeAsync(clips.Vfr)).RequireVideo();
        v.IsVariableFrameRate.Should().BeTrue();
        v.NominalFrameRate.Should().Be(new Rational(30, 1));
        v.SourceFrameCount.Should().Be(50, "30 frames in the first second, then 10 per second for 2 s");
        // 50 frames over 2.9333 s (last frame lasts 1/30 s): 17.045 fps, no standard rate within 1%.
        v.AverageFrameRate.Should().Be(new Rational(3409, 200));
        v.FrameRate.Should().Be(v.AverageFrameRate);
        v.FrameCount.Should().Be(50);
        ((v.EndPts - v.StartPts) * v.TimeBase.Value).Should().BeApproximately(44 / 15.0, 1e-9, "the last frame (at 2.9 s) lasts 1/30 s");
    }

    [Fact]
    public async Task Lossless_intermediate_in_matroska_is_counted_by_decoding()
    {
        var path = clips.NewPath("lossless.mkv");
        await MediaClips.Ff("-f", "lavfi", "-i", "testsrc2=size=64x48:rate=25:duration=0.4,format=rgb24", "-c:v", "ffv1", "-level", "3", "-g", "1", path);
        var v = (await clips.Engine.ProbeAsync(path)).RequireVideo();
        v.FrameCountFromContainer.Should().BeFalse();
        (v.FrameCount, v.Codec, v.FrameRate).Should().Be((10L, "ffv1", new Rational(25, 1)));
        v.KeyframePts.Should().HaveCount(10);
    }

    [Fact]
    public async Task Audio_only_file_has_no_video_but_its_audio_is_described()
    {
        var path = clips.NewPath("tone.wav");
        await MediaClips.Ff("-f", "lavfi", "-i", "sine=frequency=300:sample_rate=22050:duration=0.5", "-ac", "2", path);
        var media = await clips.Engine.ProbeAsync(path);
        media.Video.Should().BeNull();
        media.RequireAudio().Should().Match<AudioStreamInfo>(a => a.SampleRate == 22050 && a.Channels == 2 && Math.Abs(a.Duration - 0.5) < 0.001);
        var act = () => media.RequireVideo();
        act.Should().Throw<MediaException>().WithMessage($"'{media.Path}': has no video stream (it is audio only*");
    }
}
