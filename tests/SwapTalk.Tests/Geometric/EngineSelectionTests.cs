using SwapTalk.Core.Engines;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Models;
using SwapTalk.Tests.Support;

namespace SwapTalk.Tests.Geometric;

public sealed class EngineSelectionTests
{
    private static readonly string[] Stages = [StageNames.VqEncoder, StageNames.FaceSwapper, StageNames.LipSyncer, StageNames.AudioEncoder, StageNames.VqDecoder];

    private static ModelInventory Inventory(bool probe, int missing = 0)
    {
        var present = Stages.Skip(missing).Select(s => new ModelUse(s, s + ".onnx", "hash", probe))
            .Append(new ModelUse(StageNames.FaceDetector, "yunet_n_dynamic.onnx", "hash"))
            .ToArray();
        var absent = Stages.Take(missing).Select(s => new JobInputError("models", $"no {s}")).ToArray();
        return new ModelInventory(present, AudioFeatureLayout.Default, absent);
    }

    [Fact]
    public void Auto_picks_geometric_for_probes_or_missing_stage_models_and_latent_for_trained_exports()
    {
        EngineSelection.Resolve(DubEngine.Auto, Inventory(probe: true)).Should().Be(DubEngine.Geometric);
        EngineSelection.Resolve(DubEngine.Auto, Inventory(probe: false, missing: 5)).Should().Be(DubEngine.Geometric);
        EngineSelection.Resolve(DubEngine.Auto, Inventory(probe: false, missing: 1)).Should().Be(DubEngine.Geometric);
        EngineSelection.Resolve(DubEngine.Auto, Inventory(probe: false)).Should().Be(DubEngine.Latent);
    }

    [Fact]
    public void An_explicit_engine_is_kept_and_latent_without_its_models_is_bad_input()
    {
        EngineSelection.Resolve(DubEngine.Geometric, Inventory(probe: false)).Should().Be(DubEngine.Geometric);
        EngineSelection.Resolve(DubEngine.Latent, Inventory(probe: true)).Should().Be(DubEngine.Latent, "probes prove the latent data flow");
        var act = () => EngineSelection.Resolve(DubEngine.Latent, Inventory(probe: false, missing: 2));
        act.Should().Throw<BadInputException>().Which.Errors.Should().HaveCount(2);
    }

    [Fact]
    public void The_job_manifest_carries_the_engine_by_name()
    {
        var request = JobManifestText.Parse("""{ "portrait": "p.png", "video": "v.mp4", "models": "m", "options": { "engine": "geometric" } }""", "job.json");
        request.Options.Engine.Should().Be(DubEngine.Geometric);
        JobManifestText.Parse("""{ "portrait": "p.png", "video": "v.mp4", "models": "m" }""", "job.json").Options.Engine.Should().Be(DubEngine.Auto);
        JobManifestText.Serialize(request).Should().Contain("\"engine\": \"geometric\"");
        var act = () => JobManifestText.Parse("""{ "portrait": "p.png", "video": "v.mp4", "models": "m", "options": { "engine": "warp" } }""", "job.json");
        act.Should().Throw<BadInputException>();
    }
}
