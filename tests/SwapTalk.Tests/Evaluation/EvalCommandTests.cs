using System.CommandLine;
using System.Text.Json;
using SwapTalk.Cli;
using SwapTalk.Tests.Support;
using static SwapTalk.Tests.Evaluation.EvaluationData;

namespace SwapTalk.Tests.Evaluation;

/// <summary><c>swaptalk eval</c> through the real command tree: the JSON, the image, and bad input with exit code 2.</summary>
public sealed class EvalCommandTests
{
    private static async Task<(int Code, string Out, string Err)> Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await Program.InvokeAsync(["eval", .. args, "--models", ModelsDir, "--identity-model", IdentityModel],
            new InvocationConfiguration { Output = stdout, Error = stderr }, TestContext.Current.CancellationToken);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task Json_mode_prints_one_object_and_writes_the_image_into_out()
    {
        var clip = await ShortGridClipAsync();
        var outDir = Path.Combine(Dir, $"cli-{Guid.NewGuid():N}");
        var (code, stdout, stderr) = await Run("--video", clip, "--portrait", SharedData.Face, "--original", clip, "--out", outDir, "--json");

        code.Should().Be(0, stderr);
        using var json = JsonDocument.Parse(stdout); // throws if anything but one JSON value is on stdout
        var root = json.RootElement;
        root.GetProperty("frames").GetInt32().Should().Be(30);
        root.GetProperty("identity").GetProperty("consistency").GetDouble().Should().BeInRange(-0.3, 0.3, "the astronaut is not the GRID speaker");
        root.GetProperty("imageQuality").GetProperty("psnrOutside").GetString().Should().Be("Infinity");
        root.GetProperty("lipSync").GetProperty("correlationAtLag0").ValueKind.Should().Be(JsonValueKind.Number);
        root.GetProperty("notComputed").EnumerateArray().Select(n => n.GetProperty("metric").GetString()).Should().Contain(["FID", "LSE-C"]);
        var image = root.GetProperty("image").GetString()!;
        image.Should().Be(Path.Combine(outDir, "grid30.eval.png"));
        File.Exists(image).Should().BeTrue();
    }

    [Fact]
    public async Task A_missing_file_exits_2_naming_it()
    {
        var missing = Path.Combine(Dir, "no-such-portrait.png");
        var (code, stdout, stderr) = await Run("--video", SharedData.GridClip(), "--portrait", missing);
        code.Should().Be(2);
        stdout.Should().BeEmpty();
        stderr.Should().Contain("--portrait").And.Contain(missing).And.Contain("does not exist");
    }

    [Fact]
    public async Task A_missing_truth_exits_2_naming_it()
    {
        var missing = Path.Combine(Dir, "no-such-truth.mpg");
        var (code, stdout, stderr) = await Run("--video", SharedData.GridClip(), "--portrait", SharedData.Face, "--truth", missing);
        code.Should().Be(2);
        stdout.Should().BeEmpty();
        stderr.Should().Contain("--truth").And.Contain(missing).And.Contain("does not exist");
    }

    [Fact]
    public async Task A_truth_without_a_face_exits_2_naming_it()
    {
        var faceless = await FacelessClipAsync();
        var (code, _, stderr) = await Run("--video", await ShortGridClipAsync(), "--portrait", SharedData.Face, "--truth", faceless);
        code.Should().Be(2, stderr);
        stderr.Should().StartWith("eval: bad input:").And.Contain("truth").And.Contain(faceless);
    }

    [Fact]
    public async Task An_unreadable_video_exits_2_naming_it()
    {
        var broken = Path.Combine(Dir, $"broken-{Guid.NewGuid():N}.mp4");
        await File.WriteAllTextAsync(broken, "this is not a video", TestContext.Current.CancellationToken);
        var (code, _, stderr) = await Run("--video", broken, "--portrait", SharedData.Face);
        code.Should().Be(2, stderr);
        stderr.Should().StartWith("eval: bad input:").And.Contain(broken);
    }

    [Fact]
    public async Task A_faceless_clip_exits_2_with_a_clear_message()
    {
        var clip = await FacelessClipAsync();
        var (code, _, stderr) = await Run("--video", clip, "--portrait", SharedData.Face);
        code.Should().Be(2, stderr);
        stderr.Should().Contain(clip).And.Contain("no face found in any of its 25 frames");
    }
}
