using System.Globalization;
using System.Text;
using SwapTalk.Core.Media;

namespace SwapTalk.Tests.Media;

/// <summary>Concatenation plus one audio track trimmed or padded to the video; durations measured by plain ffprobe.</summary>
public class StitchTests(MediaClips clips, StitchInputs inputs) : IClassFixture<StitchInputs>
{
    private const double Frame = 1 / 25.0;
    private List<string> Segments => inputs.Segments;
    private string LongAudio => inputs.LongAudio;
    private string ShortAudio => inputs.ShortAudio;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task The_audio_is_trimmed_or_padded_to_the_video_within_one_frame(bool audioLonger)
    {
        var output = clips.NewPath($"stitched-{audioLonger}.mp4");
        var result = await clips.Engine.StitchAsync(Segments, audioLonger ? LongAudio : ShortAudio, output);
        var measured = await Durations(output);
        measured["video"].Should().BeApproximately(2.0, Frame);
        measured["audio"].Should().BeApproximately(2.0, Frame);
        Math.Abs(measured["video"] - measured["audio"]).Should().BeLessThanOrEqualTo(Frame + 1e-6, "audio and video agree within one frame");
        result.VideoSeconds.Should().BeApproximately(measured["video"], 1e-6);
        result.AudioSeconds.Should().Be(2.0);
        var (_, codecs, _) = await MediaClips.Run("ffprobe", ["-v", "error", "-show_entries", "stream=codec_name,sample_rate", "-of", "csv=p=0", output]);
        Encoding.ASCII.GetString(codecs).Should().Contain("h264").And.Contain("aac,48000");
        var bytes = Encoding.ASCII.GetString(await File.ReadAllBytesAsync(output));
        bytes.IndexOf("moov", StringComparison.Ordinal).Should().BeLessThan(bytes.IndexOf("mdat", StringComparison.Ordinal), "fast start");
    }

    [Fact]
    public async Task A_videos_own_audio_track_can_be_the_audio_and_no_audio_gives_video_only()
    {
        var selfDriven = clips.NewPath("self.mp4");
        await clips.Engine.StitchAsync(Segments, clips.H264, selfDriven);
        (await Durations(selfDriven))["audio"].Should().BeApproximately(2.0, Frame);
        var silent = clips.NewPath("silent.mp4");
        var result = await clips.Engine.StitchAsync(Segments, null, silent);
        result.AudioSeconds.Should().BeNull();
        (await Durations(silent)).Should().ContainKey("video").And.NotContainKey("audio");
    }

    [Fact]
    public async Task MismatchedSegments_and_unsupported_outputs_are_refused_by_name()
    {
        var other = clips.NewPath("other.mkv");
        await MediaClips.Ff("-f", "lavfi", "-i", "testsrc2=size=64x48:rate=25:duration=0.2", "-c:v", "libx264", "-preset", "ultrafast", other);
        var mismatch = () => clips.Engine.ConcatAsync([Segments[0], other], clips.NewPath("x.mp4"));
        (await mismatch.Should().ThrowAsync<MediaException>()).Which.Message.Should().StartWith($"'{other}': does not match the first segment");
        var avi = () => clips.Engine.ConcatAsync(Segments, clips.NewPath("x.avi"));
        await avi.Should().ThrowAsync<MediaException>().WithMessage("*must be .mp4 (H.264) or .mkv*");
        var noAudio = () => clips.Engine.StitchAsync(Segments, clips.Odd, clips.NewPath("y.mp4"));
        await noAudio.Should().ThrowAsync<MediaException>().WithMessage($"'*{Path.GetFileName(clips.Odd)}': has no audio stream*");
    }

    [Fact]
    public async Task With_a_broken_segment_and_a_broken_audio_the_segment_is_named_and_no_probe_outlives_the_call()
    {
        // The segments and the audio are probed side by side; the error must still be the segment's, as when they
        // ran in order, and the audio's ffprobe must have ended when the call returns.
        var broken = clips.NewPath("broken-segment.mp4");
        await File.WriteAllBytesAsync(broken, Encoding.ASCII.GetBytes("not a video"));
        var brokenAudio = clips.NewPath("broken-audio.wav");
        await File.WriteAllBytesAsync(brokenAudio, Encoding.ASCII.GetBytes("RIFF but nothing else"));
        var output = clips.NewPath("never.mp4");
        var stitch = () => clips.Engine.StitchAsync([Segments[0], broken], brokenAudio, output);
        (await stitch.Should().ThrowAsync<MediaException>()).Which.Message.Should().StartWith($"'{broken}'");
        File.Exists(output).Should().BeFalse("nothing is written when an input is broken");
        var probes = System.Diagnostics.Process.GetProcessesByName("ffprobe")
            .Where(p => { try { return File.ReadAllText($"/proc/{p.Id}/cmdline").Contains(brokenAudio, StringComparison.Ordinal); } catch (IOException) { return false; } })
            .ToList();
        probes.Should().BeEmpty("the audio's probe is waited for before the error is reported");
    }

    private static async Task<Dictionary<string, double>> Durations(string path)
    {
        var (code, stdout, err) = await MediaClips.Run("ffprobe", ["-v", "error", "-show_entries", "stream=codec_type,duration", "-of", "csv=p=0", path]);
        code.Should().Be(0, err);
        return Encoding.ASCII.GetString(stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(','))
            .ToDictionary(p => p[0], p => double.Parse(p[1], CultureInfo.InvariantCulture));
    }
}

/// <summary>Stitch inputs made once for the class: two H.264 segments (2.0 s), 3.3 s and 1.23 s of audio.</summary>
public sealed class StitchInputs(MediaClips clips) : IAsyncLifetime
{
    public List<string> Segments { get; } = [];
    public string LongAudio { get; private set; } = "";
    public string ShortAudio { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        // Two H.264 segments of 25 frames: 2.0 s of video, made by the engine's writer.
        var media = await clips.Engine.ProbeAsync(clips.H264);
        foreach (var range in new[] { new FrameRange(0, 25), new FrameRange(25, 50) })
        {
            var path = clips.NewPath("seg.mp4");
            await using var writer = clips.Engine.OpenWriter(path, media.RequireVideo(), VideoEncoding.H264(preset: "ultrafast"));
            await foreach (var frame in clips.Engine.ReadFramesAsync(media, range))
                using (frame)
                    await writer.WriteAsync(frame.Image);
            await writer.CompleteAsync();
            Segments.Add(path);
        }
        LongAudio = clips.NewPath("long.wav");
        ShortAudio = clips.NewPath("short.wav");
        await MediaClips.Ff("-f", "lavfi", "-i", "sine=frequency=300:sample_rate=16000:duration=3.3", LongAudio);
        await MediaClips.Ff("-f", "lavfi", "-i", "sine=frequency=500:sample_rate=44100:duration=1.23", "-ac", "2", ShortAudio);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
