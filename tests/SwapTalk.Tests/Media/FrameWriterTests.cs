using System.Text;
using SwapTalk.Core.Imaging;
using SwapTalk.Core.Media;

namespace SwapTalk.Tests.Media;

public class FrameWriterTests(MediaClips clips)
{
    private static PixelBuffer Noise(int width, int height, int seed, ColorOrder order = ColorOrder.Rgb)
    {
        var image = new PixelBuffer(width, height, order);
        new Random(seed).NextBytes(image.Pixels);
        return image;
    }

    [Fact]
    public async Task Lossless_intermediate_round_trips_rgb_bit_for_bit_at_odd_sizes()
    {
        var path = clips.NewPath("noise.mkv");
        var written = new List<string>();
        await using (var writer = clips.Engine.OpenWriter(path, new FrameWriterSettings(361, 289, new Rational(25, 1), VideoEncoding.Lossless)))
        {
            for (var i = 0; i < 6; i++)
            {
                using var frame = Noise(361, 289, i);
                written.Add(MediaClips.Md5(frame.Pixels));
                await writer.WriteAsync(frame);
            }
            await writer.CompleteAsync();
            writer.FramesWritten.Should().Be(6);
        }
        var media = await clips.Engine.ProbeAsync(path);
        var v = media.RequireVideo();
        (v.Codec, v.Width, v.Height, v.FrameCount, v.FrameRate).Should().Be(("ffv1", 361, 289, 6L, new Rational(25, 1)));
        (await clips.EngineFrameHashes(media)).Should().Equal(written);
        (await MediaClips.ReferenceFrameHashes(path)).Should().Equal(written, "plain ffmpeg decodes the same bytes");
    }

    [Fact]
    public async Task Lossless_takes_bgr_input_and_stores_the_same_picture()
    {
        var path = clips.NewPath("bgr.mkv");
        using var rgb = Noise(32, 18, 42);
        using var bgr = new PixelBuffer(32, 18, ColorOrder.Bgr);
        for (var i = 0; i < rgb.ByteLength; i += 3)
            (bgr.Pixels[i], bgr.Pixels[i + 1], bgr.Pixels[i + 2]) = (rgb.Pixels[i + 2], rgb.Pixels[i + 1], rgb.Pixels[i]);
        await using (var writer = clips.Engine.OpenWriter(path, new FrameWriterSettings(32, 18, new Rational(25, 1), VideoEncoding.Lossless, ColorOrder.Bgr)))
        {
            await writer.WriteAsync(bgr);
            await writer.CompleteAsync();
        }
        (await clips.EngineFrameHashes(await clips.Engine.ProbeAsync(path))).Should().Equal(MediaClips.Md5(rgb.Pixels));
    }

