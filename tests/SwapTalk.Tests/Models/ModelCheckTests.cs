using SwapTalk.Core.Inference;
using SwapTalk.Core.Models;
using SwapTalk.Core.Models.Probes;
using SwapTalk.Tests.Inference;
using SwapTalk.Tests.Support;

namespace SwapTalk.Tests.Models;

public class ModelCheckTests
{
    private static OrtRuntime Runtime => OrtRuntimeFixture.Runtime;

    /// <summary>A models folder as a user would have it: the shared YuNet and Peppa files plus the probes.</summary>
    internal static TempDir RealModelsFolder()
    {
        var dir = new TempDir("models");
        foreach (var file in new[] { "yunet_n_dynamic.onnx", "yunet_n_640_640.onnx", "peppa_slim_160_68pt.onnx" })
            File.Copy(SharedData.Model(file), dir.File(file));
        ProbeModels.WriteAll(dir.Path, ModelManifest.Default, force: false);
        return dir;
    }

    [Fact]
    public void Shared_detector_and_landmarker_plus_probes_match_the_manifest()
    {
        using var dir = RealModelsFolder();
        var results = ModelCheck.CheckDirectory(Runtime, ModelManifest.Default, dir.Path);
        results.Where(r => r.Failed).SelectMany(r => r.Problems).Should().BeEmpty();
        results.Where(r => r.Spec.Stage != StageNames.IdentityEmbedder).Should().OnlyContain(r => r.Status == ModelCheckStatus.Ok);
        results.Single(r => r.Spec.Stage == StageNames.IdentityEmbedder).Status.Should().Be(ModelCheckStatus.OptionalAbsent);
        results.Where(r => r.IsProbe).Select(r => r.Spec.Stage).Should().BeEquivalentTo(ProbeModels.Stages);
        // YuNet's dynamic export leaves H and W free where the manifest names them: no notes for named dims.
        results.Single(r => r.Spec.Stage == StageNames.FaceDetector).Notes.Should().BeEmpty();
    }

    [Fact]
    public void The_fixed_640_yunet_also_fits_the_detector_contract()
    {
        var result = ModelCheck.CheckFile(Runtime, ModelManifest.Default.Model(StageNames.FaceDetector), SharedData.Model("yunet_n_640_640.onnx"));
        result.Status.Should().Be(ModelCheckStatus.Ok);
    }

    [Fact]
    public void Missing_files_and_non_onnx_files_are_named()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("vq_encoder.onnx"), "<html>not a model</html>");
        var results = ModelCheck.CheckDirectory(Runtime, ModelManifest.Default, dir.Path);
        var encoder = results.Single(r => r.Spec.Stage == StageNames.VqEncoder);
        encoder.Status.Should().Be(ModelCheckStatus.Mismatch);
        encoder.Problems.Should().ContainSingle().Which.Should().StartWith("vq_encoder.onnx is not a loadable ONNX file: ");
        var swapper = results.Single(r => r.Spec.Stage == StageNames.FaceSwapper);
        swapper.Status.Should().Be(ModelCheckStatus.Missing);
        swapper.Problems.Should().Equal($"missing file {dir.File("face_swapper.onnx")}");
    }

    [Fact]
    public void Compare_names_wrong_names_dtypes_ranks_and_fixed_dimensions()
    {
        var spec = ModelManifest.Default.Model(StageNames.LipSyncer); // target, reference [N,256,32,32], audio [N,10,768] -> lower [N,256,16,32]
        TensorInfo T(string name, TensorElementType type, string shape) =>
            new(name, type, SwapTalk.Core.Models.Onnx.ShapeText.Parse(shape));
        var (problems, notes) = ModelCheck.Compare(spec,
            [
                T("target", TensorElementType.Float16, "batch,256,32,32"),
                T("reference", TensorElementType.Float32, "batch,256,32"),
                T("audio", TensorElementType.Float32, "batch,12,768"),
                T("mask", TensorElementType.Float32, "1,32"),
            ],
            [
                T("lower", TensorElementType.Float32, "batch,256,rows,32"),
                T("debug", TensorElementType.Float32, "1"),
            ]);
        problems.Should().BeEquivalentTo(
            "input 'target' is float16, manifest says float32",
            "input 'reference' has rank 3 [batch,256,32], manifest says rank 4 [N,256,32,32]",
            "input 'audio' dimension 1 is 12 [batch,12,768], manifest says 10 [N,10,768]",
            "input 'mask' (mask: float32 [1,32]) is not in the manifest: the pipeline cannot feed it");
        notes.Should().BeEquivalentTo(
            "output 'lower' dimension 2 is free (rows); the manifest fixes it at 16",
            "extra output 'debug' is ignored");

        var (missing, _) = ModelCheck.Compare(spec, [T("target", TensorElementType.Float32, "N,256,32,32")], []);
        missing.Should().Contain("input 'reference' is missing (model has 'target')").And.Contain("output 'lower' is missing (model has none)");
    }

    [Fact]
    public void Catalog_opens_a_checked_model_and_refuses_a_wrong_one_naming_every_mismatch()
    {
        using var dir = new TempDir();
        var manifest = ModelManifest.Default;
        ProbeModels.WriteAll(dir.Path, manifest, force: false);
        var catalog = new ModelCatalog(Runtime, manifest, dir.Path);
        catalog.PathOf(StageNames.VqDecoder).Should().Be(dir.File("vq_decoder.onnx"));
        using (var decoder = catalog.Open(StageNames.VqDecoder))
            decoder.Name.Should().Be(StageNames.VqDecoder);

        // The encoder exported under the swapper's name: names and shapes are all wrong for the stage.
        File.Copy(dir.File("vq_encoder.onnx"), dir.File("face_swapper.onnx"), overwrite: true);
        var wrong = () => catalog.Open(StageNames.FaceSwapper);
        wrong.Should().Throw<ModelContractException>()
            .WithMessage($"face_swapper ({dir.File("face_swapper.onnx")}): input 'source' is missing*input 'target' is missing*output 'swapped' is missing*input 'image'*not in the manifest*");

        catalog.Has(StageNames.FaceDetector).Should().BeFalse();
        var missing = () => catalog.Open(StageNames.FaceDetector);
        missing.Should().Throw<ModelContractException>().WithMessage("*missing file*yunet_n_dynamic.onnx*SWAPTALK_MODELS_DIR*swaptalk models probe*");
    }

    [Fact]
    public void Models_folder_comes_from_the_setting_then_the_environment_then_models()
    {
        ModelCatalog.ResolveDirectory("/data/models", _ => "/env/models").Should().Be("/data/models");
        ModelCatalog.ResolveDirectory(null, v => v == "SWAPTALK_MODELS_DIR" ? "/env/models" : null).Should().Be("/env/models");
        ModelCatalog.ResolveDirectory(null, _ => null).Should().Be(Path.GetFullPath("models"));
    }
}
