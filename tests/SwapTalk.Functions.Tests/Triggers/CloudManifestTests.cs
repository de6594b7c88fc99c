using SwapTalk.Azure.Manifests;
using SwapTalk.Core.Jobs;

namespace SwapTalk.Functions.Tests.Triggers;

public class CloudManifestTests
{
    private static readonly CloudManifestReader Reader = new(["inbox", "batches"]);

    private static ManifestCheck Read(string json) => Reader.Read(json, "body");

    private static void ShouldFailOn(ManifestCheck check, string field, string message)
    {
        check.IsValid.Should().BeFalse();
        check.Manifest.Should().BeNull();
        check.Errors.Should().Contain(e => e.Input == field, $"an error must name '{field}'; got: {string.Join("; ", check.Errors)}");
        check.Errors.First(e => e.Input == field).Message.Should().Match(message);
    }

    [Fact]
    public void A_full_manifest_parses_into_blob_references_and_options()
    {
        var check = Read("""
            {
              // comments and trailing commas are fine, as in the CLI's manifest
              "portrait": "inbox/alice/face.png",
              "video": "inbox/alice/talk.mp4",
              "audio": "batches/2026/speech.wav",
              "options": { "segmentFrames": 50, "lengthPolicy": "freeze", "engine": "geometric", "quality": { "crf": 20, "preset": "fast" } },
            }
            """);

        check.IsValid.Should().BeTrue(string.Join("; ", check.Errors));
        var m = check.Manifest!;
        m.Portrait.Should().Be(new BlobReference("inbox", "alice/face.png"));
        m.Video.ToString().Should().Be("inbox/alice/talk.mp4");
        m.Audio.Should().Be(new BlobReference("batches", "2026/speech.wav"));
        m.Options.SegmentFrames.Should().Be(50);
        m.Options.LengthPolicy.Should().Be(LengthPolicy.Freeze);
        m.Options.Engine.Should().Be(DubEngine.Geometric, "the cloud manifest carries the engine as the CLI's --engine does");
        m.Options.Quality.Should().Be(new OutputQuality { Crf = 20, Preset = "fast" });
    }

    [Fact]
    public void Options_and_audio_may_be_left_out_self_driven_with_defaults()
    {
        var check = Read("""{ "portrait": "inbox/a/face.png", "video": "inbox/a/talk.mp4" }""");
        check.IsValid.Should().BeTrue();
        check.Manifest!.Audio.Should().BeNull();
        check.Manifest.Options.Should().Be(new JobOptions());
        check.Manifest.Options.Engine.Should().Be(DubEngine.Auto);
    }

    [Fact]
    public void An_unknown_engine_is_refused_naming_the_field()
    {
        var check = Read("""{ "portrait": "inbox/a/face.png", "video": "inbox/a/talk.mp4", "options": { "engine": "neural" } }""");
        check.IsValid.Should().BeFalse();
        string.Join("; ", check.Errors).Should().Contain("engine");
    }

    [Fact]
    public void Equal_requests_have_equal_canonical_json_whatever_their_spelling()
    {
        var a = Read("""{ "portrait": "inbox/a/face.png", "video": "inbox/a/talk.mp4" }""").Manifest!;
        var b = Read("""{"options":{"segmentFrames":100},"video":"inbox/a/talk.mp4","portrait":"inbox/a/face.png"}""").Manifest!;
        var c = Read("""{ "portrait": "inbox/a/face.png", "video": "inbox/a/talk.mp4", "options": { "segmentFrames": 99 } }""").Manifest!;
        a.CanonicalJson.Should().Be(b.CanonicalJson, "defaults made explicit, property order fixed");
        a.CanonicalJson.Should().NotBe(c.CanonicalJson);
    }

    [Theory]
    [InlineData("{ nope", "body", "not valid JSON (line 1, position *)*")]
    [InlineData("", "body", "not valid JSON*")]
    [InlineData("[1, 2]", "body", "the manifest must be a JSON object*")]
    [InlineData("null", "body", "*JSON null*")]
    [InlineData("""{ "portrait": "inbox/a.png", "video": "inbox/b.mp4" } trailing""", "body", "not valid JSON*")]
    public void Text_that_is_not_a_manifest_object_names_the_document(string json, string field, string message) =>
        ShouldFailOn(Read(json), field, message);

