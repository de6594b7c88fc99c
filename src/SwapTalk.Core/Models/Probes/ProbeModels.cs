using SwapTalk.Core.Inference;
using SwapTalk.Core.Models.Onnx;

namespace SwapTalk.Core.Models.Probes;

/// <summary>What happened to one probe file.</summary>
public enum ProbeWriteOutcome
{
    Written,
    ReplacedProbe,
    ReplacedModelForced,
    RefusedExistingModel,
}

public sealed record ProbeWriteResult(string Stage, string Path, ProbeWriteOutcome Outcome);

/// <summary>
/// Contract-exact ONNX models with simple, known maths (<see cref="ProbeMaths"/>), so tests can
/// watch data flow through the whole pipeline without trained SwapTalk weights (not public).
/// Each file carries metadata_props <c>swaptalk.probe = true</c>, which is how a probe is told
/// apart from a trained model that must not be overwritten.
/// </summary>
public static class ProbeModels
{
    public const string ProbeKey = "swaptalk.probe";
    public const string StageKey = "swaptalk.stage";

    public static IReadOnlyList<string> Stages { get; } =
        [StageNames.VqEncoder, StageNames.FaceSwapper, StageNames.LipSyncer, StageNames.AudioEncoder, StageNames.VqDecoder];

    /// <summary>The ONNX bytes of one stage's probe model.</summary>
    public static byte[] Build(string stage) => stage switch
    {
        StageNames.VqEncoder => VqEncoder(),
        StageNames.VqDecoder => VqDecoder(),
        StageNames.FaceSwapper => FaceSwapper(),
        StageNames.AudioEncoder => AudioEncoder(),
        StageNames.LipSyncer => LipSyncer(),
        _ => throw new ArgumentException($"no probe model for stage '{stage}' (probes: {string.Join(", ", Stages)})", nameof(stage)),
    };

    /// <summary>
    /// Writes every probe into <paramref name="directory"/> under the manifest's file names, each
    /// atomically. An existing file that is not a probe is left alone unless <paramref name="force"/>.
    /// </summary>
    public static IReadOnlyList<ProbeWriteResult> WriteAll(string directory, ModelManifest manifest, bool force)
    {
        Directory.CreateDirectory(directory);
        var results = new List<ProbeWriteResult>();
        foreach (var stage in Stages)
        {
            var path = Path.Combine(directory, manifest.Model(stage).File);
            var outcome = ProbeWriteOutcome.Written;
            if (File.Exists(path))
            {
                if (IsProbe(path)) outcome = ProbeWriteOutcome.ReplacedProbe;
                else if (force) outcome = ProbeWriteOutcome.ReplacedModelForced;
                else
                {
                    results.Add(new ProbeWriteResult(stage, path, ProbeWriteOutcome.RefusedExistingModel));
                    continue;
                }
            }
            WriteAtomically(path, Build(stage));
            results.Add(new ProbeWriteResult(stage, path, outcome));
        }
        return results;
    }

