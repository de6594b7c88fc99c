using System.Text.Json.Nodes;
using SwapTalk.Core.Imaging;
using SwapTalk.Core.Inference;
using SwapTalk.Core.Models;
using SwapTalk.Tests.Support;

namespace SwapTalk.Tests.Models;

public class ModelManifestTests
{
    private static string RepoManifest => Path.Combine(RepoPaths.Root, "models", "manifest.json");

    [Fact]
    public void Built_in_manifest_describes_every_stage_and_the_latent_and_audio_contracts()
    {
        var m = ModelManifest.Default;
        m.Source.Should().Be("built-in");
        m.Models.Select(s => s.Stage).Should().BeEquivalentTo(
            "face_detector", "face_landmarker", "vq_encoder", "face_swapper", "audio_encoder", "lip_syncer", "vq_decoder", "identity_embedder");
        m.Model(StageNames.IdentityEmbedder).Optional.Should().BeTrue();
        m.Models.Where(s => s.Stage != StageNames.IdentityEmbedder).Should().OnlyContain(s => !s.Optional);

        m.Latent.Should().BeEquivalentTo(new { Channels = 256, Height = 32, Width = 32, Downsampling = 16, ImageSize = 512 });
        m.Latent.Upper.Should().Be(new CodebookSpec("upper", 0, 16, 2048, 256));
        m.Latent.Lower.Should().Be(new CodebookSpec("lower", 16, 32, 2048, 256));
        m.AudioFeatures.Should().Be(new AudioFeatureSpec(16000, 50, 320, 768));
        m.LipSyncWindow.Should().Be(new AudioWindow(10, 5, 50, 768));

        var encoder = m.Model(StageNames.VqEncoder);
        encoder.File.Should().Be("vq_encoder.onnx");
        encoder.Input("image").ElementType.Should().Be(TensorElementType.Float32);
        encoder.Input("image").Shape.Should().Equal(new TensorDim(-1, "N"), new TensorDim(3), new TensorDim(512), new TensorDim(512));
        encoder.Input("image").Pixels!.Normalization.Should().Be(PixelNormalization.MinusOneToOne(ColorOrder.Rgb));
        encoder.Input("image").Pixels!.Range.Should().Be((-1f, 1f));
        m.Model(StageNames.VqDecoder).Output("image").Pixels!.Order.Should().Be(ColorOrder.Rgb);
        m.Model(StageNames.LipSyncer).Output("lower").Shape[2].Should().Be(new TensorDim(16));
    }

    [Fact]
    public void Detector_and_landmarker_pixel_conventions_are_the_models_own()
    {
        var m = ModelManifest.Default;
        m.Model(StageNames.FaceDetector).Input("input").Pixels!.Normalization.Should().Be(PixelNormalization.Raw(ColorOrder.Bgr));
        var peppa = m.Model(StageNames.FaceLandmarker).Input("input1").Pixels!.Normalization;
        peppa.Order.Should().Be(ColorOrder.Bgr);
        (127 * peppa.Scale + peppa.Bias).Should().BeApproximately(0, 1e-6f); // (x - 127) / 127
        (254 * peppa.Scale + peppa.Bias).Should().BeApproximately(1, 1e-6f);
        m.Model(StageNames.FaceDetector).Outputs.Select(o => o.Name).Should().BeEquivalentTo(
            "cls_8", "cls_16", "cls_32", "obj_8", "obj_16", "obj_32", "bbox_8", "bbox_16", "bbox_32", "kps_8", "kps_16", "kps_32");
    }

    [Fact]
    public void The_file_in_models_folder_is_the_one_compiled_in()
    {
        var fromDisk = ModelManifest.Load(RepoManifest);
        fromDisk.Source.Should().Be(RepoManifest);
        fromDisk.Models.Select(x => (x.Stage, x.File, x.Inputs.Count, x.Outputs.Count))
            .Should().Equal(ModelManifest.Default.Models.Select(x => (x.Stage, x.File, x.Inputs.Count, x.Outputs.Count)));
    }

    [Fact]
    public void An_unknown_stage_is_named_with_the_known_ones()
    {
        var act = () => ModelManifest.Default.Model("vq_encodr");
        act.Should().Throw<KeyNotFoundException>().WithMessage("manifest built-in: no stage 'vq_encodr' (stages: face_detector, *)");
    }

