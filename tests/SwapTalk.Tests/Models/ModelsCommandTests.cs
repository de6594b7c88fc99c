using System.CommandLine;
using SwapTalk.Cli;
using SwapTalk.Core.Models.Probes;
using SwapTalk.Tests.Inference;
using SwapTalk.Tests.Support;

namespace SwapTalk.Tests.Models;

public class ModelsCommandTests
{
    private static (int Exit, string Out, string Err) Run(params string[] args)
    {
        _ = OrtRuntimeFixture.Runtime;
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = Program.BuildRoot().Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public void Check_passes_for_the_shared_models_plus_probes_and_prints_a_table()
    {
        using var dir = ModelCheckTests.RealModelsFolder();
        var (exit, stdout, stderr) = Run("models", "check", dir.Path);
        TestContext.Current.TestOutputHelper?.WriteLine(stdout + stderr);
        exit.Should().Be(0, stderr);
        stderr.Should().BeEmpty();
        stdout.Should().Contain("manifest: built-in").And.Contain("ONNX Runtime 1.");
        foreach (var stage in new[] { "face_detector", "face_landmarker", "vq_encoder", "face_swapper", "audio_encoder", "lip_syncer", "vq_decoder" })
            stdout.Should().MatchRegex($@"{stage}\s*│\s*\S+\.onnx\s*│\s*ok\s*│");
        stdout.Should().MatchRegex(@"identity_embedder\s*│.*absent \(optional\)");
        stdout.Should().MatchRegex(@"face_landmarker\s*│.*│\s*model\s*│\s*\d+ ONNX Runtime warning\(s\) on load");
        stdout.Should().MatchRegex(@"vq_encoder\s*│.*│\s*probe\s*│");
        stdout.Should().Contain("models check: all 7 models present match the manifest");
    }

    [Fact]
    public void Check_fails_naming_every_mismatch()
    {
        using var dir = new TempDir();
        ProbeModels.WriteAll(dir.Path, SwapTalk.Core.Models.ModelManifest.Default, force: false);
        File.Delete(dir.File("vq_decoder.onnx"));
        File.WriteAllText(dir.File("audio_encoder.onnx"), "RIFF....WAVEfmt not a model");
        File.Copy(dir.File("vq_encoder.onnx"), dir.File("lip_syncer.onnx"), overwrite: true);

        var (exit, stdout, stderr) = Run("models", "check", dir.Path);
        exit.Should().Be(1);
        stdout.Should().MatchRegex(@"lip_syncer\s*│.*│\s*MISMATCH");
        stderr.Should().StartWith($"models check: ").And.Contain($"mismatch(es) in {dir.Path}:");
        stderr.Should().Contain("face_detector: missing file").And.Contain("face_landmarker: missing file")
            .And.Contain($"vq_decoder: missing file {dir.File("vq_decoder.onnx")}")
            .And.Contain("audio_encoder: audio_encoder.onnx is not a loadable ONNX file: ")
            .And.Contain("lip_syncer: input 'target' is missing").And.Contain("lip_syncer: input 'audio' is missing")
            .And.Contain("lip_syncer: output 'lower' is missing")
            .And.Contain("lip_syncer: input 'image' (image: float32 [N,3,512,512]) is not in the manifest");
        stderr.Should().NotContain("vq_encoder:").And.NotContain("identity_embedder");
    }

    [Fact]
    public void Check_refuses_a_missing_folder_and_a_broken_manifest()
    {
        var (exit, _, stderr) = Run("models", "check", "/nonexistent/models");
        exit.Should().Be(2);
        stderr.Should().Contain("/nonexistent/models does not exist");

        using var dir = new TempDir();
        File.WriteAllText(dir.File("manifest.json"), """{ "schema_version": 7, "models": [] }""");
        (exit, _, stderr) = Run("models", "check", dir.Path);
        exit.Should().Be(2);
        stderr.Should().Contain($"manifest {dir.File("manifest.json")}: schema_version: is 7");
    }

    [Fact]
    public void Probe_writes_the_probes_and_refuses_to_overwrite_a_trained_model_without_force()
    {
        using var dir = new TempDir();
        var target = Path.Combine(dir.Path, "fresh");
        var (exit, stdout, stderr) = Run("models", "probe", target);
        exit.Should().Be(0, stderr);
        stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().HaveCount(5).And.OnlyContain(l => l.StartsWith("wrote"));
        Directory.GetFiles(target, "*.onnx").Should().HaveCount(5);

        File.WriteAllBytes(Path.Combine(target, "vq_decoder.onnx"), TestModels.Sum());
        (exit, stdout, stderr) = Run("models", "probe", target);
        exit.Should().Be(1);
        stderr.Should().Contain($"refusing to overwrite {Path.Combine(target, "vq_decoder.onnx")} (vq_decoder): it is not a probe model").And.Contain("--force");
        stdout.Should().Contain("replaced probe");
        File.ReadAllBytes(Path.Combine(target, "vq_decoder.onnx")).Should().Equal(TestModels.Sum());

        (exit, stdout, _) = Run("models", "probe", target, "--force");
        exit.Should().Be(0);
        stdout.Should().MatchRegex(@"REPLACED model \(--force\)\s+vq_decoder");
        ProbeModels.IsProbe(Path.Combine(target, "vq_decoder.onnx")).Should().BeTrue();
    }
}