    internal static void WriteAtomically(string path, byte[] bytes)
    {
        var temp = path + $".{Environment.ProcessId}.partial";
        try
        {
            File.WriteAllBytes(temp, bytes);
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>True when the file's metadata_props say it is a probe model.</summary>
    public static bool IsProbe(string path) =>
        OnnxMetadataReader.TryRead(path, out var metadata) && metadata.TryGetValue(ProbeKey, out var v) && v == "true";

    private static Dictionary<string, string> Metadata(string stage) => new() { [ProbeKey] = "true", [StageKey] = stage };

    private static byte[] VqEncoder()
    {
        var g = new OnnxGraphBuilder("probe_vq_encoder")
            .Input("image", TensorElementType.Float32, "N,3,512,512")
            .Output("latent", TensorElementType.Float32, "N,256,32,32");
        var w = g.Initializer("basis", ProbeMaths.Basis, ProbeMaths.Channels, 3, ProbeMaths.Cell, ProbeMaths.Cell);
        g.Node("Conv", ["image", w], "latent",
            OnnxGraphBuilder.Ints("kernel_shape", ProbeMaths.Cell, ProbeMaths.Cell), OnnxGraphBuilder.Ints("strides", ProbeMaths.Cell, ProbeMaths.Cell));
        return g.ToBytes(Metadata(StageNames.VqEncoder),
            "Probe VQ encoder: each 16x16 RGB cell projected on 256 orthonormal colour x DCT patterns (no quantisation).");
    }

    private static byte[] VqDecoder()
    {
        var g = new OnnxGraphBuilder("probe_vq_decoder")
            .Input("latent", TensorElementType.Float32, "N,256,32,32")
            .Output("image", TensorElementType.Float32, "N,3,512,512");
        // ConvTranspose's weight is [C_in, C_out, kH, kW]: the encoder's weight, read as its transpose.
        var w = g.Initializer("basis", ProbeMaths.Basis, ProbeMaths.Channels, 3, ProbeMaths.Cell, ProbeMaths.Cell);
        g.Node("ConvTranspose", ["latent", w], "image",
            OnnxGraphBuilder.Ints("kernel_shape", ProbeMaths.Cell, ProbeMaths.Cell), OnnxGraphBuilder.Ints("strides", ProbeMaths.Cell, ProbeMaths.Cell));
        return g.ToBytes(Metadata(StageNames.VqDecoder), "Probe VQ decoder: the transpose of the probe encoder.");
    }

    private static byte[] FaceSwapper()
    {
        var g = new OnnxGraphBuilder("probe_face_swapper")
            .Input("source", TensorElementType.Float32, "N,256,32,32")
            .Input("target", TensorElementType.Float32, "N,256,32,32")
            .Output("swapped", TensorElementType.Float32, "N,256,32,32");
        var mask = new float[ProbeMaths.Channels];
        foreach (var k in ProbeMaths.MeanColourChannels) mask[k] = 1;
        var m = g.Initializer("mean_colour_mask", mask, 1, ProbeMaths.Channels, 1, 1);
        var sourceMean = g.Node("ReduceMean", ["source"], null, OnnxGraphBuilder.Ints("axes", 2, 3), OnnxGraphBuilder.Int("keepdims", 1));
        var targetMean = g.Node("ReduceMean", ["target"], null, OnnxGraphBuilder.Ints("axes", 2, 3), OnnxGraphBuilder.Int("keepdims", 1));
        var shift = g.Node("Mul", [g.Node("Sub", [sourceMean, targetMean]), m]);
        g.Node("Add", ["target", shift], "swapped");
        return g.ToBytes(Metadata(StageNames.FaceSwapper),
            "Probe face swapper: the target latent with its mean-colour channels shifted to the source's grid mean.");
    }

    private static byte[] AudioEncoder()
    {
        var g = new OnnxGraphBuilder("probe_audio_encoder")
            .Input("waveform", TensorElementType.Float32, "1,samples")
            .Output("features", TensorElementType.Float32, "1,frames,768");
        var samples = g.Node("Gather", [g.Node("Shape", ["waveform"]), g.Int64Scalar(1)], null, OnnxGraphBuilder.Int("axis", 0));
        var frames = g.Node("Div", [samples, g.Int64Scalar(ProbeMaths.Hop)]);
        var used = g.Node("Mul", [frames, g.Int64Scalar(ProbeMaths.Hop)]);
        var end = g.Node("Unsqueeze", [used, g.Int64s(0)]);
        var trimmed = g.Node("Slice", ["waveform", g.Int64s(0), end, g.Int64s(1)]);
        // An explicit [1, T, 320] (not -1) so a clip shorter than one hop gives T = 0 cleanly.
        var shape = g.Node("Concat", [g.Int64s(1), g.Node("Unsqueeze", [frames, g.Int64s(0)]), g.Int64s(ProbeMaths.Hop)], null, OnnxGraphBuilder.Int("axis", 0));
        var hops = g.Node("Reshape", [trimmed, shape]);
        var energy = g.Node("ReduceMean", [g.Node("Mul", [hops, hops])], null, OnnxGraphBuilder.Ints("axes", 2), OnnxGraphBuilder.Int("keepdims", 1));
        var ones = g.Initializer("feature_ones", Enumerable.Repeat(1f, ProbeMaths.FeatureDim).ToArray(), ProbeMaths.FeatureDim);
        g.Node("Mul", [energy, ones], "features");
        return g.ToBytes(Metadata(StageNames.AudioEncoder),
            "Probe audio encoder: per 20 ms hop (320 samples at 16 kHz) the mean square of the waveform, repeated over 768 channels.");
    }

    private static byte[] LipSyncer()
    {
        var g = new OnnxGraphBuilder("probe_lip_syncer")
            .Input("target", TensorElementType.Float32, "N,256,32,32")
            .Input("reference", TensorElementType.Float32, "N,256,32,32")
            .Input("audio", TensorElementType.Float32, $"N,{ProbeMaths.Window},{ProbeMaths.FeatureDim}")
            .Output("lower", TensorElementType.Float32, "N,256,16,32");
        var centre = g.Node("Gather", ["audio", g.Int64Scalar(ProbeMaths.WindowCenter)], null, OnnxGraphBuilder.Int("axis", 1));
        var energy = g.Node("ReduceMean", [centre], null, OnnxGraphBuilder.Ints("axes", 1), OnnxGraphBuilder.Int("keepdims", 1));
        var perFrame = g.Node("Unsqueeze", [energy, g.Int64s(2, 3)]);
        var gain = new float[ProbeMaths.Channels];
        gain[0] = ProbeMaths.LumaDcPerEnergy;
        var term = g.Node("Mul", [perFrame, g.Initializer("luma_gain", gain, 1, ProbeMaths.Channels, 1, 1)]);
        var lowerTarget = g.Node("Slice", ["target", g.Int64s(ProbeMaths.Grid / 2), g.Int64s(ProbeMaths.Grid), g.Int64s(2)]);
        g.Node("Add", [lowerTarget, term], "lower");
        return g.ToBytes(Metadata(StageNames.LipSyncer),
            "Probe lip syncer: the target's lower half, its mean luma raised in proportion to the energy of the frame's own audio feature. The reference input is accepted and unused.");
    }

    /// <summary>A tiny model (y = x * 2 + 1 over float32 [1,16]) for measuring the binding's per-run overhead.</summary>
    public static byte[] Tiny()
    {
        var g = new OnnxGraphBuilder("tiny")
            .Input("x", TensorElementType.Float32, "1,16")
            .Output("y", TensorElementType.Float32, "1,16");
        var two = g.Initializer("two", [2f], 1);
        var one = g.Initializer("one", [1f], 1);
        g.Node("Add", [g.Node("Mul", ["x", two]), one], "y");
        return g.ToBytes(new Dictionary<string, string> { [ProbeKey] = "true", [StageKey] = "tiny" }, "y = 2x + 1");
    }
}
