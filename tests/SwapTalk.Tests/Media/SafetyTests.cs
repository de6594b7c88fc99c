using SwapTalk.Core.Media;
using SwapTalk.Tests.Support;

namespace SwapTalk.Tests.Media;

/// <summary>
/// The safety rules on real files and real ffmpeg runs: hostile file names go through every FFMpegCore
/// command (probe, AAC, stitch) and the engine's own pipes as exactly one path, never as options or shell
/// syntax; no process survives a cancel or a failure.
/// </summary>
public class SafetyTests(MediaClips clips)
{
    /// <summary>Names a shell, a naive quoting or ffmpeg's option parser would misread; each would create "pwned" if run by a shell.</summary>
    public static TheoryData<string> HostileNames() => new(
        "two words.mp4",
        "it's \"quoted\".mp4",
        "$(touch pwned).mp4",
        "a;touch pwned;b.mp4",
        "`touch pwned`.mp4",
        "-y -i evil.mp4",
        "-f lavfi.mp4",
        "ends with backslash\\",
        "back\\\" -i x \\\".mp4",
        "http:%2F%2F127.0.0.1:9%2Fx.mp4");

    [Theory]
    [MemberData(nameof(HostileNames))]
    public async Task Hostile_names_stay_one_local_path_through_probe_aac_stitch_and_frames(string name)
    {
        using var dir = new TempDir("swaptalk-hostile");
        var input = dir.File(name);
        File.Copy(clips.H264, input);

        var media = await clips.Engine.ProbeAsync(input, TestContext.Current.CancellationToken);
        media.Path.Should().Be(Path.GetFullPath(input));
        media.RequireVideo().FrameCount.Should().Be(75);

        var aac = dir.File("out " + name + ".m4a");
        await clips.Engine.EncodeAacAsync(input, aac, cancellationToken: TestContext.Current.CancellationToken);
        (await clips.Engine.ProbeAsync(aac, TestContext.Current.CancellationToken)).RequireAudio().Codec.Should().Be("aac");

        var stitched = dir.File("stitched " + name + ".mp4");
        var result = await clips.Engine.StitchAsync([input, input], input, stitched, TestContext.Current.CancellationToken);
        result.VideoFrames.Should().Be(150);
        (await clips.Engine.ProbeAsync(stitched, TestContext.Current.CancellationToken)).RequireVideo().FrameCount.Should().Be(150);

        var frames = 0;
        await foreach (var frame in clips.Engine.ReadFramesAsync(media, new FrameRange(0, 3), cancellationToken: TestContext.Current.CancellationToken))
            using (frame) frames++;
        frames.Should().Be(3);

        // Exactly the files asked for, under exactly their names; nothing ran a command hidden in a name.
        Directory.GetFiles(dir.Path).Select(Path.GetFileName).Should().BeEquivalentTo([name, Path.GetFileName(aac), Path.GetFileName(stitched)]);
        File.Exists(Path.Combine(Environment.CurrentDirectory, "pwned")).Should().BeFalse();
    }

    [Fact]
    public async Task A_failed_ffmpegcore_run_names_the_input_with_ffmpegs_stderr_tail()
    {
        // Valid WAV header, no decodable audio after it: the probe passes, the AAC encode fails in ffmpeg.
        var path = clips.NewPath("broken audio.wav");
        var wav = clips.NewPath("tone.wav");
        await MediaClips.Ff("-f", "lavfi", "-i", "sine=frequency=300:sample_rate=16000:duration=0.5", "-c:a", "pcm_s16le", wav);
        var bytes = await File.ReadAllBytesAsync(wav, TestContext.Current.CancellationToken);
        await File.WriteAllBytesAsync(path, bytes.AsSpan(0, 44).ToArray().Concat(Enumerable.Repeat((byte)0xFF, 3)).ToArray(), TestContext.Current.CancellationToken);
        var output = clips.NewPath("never.m4a");
        var act = () => clips.Engine.EncodeAacAsync(path, output, cancellationToken: TestContext.Current.CancellationToken);
        var error = (await act.Should().ThrowAsync<MediaException>()).Which;
        error.Message.Should().StartWith($"'{path}': ");
        File.Exists(output).Should().BeFalse("a failed run leaves no half-written output");
        Directory.GetFiles(Path.GetDirectoryName(output)!, $".{Path.GetFileName(output)}*").Should().BeEmpty();
    }
}

/// <summary>Runs alone (no other test in flight), so every ffmpeg child of this process is one these tests started.</summary>
[Collection(nameof(NoOrphansCollection))]
public class CancellationTests(MediaClips clips)
{
    [Fact]
    public async Task Cancelling_an_ffmpegcore_run_kills_ffmpeg_at_once_and_leaves_no_output()
    {
        // 10 minutes of 48 kHz stereo: several seconds of AAC encoding, cancelled after a fraction of one.
        var wav = clips.NewPath("long tone.wav");
        await MediaClips.Ff("-f", "lavfi", "-i", "sine=frequency=300:sample_rate=48000:duration=600", "-ac", "2", "-c:a", "pcm_s16le", wav);
        var output = clips.NewPath("cancelled.m4a");
        using var cancel = new CancellationTokenSource();
        var encode = clips.Engine.EncodeAacAsync(wav, output, cancellationToken: cancel.Token);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (MediaClips.ChildMediaProcesses().Count == 0 && DateTime.UtcNow < deadline) await Task.Delay(20, TestContext.Current.CancellationToken);
        var running = MediaClips.ChildMediaProcesses();
        running.Should().NotBeEmpty("ffmpeg was encoding when the cancel came");
        await Task.Delay(200, TestContext.Current.CancellationToken);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await cancel.CancelAsync();
        await encode.Invoking(t => t).Should().ThrowAsync<OperationCanceledException>();
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(5), "ffmpeg is killed, not waited for");
        running.Should().OnlyContain(pid => MediaClips.IsGone(pid), "the killed ffmpeg was reaped");
        MediaClips.ChildMediaProcesses().Should().BeEmpty();
        File.Exists(output).Should().BeFalse();
        Directory.GetFiles(Path.GetDirectoryName(output)!, $".{Path.GetFileName(output)}*").Should().BeEmpty("the partial file is removed");
    }

    [Fact]
    public async Task Failures_of_probe_and_stitch_leave_no_ffmpeg_or_ffprobe_behind()
    {
        var text = clips.NewPath("notes.mp4");
        await File.WriteAllTextAsync(text, "not a video", TestContext.Current.CancellationToken);
        var probe = () => clips.Engine.ProbeAsync(text, TestContext.Current.CancellationToken);
        (await probe.Should().ThrowAsync<MediaException>()).Which.IsBadInput.Should().BeTrue();
        var playlist = clips.NewPath("remote.m3u8");
        await File.WriteAllTextAsync(playlist, "#EXTM3U\n#EXTINF:4.0,\nhttp://127.0.0.1:9/segment0.ts\n#EXT-X-ENDLIST\n", TestContext.Current.CancellationToken);
        var stitch = () => clips.Engine.StitchAsync([clips.H264], playlist, clips.NewPath("o.mp4"), TestContext.Current.CancellationToken);
        await stitch.Should().ThrowAsync<MediaException>();
        MediaClips.ChildMediaProcesses().Should().BeEmpty();
    }
}
