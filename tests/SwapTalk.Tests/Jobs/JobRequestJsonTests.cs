using SwapTalk.Core.Jobs;
using SwapTalk.Tests.Support;

namespace SwapTalk.Tests.Jobs;

public class JobRequestJsonTests
{
    [Fact]
    public void Parses_a_full_manifest()
    {
        var request = JobManifestText.Parse("""
            {
              // comments and trailing commas are fine in a hand-written manifest
              "portrait": "/data/face.png",
              "video": "/data/talk.mp4",
              "audio": "/data/speech.wav",
              "models": "/models",
              "output": "/out/dub.mp4",
              "options": {
                "segmentFrames": 48,
                "lengthPolicy": "freeze",
                "faceSelection": "most-central",
                "quality": { "crf": 20, "preset": "slow" },
                "faceTrackContextFrames": 6,
                "segmentsPerBatch": 16,
              },
            }
            """, "job.json");
        request.Mode.Should().Be(JobMode.CrossDriven);
        request.Portrait.Should().Be("/data/face.png");
        request.Audio.Should().Be("/data/speech.wav");
        request.Output.Should().Be("/out/dub.mp4");
        request.Options.Should().Be(new JobOptions
        {
            SegmentFrames = 48,
            LengthPolicy = LengthPolicy.Freeze,
            FaceSelection = FaceSelection.MostCentral,
            Quality = new OutputQuality { Crf = 20, Preset = "slow" },
            FaceTrackContextFrames = 6,
            SegmentsPerBatch = 16,
        });
    }

    [Fact]
    public void Omitted_audio_means_self_driven_and_omitted_options_take_defaults()
    {
        var request = JobManifestText.Parse("""{ "portrait": "p.png", "video": "v.mp4", "models": "m" }""", "job.json");
        request.Mode.Should().Be(JobMode.SelfDriven);
        request.Options.Should().Be(new JobOptions());
        request.Options.SegmentFrames.Should().Be(100);
        request.Options.LengthPolicy.Should().Be(LengthPolicy.PingPong);
        request.Options.Quality.Should().Be(new OutputQuality { Crf = 18, Preset = "medium" });
    }

    [Fact]
    public void Serialize_then_parse_round_trips()
    {
        var request = new JobRequest
        {
            Portrait = "/p.png", Video = "/v.mp4", Audio = "/a.wav", Models = "/m", Output = "/o.mp4",
            Options = new JobOptions { LengthPolicy = LengthPolicy.Trim, SegmentFrames = 7 },
        };
        var json = JobManifestText.Serialize(request);
        json.Should().Contain("\"lengthPolicy\": \"trim\"").And.NotContain("\"mode\"");
        JobManifestText.Parse(json, "x").Should().Be(request);
    }

    [Theory]
    [InlineData("""{ "portrait": "p", "video": "v", "models": "m", "colour": 1 }""", "*job.json*colour*")]
    [InlineData("""{ "portrait": "p", "video": "v", "models": "m", "options": { "segmentFrame": 5 } }""", "*job.json*segmentFrame*")]
    [InlineData("""{ "portrait": "p", "video": "v" }""", "*job.json*models*")]
    [InlineData("""{ "portrait": "p", "video": "v", "models": "m", "options": { "lengthPolicy": "loop" } }""", "*job.json*$.options.lengthPolicy*")]
    [InlineData("""{ "portrait": "p", "video": "v", "models": "m", "options": { "segmentFrames": "ten" } }""", "*job.json*$.options.segmentFrames*")]
    [InlineData("""{ "portrait": "p", "video": "v", "models": null }""", "*job.json*models*")]
    [InlineData("""{ "portrait": "p", """, "*job.json*invalid job manifest*")]
    [InlineData("""null""", "*job.json*JSON null*")]
    [InlineData("""[1, 2]""", "*job.json*invalid job manifest*")]
    public void Malformed_manifests_are_bad_input_naming_the_manifest_and_the_place(string json, string message)
    {
        var act = () => JobManifestText.Parse(json, "job.json");
        act.Should().Throw<BadInputException>().WithMessage(message);
    }

    [Fact]
    public async Task Load_resolves_relative_paths_against_the_manifest_folder()
    {
        using var dir = new TempDir();
        var manifest = dir.File("job.json");
        await File.WriteAllTextAsync(manifest, """{ "portrait": "in/p.png", "video": "/abs/v.mp4", "audio": "../a.wav", "models": "m", "output": "out.mp4" }""",
            TestContext.Current.CancellationToken);
        var request = await JobManifestText.LoadAsync(manifest, TestContext.Current.CancellationToken);
        request.Portrait.Should().Be(Path.Combine(dir.Path, "in", "p.png"));
        request.Video.Should().Be("/abs/v.mp4");
        request.Audio.Should().Be(Path.GetFullPath(Path.Combine(dir.Path, "..", "a.wav")));
        request.Models.Should().Be(Path.Combine(dir.Path, "m"));
        request.Output.Should().Be(Path.Combine(dir.Path, "out.mp4"));

        var missing = () => JobManifestText.LoadAsync(dir.File("nope.json"), TestContext.Current.CancellationToken);
        (await missing.Should().ThrowAsync<BadInputException>()).WithMessage("*nope.json*cannot read the job manifest*");
    }
}