    public static TheoryData<string, string> Broken => new()
    {
        { """{"schema_version": 1, "models": [ """, "manifest test.json: not valid JSON*" },
        { "schema_version=2", "manifest test.json: schema_version: is 2; this build reads version 1" },
        { "drop=face_swapper", "manifest test.json: models: required stage 'face_swapper' is missing" },
        { "vq_encoder.file=../vq.onnx", "manifest test.json: vq_encoder.file: '../vq.onnx' must be a plain file name ending in .onnx" },
        { "vq_encoder.inputs[0].dtype=float31", "manifest test.json: vq_encoder.inputs[0](image).dtype: 'float31' is not an element type*" },
        { "vq_encoder.inputs[0].pixels.range=[0,1]", "manifest test.json: vq_encoder.inputs[0](image).pixels.range: [0, 1] disagrees with mean 127.5 / std 127.5, which map 0..255 to [-1, 1]" },
        { "vq_encoder.inputs[0].pixels.order=rbg", "manifest test.json: vq_encoder.inputs[0](image).pixels.order: 'rbg' is not rgb or bgr" },
        { "vq_encoder.metadata.grid=[32,16]", "manifest test.json: vq_encoder.metadata: grid 32x16 x downsampling 16 is not image_size 512" },
        { "vq_encoder.metadata.codebooks[1].rows=[20,32]", "manifest test.json: vq_encoder.metadata.codebooks: rows must tile 0..32 without gaps or overlaps ('lower' has [20, 32))" },
        { "lip_syncer.metadata.window_center=10", "manifest test.json: lip_syncer.metadata: window_center 10 must lie inside the window of 10" },
        { "lip_syncer.metadata.window=12", "manifest test.json: lip_syncer.audio: shape [N,10,768] does not fit [*,12,768] from the latent/audio metadata" },
        { "audio_encoder.metadata.hop=160", "manifest test.json: audio_encoder.metadata: sample_rate 16000 / hop 160 is not feature_rate 50" },
        { "face_swapper.outputs[0].shape=[\"N\",256,16,32]", "manifest test.json: face_swapper.swapped: shape [N,256,16,32] does not fit [*,256,32,32] from the latent/audio metadata" },
        { "vq_decoder.inputs[0].shape=[\"N\",-3]", "manifest test.json: vq_decoder.inputs[0](latent).shape: -3 is neither a size nor a dimension name" },
    };

    [Theory]
    [MemberData(nameof(Broken))]
    public void A_broken_manifest_is_rejected_naming_the_field(string edit, string message)
    {
        var json = edit.StartsWith('{') ? edit : Edit(File.ReadAllText(RepoManifest), edit);
        var act = () => ModelManifest.Parse(json, "test.json");
        act.Should().Throw<InvalidDataException>().WithMessage(message);
    }

    /// <summary>Applies "stage.path=json" (or "drop=stage", "schema_version=n") to the manifest text.</summary>
    private static string Edit(string json, string edit)
    {
        var root = JsonNode.Parse(json)!.AsObject();
        var (path, value) = (edit[..edit.IndexOf('=')], edit[(edit.IndexOf('=') + 1)..]);
        var models = root["models"]!.AsArray();
        if (path == "drop") { models.Remove(models.First(m => (string)m!["stage"]! == value)); return root.ToJsonString(); }
        if (path == "schema_version") { root["schema_version"] = int.Parse(value); return root.ToJsonString(); }
        var parts = path.Split('.');
        JsonNode node = models.First(m => (string)m!["stage"]! == parts[0])!;
        for (var i = 1; i < parts.Length - 1; i++) node = Step(node, parts[i]);
        var last = parts[^1];
        var parsed = value.StartsWith('[') || char.IsDigit(value[0]) || value[0] == '-' ? JsonNode.Parse(value) : JsonValue.Create(value);
        if (last.EndsWith(']')) throw new NotSupportedException(last);
        node[last] = parsed;
        return root.ToJsonString();
    }

    private static JsonNode Step(JsonNode node, string part)
    {
        var bracket = part.IndexOf('[');
        if (bracket < 0) return node[part]!;
        var index = int.Parse(part[(bracket + 1)..^1]);
        return node[part[..bracket]]![index]!;
    }
}
