using SwapTalk.Core.Media;
using SwapTalk.Tests.Support;

namespace SwapTalk.Tests.Media;

/// <summary>
/// The pipeline's media round trip: split a clip into segments (each read with context frames on
/// both sides, as the pipeline does, but writing only its own frames), encode each, concatenate
/// without re-encoding, and compare with the original frame by frame.
/// </summary>
public class SegmentTests(MediaClips clips)
{
    private async Task<List<string>> WriteSegments(MediaInfo media, int parts, VideoEncoding encoding, int context)
    {
        var video = media.RequireVideo();
        var paths = new List<string>();
        foreach (var range in FrameRange.Split(video.FrameCount, parts))
        {
            var path = clips.NewPath($"seg{paths.Count}{encoding.FileExtension}");
            var read = new FrameRange(Math.Max(0, range.Start - context), Math.Min(video.FrameCount, range.End + context));
            await using var writer = clips.Engine.OpenWriter(path, video, encoding);
            await foreach (var frame in clips.Engine.ReadFramesAsync(media, read))
                using (frame)
                    if (frame.Index >= range.Start && frame.Index < range.End)
                        await writer.WriteAsync(frame.Image);
            await writer.CompleteAsync();
            paths.Add(path);
        }
        return paths;
    }

    [Theory]
    [InlineData("grid", 4)]
    [InlineData("odd", 3)]
    [InlineData("h264", 5)]
    public async Task Lossless_segments_concatenate_to_exactly_the_original_frames(string clip, int parts)
    {
        var path = clip switch { "grid" => SharedData.GridClip(), "odd" => clips.Odd, _ => clips.H264 };
        var media = await clips.Engine.ProbeAsync(path);
        var reference = await MediaClips.ReferenceFrameHashes(path);
        var segments = await WriteSegments(media, parts, VideoEncoding.Lossless, context: 2);
        var joined = clips.NewPath("joined.mkv");
        var result = await clips.Engine.ConcatAsync(segments, joined);
        result.VideoFrames.Should().Be(reference.Count);
        (await MediaClips.ReferenceFrameHashes(joined)).Should().Equal(reference, "every frame, count included, survives split + lossless write + concat");
        (await clips.EngineFrameHashes(await clips.Engine.ProbeAsync(joined))).Should().Equal(reference);
    }

    [Fact]
    public async Task H264_segments_concatenate_by_stream_copy_without_dropping_duplicating_or_shifting_frames()
    {
        var media = await clips.Engine.ProbeAsync(clips.H264);
        var source = new List<byte[]>();
        await foreach (var frame in clips.Engine.ReadFramesAsync(media))
            using (frame)
                source.Add(frame.Image.Pixels.ToArray());
        var segments = await WriteSegments(media, 4, VideoEncoding.H264(crf: 18, preset: "ultrafast"), context: 3);
        var joined = clips.NewPath("joined.mp4");
        await clips.Engine.ConcatAsync(segments, joined);

        var pts = await MediaClips.ReferencePacketPts(joined);
        pts.Should().HaveCount(75);
        pts.Zip(pts.Skip(1)).Select(p => p.Second - p.First).Distinct().Should().ContainSingle("timestamps advance one frame at a time across seams");
        var output = await clips.Engine.ProbeAsync(joined);
        output.RequireVideo().FrameCount.Should().Be(75);
        var i = 0;
        await foreach (var frame in clips.Engine.ReadFramesAsync(output))
            using (frame)
            {
                // Lossy, so compare by error: frame i must be nearest to source frame i, not a neighbour.
                var own = MeanAbsDiff(frame.Image.Pixels, source[i]);
                own.Should().BeLessThan(4, $"frame {i} reproduces its source");
                if (i > 0) MeanAbsDiff(frame.Image.Pixels, source[i - 1]).Should().BeGreaterThan(own, $"frame {i} is not its predecessor");
                if (i < 74) MeanAbsDiff(frame.Image.Pixels, source[i + 1]).Should().BeGreaterThan(own, $"frame {i} is not its successor");
                i++;
            }
        i.Should().Be(75);
    }

    private static double MeanAbsDiff(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        long sum = 0;
        for (var k = 0; k < a.Length; k++) sum += Math.Abs(a[k] - b[k]);
        return (double)sum / a.Length;
    }
}