    [Theory]
    [InlineData("""{ "portrait": "inbox/a.png", "video": "inbox/b.mp4", "vidoe": "x" }""", "vidoe", "'vidoe' is not a known property*known here: portrait, video, audio, options")]
    [InlineData("""{ "portrait": "inbox/a.png", "video": "inbox/b.mp4", "options": { "segmentFrame": 5 } }""", "options.segmentFrame", "*not a known property*segmentFrames*")]
    [InlineData("""{ "portrait": "inbox/a.png", "video": "inbox/b.mp4", "options": { "segmentFrames": "ten" } }""", "options.segmentFrames", "expected a whole number*")]
    [InlineData("""{ "portrait": "inbox/a.png", "video": "inbox/b.mp4", "options": { "lengthPolicy": "bounce" } }""", "options.lengthPolicy", "expected one of \"ping-pong\", \"freeze\", \"trim\"*")]
    [InlineData("""{ "portrait": "inbox/a.png", "video": "inbox/b.mp4", "options": { "quality": { "crf": 1.5 } } }""", "options.quality.crf", "expected a whole number*")]
    [InlineData("""{ "portrait": 7, "video": "inbox/b.mp4" }""", "portrait", "expected a string*")]
    [InlineData("""{ "portrait": "inbox/a.png", "video": "inbox/b.mp4", "options": [] }""", "options", "expected an object*")]
    public void Json_of_the_wrong_shape_names_the_field_in_manifest_terms(string json, string field, string message)
    {
        var check = Read(json);
        ShouldFailOn(check, field, message);
        check.Errors.Should().OnlyContain(e => !e.Message.Contains("System.") && !e.Message.Contains("SwapTalk."), "no .NET type names in answers");
    }

    [Fact]
    public void Missing_inputs_and_bad_options_are_all_reported_at_once_with_the_validators_rules()
    {
        var check = Read("""{ "options": { "segmentFrames": 0, "quality": { "crf": 60, "preset": "turbo" }, "segmentsPerBatch": 65 } }""");
        check.Errors.Select(e => e.Input).Should().BeEquivalentTo(
            ["portrait", "video", "options.segmentFrames", "options.quality.crf", "options.quality.preset", "options.segmentsPerBatch"]);
        check.Errors.Single(e => e.Input == "portrait").Message.Should().Contain("container/path");
        check.Errors.Single(e => e.Input == "options.segmentFrames").Message.Should().Contain("1..3000");
        check.Parsed.Should().NotBeNull("the JSON itself was fine; a failed-job record can show what was asked");
    }

    [Fact]
    public void Null_options_are_the_validators_error_not_a_crash()
    {
        var check = Read("""{ "portrait": "inbox/a.png", "video": "inbox/b.mp4", "options": null }""");
        ShouldFailOn(check, "options", "*null*omit them*");
    }

    [Theory]
    [InlineData("https://acct.blob.core.windows.net/inbox/a.png?sv=2024&sig=SECRETSIG", "*is a URL*without an account or a SAS token")]
    [InlineData("face.png", "*is not container/path*")]
    [InlineData("/face.png", "*is not container/path*")]
    [InlineData("inbox/", "*is not container/path*")]
    [InlineData("jobs/j1/output/dub.mp4", "container 'jobs' is not one inputs are read from; use inbox or batches")]
    [InlineData("inbox/../jobs/x.png", "*not a usable blob name*'..' segment*")]
    [InlineData("inbox/a//b.png", "*not a usable blob name*empty segment*")]
    [InlineData("inbox/c:/x.png", "*not a usable blob name*':'*")]
    public void Blob_references_must_be_container_and_path_in_an_input_container(string reference, string message)
    {
        var check = Read($$"""{ "portrait": "{{reference}}", "video": "inbox/b.mp4" }""");
        ShouldFailOn(check, "portrait", message);
        check.Errors.Should().OnlyContain(e => !e.Message.Contains("SECRETSIG"), "a SAS token is never echoed");
    }

    [Fact]
    public void A_sas_url_anywhere_in_an_echoed_value_is_redacted()
    {
        var check = Read("""{ "portrait": "inbox/a.png", "video": "inbox/b.mp4", "options": { "quality": { "preset": "https://x.blob.core.windows.net/c/b?sig=TOPSECRET" } } }""");
        var error = check.Errors.Single();
        error.Input.Should().Be("options.quality.preset");
        error.Message.Should().NotContain("TOPSECRET").And.Contain("?[redacted]");
    }
}
