using SwapTalk.Core.Imaging;
using SwapTalk.Core.Media;
using SwapTalk.Tests.Support;

namespace SwapTalk.Tests.Media;

/// <summary>Frames read through the engine against ffmpeg's own full decode, hash per frame.</summary>
public class FrameReaderTests(MediaClips clips)
{
    [Fact]
    public async Task Grid_full_read_equals_a_plain_ffmpeg_decode_with_indices_and_times()
    {
        var path = SharedData.GridClip();
        var media = await clips.Engine.ProbeAsync(path);
        var reference = await MediaClips.ReferenceFrameHashes(path);
        reference.Should().HaveCount(75);
        var hashes = new List<string>();
        await foreach (var frame in clips.Engine.ReadFramesAsync(media))
            using (frame)
            {
                frame.Index.Should().Be(hashes.Count);
                frame.Time.Should().BeApproximately(hashes.Count / 25.0, 1e-12);
                (frame.Image.Width, frame.Image.Height, frame.Image.Order).Should().Be((360, 288, ColorOrder.Rgb));
                hashes.Add(MediaClips.Md5(frame.Image.Pixels));
            }
        hashes.Should().Equal(reference);
    }

    [Fact]
    public async Task Grid_read_from_any_start_is_frame_exact()
    {
        var path = SharedData.GridClip("lbax4n");
        var media = await clips.Engine.ProbeAsync(path);
        var reference = await MediaClips.ReferenceFrameHashes(path);
        // Every start in the first two GOPs (I-frame every 12: each phase twice), then every GOP boundary.
        var starts = Enumerable.Range(1, 25).Concat(media.RequireVideo().KeyframePts.Skip(2).Select((_, i) => 12 * (i + 2)).SelectMany(k => new[] { k - 1, k, k + 1 }))
            .Where(s => s + 2 <= reference.Count).Distinct();
        foreach (var start in starts)
        {
            var got = await clips.EngineFrameHashes(media, new FrameRange(start, start + 2));
            got.Should().Equal(reference.Skip(start).Take(2), $"frames [{start}, {start + 2}) must not shift when seeking");
        }
    }

    [Fact]
    public async Task H264_with_bframes_is_frame_exact_around_keyframes()
    {
        var media = await clips.Engine.ProbeAsync(clips.H264);
        var reference = await MediaClips.ReferenceFrameHashes(clips.H264);
        (await clips.EngineFrameHashes(media)).Should().Equal(reference);
        foreach (var start in new[] { 1, 23, 24, 25, 26, 37, 49, 50, 51, 73 })
        {
            var end = Math.Min(75, start + 3);
            (await clips.EngineFrameHashes(media, new FrameRange(start, end))).Should().Equal(reference.Skip(start).Take(end - start), $"start {start}");
        }
    }

