using SwapTalk.Core.Imaging;
using SwapTalk.Core.Inference;
using SwapTalk.Core.Models;
using SwapTalk.Core.Models.Probes;
using SwapTalk.Tests.Inference;
using SwapTalk.Tests.Support;

namespace SwapTalk.Tests.Models;

/// <summary>Each probe model, run by ONNX Runtime, against the same maths in C# (<see cref="ProbeMaths"/>).</summary>
public class ProbeModelTests
{
    private const int ImageValues = 3 * 512 * 512;
    private const int LatentValues = 256 * 32 * 32;

    private static OrtRuntime Runtime => OrtRuntimeFixture.Runtime;

    private static ModelSession Open(string stage) => Runtime.OpenSession(ProbeModels.Build(stage), stage);

    private static float[] Random(int count, int seed, float scale = 1)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)(rng.NextDouble() * 2 - 1) * scale).ToArray();
    }

    private static float[] RunOne(ModelSession session, params TensorInput[] inputs)
    {
        using var result = session.Run(inputs);
        return result[0].ToArray<float>();
    }

    private static float MaxAbsDiff(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        a.Length.Should().Be(b.Length);
        var max = 0f;
        for (var i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs(a[i] - b[i]));
        return max;
    }

    [Fact]
    public void Basis_rows_are_orthonormal()
    {
        var b = ProbeMaths.Basis.ToArray();
        const int n = ProbeMaths.CellValues;
        var worst = 0.0;
        for (var i = 0; i < ProbeMaths.Channels; i++)
        for (var j = i; j < ProbeMaths.Channels; j++)
        {
            double dot = 0;
            for (var e = 0; e < n; e++) dot += b[i * n + e] * b[j * n + e];
            worst = Math.Max(worst, Math.Abs(dot - (i == j ? 1 : 0)));
        }
        worst.Should().BeLessThan(1e-5);
    }

    [Fact]
    public void Encoder_matches_the_csharp_projection_for_a_batch()
    {
        using var session = Open(StageNames.VqEncoder);
        var image = Random(2 * ImageValues, seed: 1);
        var onnx = RunOne(session, TensorInput.Of("image", image, 2, 3, 512, 512));
        MaxAbsDiff(onnx, ProbeMaths.Encode(image)).Should().BeLessThan(1e-3f);
    }

    [Fact]
    public void Decoder_matches_the_csharp_transpose()
    {
        using var session = Open(StageNames.VqDecoder);
        var latent = Random(LatentValues, seed: 2, scale: 4);
        var onnx = RunOne(session, TensorInput.Of("latent", latent, 1, 256, 32, 32));
        MaxAbsDiff(onnx, ProbeMaths.Decode(latent)).Should().BeLessThan(1e-4f);
    }

    [Fact]
    public void Encode_then_decode_keeps_the_astronaut_above_28_dB()
    {
        using var face = ImageFile.Read(SharedData.Face);
        var norm = ModelManifest.Default.Model(StageNames.VqEncoder).Input("image").Pixels!.Normalization;
        var tensor = new float[ImageValues];
        TensorLayout.ToNchw(face, tensor, norm);
        using var encoder = Open(StageNames.VqEncoder);
        using var decoder = Open(StageNames.VqDecoder);
        var latent = RunOne(encoder, TensorInput.Of("image", tensor, 1, 3, 512, 512));
        var decoded = RunOne(decoder, TensorInput.Of("latent", latent, 1, 256, 32, 32));
        using var back = new PixelBuffer(512, 512);
        TensorLayout.FromNchw(decoded, back, norm);

        var psnr = Psnr(face.Pixels, back.Pixels);
        TestContext.Current.TestOutputHelper?.WriteLine($"astronaut round trip: {psnr:0.00} dB");
        psnr.Should().BeGreaterThanOrEqualTo(28);
        psnr.Should().BeLessThan(60, "the probe is a low-pass, not an identity");
    }

    [Fact]
    public void Swapper_matches_csharp_and_moves_the_mean_colour_to_the_source()
    {
        using var session = Open(StageNames.FaceSwapper);
        var source = Random(LatentValues, seed: 3, scale: 2);
        var target = Random(LatentValues, seed: 4, scale: 2);
        var onnx = RunOne(session, TensorInput.Of("source", source, 1, 256, 32, 32), TensorInput.Of("target", target, 1, 256, 32, 32));
        MaxAbsDiff(onnx, ProbeMaths.Swap(source, target)).Should().BeLessThan(1e-4f);

        // Seen in pixels: a red-shifted source portrait makes the decoded swap redder by the same amount.
        var targetImage = Random(ImageValues, seed: 5, scale: 0.5f);
        var sourceImage = Random(ImageValues, seed: 6, scale: 0.5f);
        for (var i = 0; i < 512 * 512; i++) sourceImage[i] += 0.3f; // red plane
        var swapped = ProbeMaths.Decode(ProbeMaths.Swap(ProbeMaths.Encode(sourceImage), ProbeMaths.Encode(targetImage)));
        var plane = 512 * 512;
        for (var c = 0; c < 3; c++)
            Mean(swapped.AsSpan(c * plane, plane)).Should().BeApproximately(Mean(sourceImage.AsSpan(c * plane, plane)), 1e-3f, $"channel {c}");
    }

    [Fact]
    public void Audio_encoder_matches_csharp_frame_energies_at_50_hz()
    {
        using var session = Open(StageNames.AudioEncoder);
        const int samples = 16000 + 123; // not a whole number of hops: T = floor(S / 320) = 50
        var wave = new float[samples];
        for (var i = 0; i < samples; i++) wave[i] = 0.5f * MathF.Sin(2 * MathF.PI * 440 * i / 16000f) * (i < 8000 ? 1 : 0.25f);
        using var result = session.Run([TensorInput.Of("waveform", wave, 1, samples)]);
        result[0].Shape.Should().Equal(1, 50, 768);
        var features = result[0].GetSpan<float>();
        MaxAbsDiff(features, ProbeMaths.AudioFeatures(wave)).Should().BeLessThan(1e-5f);
        features[10 * 768].Should().BeApproximately(0.125f, 2e-3f);  // A^2 / 2 with A = 0.5
        features[40 * 768].Should().BeApproximately(0.0078125f, 2e-4f); // A = 0.125
    }

    [Fact]
    public void Audio_encoder_gives_zero_frames_for_less_than_one_hop()
    {
        using var session = Open(StageNames.AudioEncoder);
        using var result = session.Run([TensorInput.Of("waveform", new float[100], 1, 100)]);
        result[0].Shape.Should().Equal(1, 0, 768);
    }

    [Fact]
    public void Lip_syncer_matches_csharp_and_answers_only_to_the_centre_feature()
    {
        using var session = Open(StageNames.LipSyncer);
        var target = Random(2 * LatentValues, seed: 7, scale: 2);
        var reference = Random(2 * LatentValues, seed: 8, scale: 2);
        var audio = Random(2 * 10 * 768, seed: 9, scale: 0.1f);
        float[] Sync(float[] a) => RunOne(session, TensorInput.Of("target", target, 2, 256, 32, 32),
            TensorInput.Of("reference", reference, 2, 256, 32, 32), TensorInput.Of("audio", a, 2, 10, 768));
        var lower = Sync(audio);
        lower.Length.Should().Be(2 * 256 * 16 * 32);
        MaxAbsDiff(lower, ProbeMaths.LipSync(target, audio)).Should().BeLessThan(1e-4f);

        // Changing every window position except the centre changes nothing.
        var edited = (float[])audio.Clone();
        for (var b = 0; b < 2; b++)
        for (var w = 0; w < 10; w++)
            if (w != ProbeMaths.WindowCenter) edited.AsSpan((b * 10 + w) * 768, 768).Fill(5f);
        MaxAbsDiff(Sync(edited), lower).Should().Be(0);
    }

    [Fact]
    public void Lip_sync_energy_shows_as_uniform_lower_half_brightness_after_decoding()
    {
        var image = Random(ImageValues, seed: 10, scale: 0.3f);
        var target = ProbeMaths.Encode(image);
        const float energy = 1f / 32; // a sine of amplitude 0.25
        var audio = new float[10 * 768];
        audio.AsSpan(ProbeMaths.WindowCenter * 768, 768).Fill(energy);
        var joined = (float[])target.Clone();
        var lower = ProbeMaths.LipSync(target, audio);
        for (var k = 0; k < 256; k++)
            lower.AsSpan(k * 16 * 32, 16 * 32).CopyTo(joined.AsSpan(k * 1024 + 16 * 32, 16 * 32));
        var before = ProbeMaths.Decode(target);
        var after = ProbeMaths.Decode(joined);
        for (var c = 0; c < 3; c++)
        for (var y = 0; y < 512; y += 7)
        for (var x = 0; x < 512; x += 7)
        {
            var i = (c * 512 + y) * 512 + x;
            (after[i] - before[i]).Should().BeApproximately(y >= 256 ? ProbeMaths.BrightnessGain * energy : 0, 1e-4f);
        }
    }

    [Fact]
    public void Probe_files_carry_the_probe_marker_and_other_files_do_not()
    {
        using var dir = new TempDir();
        var probe = dir.File("p.onnx");
        File.WriteAllBytes(probe, ProbeModels.Build(StageNames.FaceSwapper));
        ProbeModels.IsProbe(probe).Should().BeTrue();
        var plain = dir.File("plain.onnx");
        File.WriteAllBytes(plain, TestModels.Sum());
        ProbeModels.IsProbe(plain).Should().BeFalse();
        var text = dir.File("text.onnx");
        File.WriteAllText(text, "not protobuf at all, just words");
        ProbeModels.IsProbe(text).Should().BeFalse();
        using var session = Runtime.OpenSession(probe);
        session.GetMetadata(ProbeModels.StageKey).Should().Be(StageNames.FaceSwapper);
    }

    [Fact]
    public void Probe_metadata_is_found_after_a_large_graph_without_reading_it()
    {
        // The encoder holds a 786 KB initializer before metadata_props; the reader seeks past it.
        using var dir = new TempDir();
        var path = dir.File("enc.onnx");
        File.WriteAllBytes(path, ProbeModels.Build(StageNames.VqEncoder));
        new FileInfo(path).Length.Should().BeGreaterThan(700_000);
        SwapTalk.Core.Models.Onnx.OnnxMetadataReader.TryRead(path, out var meta).Should().BeTrue();
        meta.Should().Contain(ProbeModels.StageKey, StageNames.VqEncoder);
    }

    [Fact]
    public void WriteAll_writes_every_probe_replaces_probes_and_never_silently_replaces_a_trained_model()
    {
        using var dir = new TempDir();
        var manifest = ModelManifest.Default;
        var first = ProbeModels.WriteAll(dir.Path, manifest, force: false);
        first.Select(r => r.Outcome).Should().AllBeEquivalentTo(ProbeWriteOutcome.Written);
        first.Select(r => Path.GetFileName(r.Path)).Should().BeEquivalentTo(
            "vq_encoder.onnx", "face_swapper.onnx", "lip_syncer.onnx", "audio_encoder.onnx", "vq_decoder.onnx");

        var trained = dir.File("face_swapper.onnx");
        File.WriteAllBytes(trained, TestModels.Sum()); // stands in for a user's trained export
        var second = ProbeModels.WriteAll(dir.Path, manifest, force: false);
        second.Single(r => r.Stage == StageNames.FaceSwapper).Outcome.Should().Be(ProbeWriteOutcome.RefusedExistingModel);
        second.Where(r => r.Stage != StageNames.FaceSwapper).Select(r => r.Outcome).Should().AllBeEquivalentTo(ProbeWriteOutcome.ReplacedProbe);
        File.ReadAllBytes(trained).Should().Equal(TestModels.Sum());

        var forced = ProbeModels.WriteAll(dir.Path, manifest, force: true);
        forced.Single(r => r.Stage == StageNames.FaceSwapper).Outcome.Should().Be(ProbeWriteOutcome.ReplacedModelForced);
        ProbeModels.IsProbe(trained).Should().BeTrue();
        Directory.GetFiles(dir.Path, "*.partial").Should().BeEmpty();
    }

    private static double Psnr(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        double sum = 0;
        for (var i = 0; i < a.Length; i++) { var d = a[i] - b[i]; sum += d * d; }
        var mse = sum / a.Length;
        return 10 * Math.Log10(255.0 * 255.0 / mse);
    }

    private static float Mean(ReadOnlySpan<float> values)
    {
        double s = 0;
        foreach (var v in values) s += v;
        return (float)(s / values.Length);
    }
}
