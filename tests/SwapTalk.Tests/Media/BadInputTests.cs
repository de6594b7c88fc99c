using SwapTalk.Core.Media;

namespace SwapTalk.Tests.Media;

/// <summary>
/// Bad inputs give a MediaException that names the input and says what is wrong, and no ffmpeg or
/// ffprobe process outlives the failure.
/// </summary>
public class BadInputTests(MediaClips clips)
{
    public static TheoryData<string, string> Cases() => new()
    {
        { "missing", "does not exist" },
        { "directory", "is a directory" },
        { "empty", "is empty (0 bytes)" },
        { "text", "not readable media" },
        { "truncated-index", "not readable media" },
        { "truncated-data", "is truncated: the container lists 75 frames but only" },
        { "remote-hls", "not a local file" },
        { "audio-only", "has no video stream (it is audio only" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Each_bad_input_gets_a_clear_error_naming_it_and_no_process_survives(string kind, string problem)
    {
        var path = await Make(kind);
        using var scope = MediaProcessTracker.BeginScope();
        var act = async () =>
        {
            var media = await clips.Engine.ProbeAsync(path);
            await foreach (var frame in clips.Engine.ReadFramesAsync(media)) frame.Dispose();
        };
        var error = (await act.Should().ThrowAsync<MediaException>()).Which;
        error.Subject.Should().EndWith(Path.GetFileName(path));
        error.Message.Should().Contain(Path.GetFileName(path)).And.Contain(problem);
        error.IsBadInput.Should().BeTrue();
        scope.StartedIds.Where(pid => !MediaClips.IsGone(pid)).Should().BeEmpty("no ffmpeg/ffprobe survives a failure");
        MediaProcessTracker.LiveIds.Should().NotIntersectWith(scope.StartedIds);
    }

    [Fact]
    public async Task A_remote_url_never_reaches_the_network_and_ffmpegs_reason_is_kept()
    {
        var path = await Make("remote-hls");
        var error = (await ((Func<Task>)(() => clips.Engine.ProbeAsync(path))).Should().ThrowAsync<MediaException>()).Which;
        error.StderrTail.Should().Contain("Protocol 'http' not on whitelist 'file,pipe'");
        // The same holds for every other entry point that takes an input.
        var speech = () => clips.Engine.ReadSpeechAsync(path);
        await speech.Should().ThrowAsync<MediaException>().WithMessage("*not a local file*");
        // A concat list cannot smuggle in a remote file either: the stitch command, run by FFMpegCore, refuses it.
        var concatList = clips.NewPath("list.txt");
        await File.WriteAllTextAsync(concatList, "ffconcat version 1.0\nfile 'http://127.0.0.1:9/x.mkv'\n");
        var output = clips.NewPath("o.mkv");
        var concat = () => FFMpegCoreRun.RunAsync(clips.Tools, MediaCommands.Stitch(concatList, null, new MuxPlan(), output, "matroska"), output, CancellationToken.None);
        var refused = (await concat.Should().ThrowAsync<MediaException>()).Which;
        refused.Message.Should().StartWith($"'{output}': refers to a resource that is not a local file");
        refused.StderrTail.Should().Contain("not on whitelist");
        refused.IsBadInput.Should().BeTrue();
    }

    private async Task<string> Make(string kind)
    {
        switch (kind)
        {
            case "missing":
                return clips.NewPath("no-such-clip.mp4");
            case "directory":
                var dir = clips.NewPath("a-folder.mp4");
                Directory.CreateDirectory(dir);
                return dir;
            case "empty":
                var empty = clips.NewPath("empty.mp4");
                await File.WriteAllBytesAsync(empty, []);
                return empty;
            case "text":
                var text = clips.NewPath("notes.mp4");
                await File.WriteAllTextAsync(text, "These are meeting notes, not a video.\n");
                return text;
            case "truncated-index":
                // Index (moov) at the end: cutting the file loses it.
                var whole = await File.ReadAllBytesAsync(clips.H264);
                var cut = clips.NewPath("cut-index.mp4");
                await File.WriteAllBytesAsync(cut, whole[..(whole.Length / 2)]);
                return cut;
            case "truncated-data":
                // Index at the front (fast start): the container promises frames the file no longer holds.
                var faststart = clips.NewPath("faststart.mp4");
                await MediaClips.Ff("-i", clips.H264, "-c", "copy", "-movflags", "+faststart", faststart);
                var bytes = await File.ReadAllBytesAsync(faststart);
                var half = clips.NewPath("cut-data.mp4");
                await File.WriteAllBytesAsync(half, bytes[..(bytes.Length / 2)]);
                return half;
            case "remote-hls":
                var playlist = clips.NewPath("remote.m3u8");
                await File.WriteAllTextAsync(playlist, "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n#EXTINF:4.0,\nhttp://127.0.0.1:9/segment0.ts\n#EXT-X-ENDLIST\n");
                return playlist;
            case "audio-only":
                var wav = clips.NewPath("speech-only.mp4");
                await MediaClips.Ff("-f", "lavfi", "-i", "sine=frequency=300:sample_rate=16000:duration=0.3", "-c:a", "aac", wav);
                return wav;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind));
        }
    }
}

[CollectionDefinition(nameof(NoOrphansCollection), DisableParallelization = true)]
public sealed class NoOrphansCollection;

/// <summary>Runs alone (no other test in flight): after everything before it, this process has no ffmpeg/ffprobe children.</summary>
[Collection(nameof(NoOrphansCollection))]
public class NoOrphanProcessTests(MediaClips clips)
{
    [Fact]
    public async Task No_ffmpeg_or_ffprobe_child_is_left_running()
    {
        // Provoke one more failure and one early stop here, then look at /proc.
        var missing = () => clips.Engine.ProbeAsync(clips.NewPath("gone.mp4"));
        await missing.Should().ThrowAsync<MediaException>();
        var media = await clips.Engine.ProbeAsync(clips.H264);
        await foreach (var frame in clips.Engine.ReadFramesAsync(media))
        {
            frame.Dispose();
            break;
        }
        MediaClips.ChildMediaProcesses().Should().BeEmpty();
        MediaProcessTracker.LiveIds.Should().BeEmpty();
    }
}