    [Fact]
    public async Task H264_output_is_yuv420p_with_the_chosen_crf_and_preset_and_one_frame_per_tick()
    {
        var source = await clips.Engine.ProbeAsync(clips.H264);
        var path = clips.NewPath("out.mp4");
        await using (var writer = clips.Engine.OpenWriter(path, source.RequireVideo(), VideoEncoding.H264(crf: 20, preset: "ultrafast", fastStart: true)))
        {
            await foreach (var frame in clips.Engine.ReadFramesAsync(source, new FrameRange(0, 30)))
                using (frame)
                    await writer.WriteAsync(frame.Image);
            await writer.CompleteAsync();
        }
        var media = await clips.Engine.ProbeAsync(path);
        var v = media.RequireVideo();
        (v.Codec, v.PixelFormat, v.Width, v.Height, v.FrameCount, v.FrameRate, v.IsVariableFrameRate, v.HasBFrames)
            .Should().Be(("h264", "yuv420p", 320, 240, 30L, new Rational(25, 1), false, false));
        var pts = await MediaClips.ReferencePacketPts(path);
        var tick = pts[1] - pts[0];
        pts.Select((p, i) => p - pts[0] - i * tick).Should().OnlyContain(d => d == 0, "frame i is stamped i / rate");
        (tick * v.TimeBase.Value).Should().BeApproximately(0.04, 1e-9);
        // x264 records its settings in the stream: the CRF and the preset's choices (ultrafast: no CABAC).
        var settings = Encoding.ASCII.GetString(await File.ReadAllBytesAsync(path));
        settings.Should().Contain("crf=20.0").And.Contain("cabac=0").And.Contain("bframes=0");
        // Fast start: the index (moov) precedes the media data (mdat).
        settings.IndexOf("moov", StringComparison.Ordinal).Should().BeLessThan(settings.IndexOf("mdat", StringComparison.Ordinal));
        var (_, probe, _) = await MediaClips.Run("ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=color_space,color_primaries,color_transfer,color_range", "-of", "csv=p=0", path]);
        Encoding.ASCII.GetString(probe).Trim().Should().Be("tv,bt709,bt709,bt709");
    }

    [Fact]
    public async Task H264_pads_odd_sizes_by_repeating_the_edge()
    {
        var path = clips.NewPath("odd.mp4");
        await using (var writer = clips.Engine.OpenWriter(path, new FrameWriterSettings(33, 17, new Rational(30000, 1001), VideoEncoding.H264(preset: "ultrafast"))))
        {
            using var frame = new PixelBuffer(33, 17);
            // Flat grey with a white last column and row: after padding the new column/row must be white too.
            frame.Pixels.Fill(60);
            for (var y = 0; y < 17; y++) frame.Row(y)[(32 * 3)..].Fill(250);
            frame.Row(16).Fill(250);
            for (var i = 0; i < 3; i++) await writer.WriteAsync(frame);
            await writer.CompleteAsync();
        }
        var media = await clips.Engine.ProbeAsync(path);
        var v = media.RequireVideo();
        (v.Width, v.Height, v.FrameCount, v.FrameRate).Should().Be((34, 18, 3L, new Rational(30000, 1001)));
        await foreach (var frame in clips.Engine.ReadFramesAsync(media, new FrameRange(0, 1)))
            using (frame)
            {
                frame.Image.Row(5)[(33 * 3)].Should().BeGreaterThan(200, "the added column repeats the white edge");
                frame.Image.Row(17)[(10 * 3)].Should().BeGreaterThan(200, "the added row repeats the white edge");
                frame.Image.Row(5)[(10 * 3)].Should().BeLessThan(100);
            }
    }

    [Fact]
    public async Task Nothing_appears_under_the_name_until_complete_and_nothing_is_left_when_abandoned()
    {
        var dir = clips.NewPath("atomic");
        var path = Path.Combine(dir, "segment.mkv");
        await using (var writer = clips.Engine.OpenWriter(path, new FrameWriterSettings(16, 16, new Rational(25, 1), VideoEncoding.Lossless)))
        {
            using var frame = Noise(16, 16, 1);
            await writer.WriteAsync(frame);
            File.Exists(path).Should().BeFalse("a half-written file is never presented as finished");
        }
        File.Exists(path).Should().BeFalse();
        Directory.EnumerateFiles(dir).Should().BeEmpty("the temporary file is removed");

        await using (var empty = clips.Engine.OpenWriter(path, new FrameWriterSettings(16, 16, new Rational(25, 1), VideoEncoding.Lossless)))
        {
            var act = () => empty.CompleteAsync();
            await act.Should().ThrowAsync<MediaException>().WithMessage($"'{path}': no frames were written*");
        }
        Directory.EnumerateFiles(dir).Should().BeEmpty();
    }

    [Fact]
    public async Task Frames_of_the_wrong_size_or_order_are_refused_with_the_output_named()
    {
        var path = clips.NewPath("strict.mkv");
        await using var writer = clips.Engine.OpenWriter(path, new FrameWriterSettings(16, 16, new Rational(25, 1), VideoEncoding.Lossless));
        using var small = new PixelBuffer(8, 8);
        var act = async () => await writer.WriteAsync(small);
        await act.Should().ThrowAsync<ArgumentException>().WithMessage($"frame is 8x8, the writer for '{path}' takes 16x16*");
        using var bgr = new PixelBuffer(16, 16, ColorOrder.Bgr);
        var order = async () => await writer.WriteAsync(bgr);
        await order.Should().ThrowAsync<ArgumentException>().WithMessage("frame is Bgr*");
    }

    [Fact]
    public async Task An_output_ffmpeg_cannot_create_fails_with_its_name_and_ffmpegs_reason()
    {
        const string path = "/proc/swaptalk-cannot-write-here.mkv";
        using var scope = MediaProcessTracker.BeginScope();
        var act = async () =>
        {
            await using var writer = clips.Engine.OpenWriter(path, new FrameWriterSettings(64, 64, new Rational(25, 1), VideoEncoding.Lossless));
            using var frame = Noise(64, 64, 3);
            for (var i = 0; i < 50; i++) await writer.WriteAsync(frame);
            await writer.CompleteAsync();
        };
        var error = (await act.Should().ThrowAsync<MediaException>()).Which;
        error.Message.Should().StartWith($"'{path}': ");
        error.StderrTail.Should().NotBeNullOrEmpty();
        scope.StartedIds.Where(pid => !MediaClips.IsGone(pid)).Should().BeEmpty();
    }

    [Fact]
    public async Task Cancelling_a_write_kills_ffmpeg_and_leaves_no_file()
    {
        var path = clips.NewPath("cancel.mp4");
        using var scope = MediaProcessTracker.BeginScope();
        using var cts = new CancellationTokenSource();
        var act = async () =>
        {
            await using var writer = clips.Engine.OpenWriter(path, new FrameWriterSettings(640, 480, new Rational(25, 1), VideoEncoding.H264(preset: "veryslow")), cts.Token);
            using var frame = Noise(640, 480, 5);
            for (var i = 0; i < 1000; i++)
            {
                if (i == 3) await cts.CancelAsync();
                await writer.WriteAsync(frame, cts.Token);
            }
        };
        await act.Should().ThrowAsync<OperationCanceledException>();
        File.Exists(path).Should().BeFalse();
        scope.StartedIds.Should().ContainSingle().Which.Should().Match(pid => MediaClips.IsGone(pid));
    }
}
