using System.Text;
using System.Text.Json;
using SwapTalk.Tests.Support;

namespace SwapTalk.Tests.Media;

/// <summary>`swaptalk media ...` run as a real process: output and exit codes (0 ok, 2 bad input/usage, 1 failure).</summary>
public class MediaCliTests(MediaClips clips)
{
    private static async Task<(int Code, string Stdout, string Stderr)> Swaptalk(params string[] args)
    {
        var dll = typeof(SwapTalk.Cli.Program).Assembly.Location;
        var (code, stdout, stderr) = await MediaClips.Run("dotnet", [dll, .. args]);
        return (code, Encoding.UTF8.GetString(stdout), stderr);
    }

    [Fact]
    public async Task Probe_prints_json_with_the_facts()
    {
        var (code, stdout, stderr) = await Swaptalk("media", "probe", SharedData.GridClip(), "--json");
        code.Should().Be(0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var video = doc.RootElement.GetProperty("video");
        video.GetProperty("frameCount").GetInt64().Should().Be(75);
        video.GetProperty("frameRate").GetString().Should().Be("25");
        video.GetProperty("variableFrameRate").GetBoolean().Should().BeFalse();
        video.GetProperty("rotation").GetInt32().Should().Be(0);
        doc.RootElement.GetProperty("audio")[0].GetProperty("sampleRate").GetInt32().Should().Be(44100);
    }

    [Fact]
    public async Task Probe_text_names_rotation_and_variable_rate()
    {
        var (code, stdout, _) = await Swaptalk("media", "probe", clips.Rotated90);
        code.Should().Be(0);
        stdout.Should().Contain("120x160").And.Contain("stored 160x120, rotated 90 deg clockwise");
        (await Swaptalk("media", "probe", clips.Vfr)).Stdout.Should().Contain("variable frame rate: 50 stored frames, nominal 30");
    }

    [Fact]
    public async Task Bad_input_and_usage_exit_with_2_and_say_why()
    {
        var missing = clips.NewPath("absent.mp4");
        var (code, _, stderr) = await Swaptalk("media", "probe", missing);
        code.Should().Be(2);
        stderr.Should().Contain($"'{missing}': does not exist");
        (await Swaptalk("media", "probe")).Code.Should().Be(2);
        var segments = await Swaptalk("media", "resegment", clips.H264, "--segments", "0", "--out", clips.NewPath("x.mp4"));
        segments.Code.Should().Be(2);
        segments.Stderr.Should().Contain("--segments must be between 1 and the video's 75 frames");
        var noOut = await Swaptalk("media", "resegment", clips.H264);
        (noOut.Code, noOut.Stderr.Contains("--out")).Should().Be((2, true));
    }

    [Fact]
    public async Task Resegment_verifies_frames_and_writes_the_muxed_mp4()
    {
        var output = clips.NewPath("resegmented.mp4");
        var (code, stdout, stderr) = await Swaptalk("media", "resegment", clips.H264, "--segments", "3", "--preset", "ultrafast", "--out", output);
        code.Should().Be(0, stderr);
        stdout.Should().Contain("verified: 75/75 frames identical").And.Contain("75 frames, video 3.000 s, audio 3.0");
        var media = await clips.Engine.ProbeAsync(output);
        (media.RequireVideo().FrameCount, media.RequireAudio().Codec).Should().Be((75L, "aac"));
        Directory.EnumerateFileSystemEntries(Path.GetDirectoryName(output)!, $".{Path.GetFileName(output)}*").Should().BeEmpty("segments are cleaned up");
    }

    [Fact]
    public async Task Resegment_with_audio_longer_than_the_video_trims_it_to_the_video()
    {
        var output = clips.NewPath("y.mp4");
        var (code, stdout, stderr) = await Swaptalk("media", "resegment", clips.Odd, "--segments", "2", "--audio", clips.H264, "--preset", "ultrafast", "--out", output);
        code.Should().Be(0, stderr);
        stdout.Should().Contain("50 frames, video 2.000 s, audio 2.0").And.Contain("trimmed or padded to the video");
        (await clips.Engine.ProbeAsync(output)).RequireAudio().Duration.Should().BeApproximately(2.0, 0.04);
    }
}
