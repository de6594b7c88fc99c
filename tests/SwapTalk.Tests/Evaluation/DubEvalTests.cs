using System.CommandLine;
using System.Text.Json;
using SwapTalk.Cli;
using SwapTalk.Core.Models;
using SwapTalk.Core.Models.Probes;
using SwapTalk.Tests.Support;
using static SwapTalk.Tests.Evaluation.EvaluationData;

namespace SwapTalk.Tests.Evaluation;

/// <summary><c>swaptalk dub --eval</c>: the dub, then its evaluation in report.json and an image beside the output.</summary>
public sealed class DubEvalTests
{
    [Fact]
    public async Task Dub_with_eval_adds_the_evaluation_to_the_report_and_writes_the_image()
    {
        var ct = TestContext.Current.CancellationToken;
        var dir = Path.Combine(Dir, $"dub-{Guid.NewGuid():N}");
        var models = Path.Combine(dir, "models");
        Directory.CreateDirectory(Path.Combine(models, "eval"));
        ProbeModels.WriteAll(models, ModelManifest.Default, force: false);
        foreach (var file in new[] { "yunet_n_dynamic.onnx", "peppa_slim_160_68pt.onnx" })
            File.Copy(SharedData.Model(file), Path.Combine(models, file));
        File.Copy(IdentityModel, Path.Combine(models, EvaluationModelsFile));
        var video = await ShortGridClipAsync();
        var output = Path.Combine(dir, "dub.mp4");

        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await Program.InvokeAsync(
            ["dub", "--engine", "latent", "--face", SharedData.Face, "--video", video, "--models", models, "--out", output, "--preset", "ultrafast", "--no-preview", "--eval", "--json"],
            new InvocationConfiguration { Output = stdout, Error = stderr }, ct);

        code.Should().Be(0, stderr.ToString());
        using var result = JsonDocument.Parse(stdout.ToString());
        var image = result.RootElement.GetProperty("evaluationImage").GetString()!;
        image.Should().Be(Path.Combine(dir, "dub.eval.png"));
        File.Exists(image).Should().BeTrue();
        using var report = JsonDocument.Parse(await File.ReadAllTextAsync(result.RootElement.GetProperty("report").GetString()!, ct));
        var evaluation = report.RootElement.GetProperty("evaluation");
        evaluation.GetProperty("video").GetString().Should().Be(output);
        evaluation.GetProperty("original").GetString().Should().Be(video);
        evaluation.GetProperty("mode").GetString().Should().Be("self-driven");
        evaluation.GetProperty("frames").GetInt32().Should().Be(30);
        // The latent engine with probe models changes colour only: the face is still the GRID speaker's, not the astronaut's.
        evaluation.GetProperty("identity").GetProperty("consistency").GetDouble().Should().BeLessThan(0.3);
        evaluation.GetProperty("identity").GetProperty("toOriginal").GetDouble().Should().BeGreaterThan(0.8);
        evaluation.GetProperty("lipSync").GetProperty("lmd").GetDouble().Should().BeInRange(0, 0.1);
    }

    private static string EvaluationModelsFile => Core.Evaluation.EvaluationModels.IdentityModelFile;
}