    [Fact]
    public async Task Odd_sizes_and_bgr_order()
    {
        var media = await clips.Engine.ProbeAsync(clips.Odd);
        (await clips.EngineFrameHashes(media)).Should().Equal(await MediaClips.ReferenceFrameHashes(clips.Odd));
        (await clips.EngineFrameHashes(media, new FrameRange(21, 24), new FrameReadOptions { Order = ColorOrder.Bgr }))
            .Should().Equal((await MediaClips.ReferenceFrameHashes(clips.Odd, "bgr24")).Skip(21).Take(3));
        await foreach (var frame in clips.Engine.ReadFramesAsync(media, new FrameRange(5, 6), new FrameReadOptions { Order = ColorOrder.Bgr }))
            using (frame)
                (frame.Image.Width, frame.Image.Height, frame.Image.Order).Should().Be((361, 289, ColorOrder.Bgr));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Rotation_is_applied_frames_come_upright(bool quarterTurnClockwise)
    {
        var path = quarterTurnClockwise ? clips.Rotated90 : clips.Rotated270;
        var media = await clips.Engine.ProbeAsync(path);
        using var upright = await FirstFrame(media, new FrameReadOptions());
        using var stored = await FirstFrame(media, new FrameReadOptions { ApplyRotation = false });
        (upright.Width, upright.Height).Should().Be((120, 160));
        (stored.Width, stored.Height).Should().Be((160, 120));
        var differing = 0;
        for (var y = 0; y < upright.Height; y++)
        for (var x = 0; x < upright.Width; x++)
        {
            // Clockwise quarter turn: upright (x, y) shows stored (y, H-1-x); counter-clockwise: stored (W-1-y, x).
            var (sx, sy) = quarterTurnClockwise ? (y, stored.Height - 1 - x) : (stored.Width - 1 - y, x);
            if (!upright.Pixels.Slice((y * upright.Width + x) * 3, 3).SequenceEqual(stored.Pixels.Slice((sy * stored.Width + sx) * 3, 3))) differing++;
        }
        differing.Should().Be(0);
    }

    [Fact]
    public async Task Variable_frame_rate_follows_the_stated_rule()
    {
        // Rule: frame k (at rate R, from the first frame) shows the last source frame whose
        // timestamp rounds (half away from zero) to slot k or earlier.
        var media = await clips.Engine.ProbeAsync(clips.Vfr);
        var video = media.RequireVideo();
        var source = await MediaClips.ReferenceFrameHashes(clips.Vfr);
        var pts = await MediaClips.ReferencePacketPts(clips.Vfr);
        source.Should().HaveCount(pts.Count);
        foreach (var rate in new[] { video.FrameRate, new Rational(25, 1) })
        {
            var options = new FrameReadOptions { FrameRate = rate };
            var got = await clips.EngineFrameHashes(media, null, rate == video.FrameRate ? null : options);
            var expected = new List<string>();
            for (long k = 0; k < got.Count; k++)
            {
                var last = pts.FindLastIndex(p => FrameReadPlan.SlotOf(p, pts[0], video.TimeBase, rate) <= k);
                expected.Add(source[last]);
            }
            got.Should().Equal(expected, $"rate {rate}");
            // The grid ends where the last frame ends (2.9333 s).
            got.Count.Should().Be((int)Math.Round(44 / 15.0 * rate.Value, MidpointRounding.AwayFromZero));
            if (rate == video.FrameRate) got.Should().HaveCount((int)video.FrameCount);
            (await clips.EngineFrameHashes(media, new FrameRange(30, 36), options)).Should().Equal(got.Skip(30).Take(6), "seeking in VFR keeps the mapping");
        }
    }

    [Fact]
    public async Task A_higher_rate_repeats_frames_on_the_grid()
    {
        var path = SharedData.GridClip();
        var media = await clips.Engine.ProbeAsync(path);
        var reference = await MediaClips.ReferenceFrameHashes(path);
        var doubled = await clips.EngineFrameHashes(media, new FrameRange(20, 30), new FrameReadOptions { FrameRate = new Rational(50, 1) });
        doubled.Should().Equal(Enumerable.Range(10, 5).SelectMany(i => new[] { reference[i], reference[i] }));
    }

    [Fact]
    public async Task Memory_stays_flat_a_few_pooled_buffers_serve_the_whole_clip()
    {
        var media = await clips.Engine.ProbeAsync(clips.H264);
        var buffers = new HashSet<byte[]>(ReferenceEqualityComparer.Instance);
        var count = 0;
        await foreach (var frame in clips.Engine.ReadFramesAsync(media, options: new FrameReadOptions { ReadAhead = 2, PoolCapacity = 3 }))
            using (frame)
            {
                buffers.Add(frame.Image.Data);
                count++;
            }
        count.Should().Be(75);
        buffers.Count.Should().BeLessThanOrEqualTo(2 + 3 + 1, "75 frames must reuse a handful of buffers");
    }

    [Fact]
    public async Task Stopping_early_kills_ffmpeg_and_returns_unread_frames()
    {
        var media = await clips.Engine.ProbeAsync(clips.H264);
        using var scope = MediaProcessTracker.BeginScope();
        var seen = 0;
        await foreach (var frame in clips.Engine.ReadFramesAsync(media))
        {
            frame.Dispose();
            if (++seen == 3) break;
        }
        scope.StartedIds.Should().ContainSingle();
        scope.StartedIds.Where(pid => !MediaClips.IsGone(pid)).Should().BeEmpty();
    }

    [Fact]
    public async Task Cancelling_mid_read_throws_and_leaves_no_process()
    {
        var media = await clips.Engine.ProbeAsync(clips.H264);
        using var scope = MediaProcessTracker.BeginScope();
        using var cts = new CancellationTokenSource();
        var seen = 0;
        var act = async () =>
        {
            await foreach (var frame in clips.Engine.ReadFramesAsync(media, cancellationToken: cts.Token))
            {
                frame.Dispose();
                if (++seen == 2) await cts.CancelAsync();
            }
        };
        await act.Should().ThrowAsync<OperationCanceledException>();
        seen.Should().BeLessThan(75);
        scope.StartedIds.Should().NotBeEmpty().And.OnlyContain(pid => MediaClips.IsGone(pid), "cancel kills ffmpeg and waits for it");
    }

    private async Task<PixelBuffer> FirstFrame(MediaInfo media, FrameReadOptions options)
    {
        await foreach (var frame in clips.Engine.ReadFramesAsync(media, new FrameRange(0, 1), options))
            using (frame)
                return frame.Image.Clone();
        throw new InvalidOperationException("no frame");
    }
}
