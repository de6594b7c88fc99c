using OpenCvSharp;
using SwapTalk.Core.Inference;
using SwapTalk.Core.Models;

namespace SwapTalk.Core.Engines.Geometric;

/// <summary>
/// Skin / clothes / hair segmentation (PAN on MobileNetV3-small, <see cref="FileName"/>, MIT) in ONNX Runtime: input
/// [1,3,512,512] RGB normalised with ImageNet's mean and deviation, output [1,3,512,512] sigmoid probabilities
/// (skin, clothes, hair). The geometric engine runs it once per job on the portrait (<see cref="PortraitKeep"/>): the
/// portrait's hair above its brows is left out of the face, so a fringe is not pasted onto the target's forehead.
/// </summary>
public sealed class FaceSegmentation : IDisposable
{
    public const string FileName = "skin_clothes_hair_pan_mnv3s.onnx";

    /// <summary>Names the model file explicitly (else MODELS/masks/ or MODELS/).</summary>
    public const string PathVariable = "SWAPTALK_SEGMENTATION_MODEL";

    /// <summary>The model's fixed input side.</summary>
    public const int Side = 512;

    private const int SkinChannel = 0;
    private const int ClothesChannel = 1;
    private const int HairChannel = 2;
    private static readonly float[] Mean = [0.485f, 0.456f, 0.406f];
    private static readonly float[] Deviation = [0.229f, 0.224f, 0.225f];

    private readonly ModelSession _session;
    private readonly string _input;
    private readonly string _output;

    private FaceSegmentation(ModelSession session)
    {
        _session = session;
        if (session.Inputs.Count != 1 || session.Outputs.Count != 1)
            throw new InvalidDataException($"'{session.Name}' is not the segmentation model: it has {session.Inputs.Count} inputs and {session.Outputs.Count} outputs, expected 1 and 1");
        _input = session.Inputs[0].Name;
        _output = session.Outputs[0].Name;
    }

    /// <summary>The model file: $SWAPTALK_SEGMENTATION_MODEL, else MODELS/masks/, else MODELS/; null when none exists.</summary>
    public static string? Locate(string modelsDir, Func<string, string?>? environment = null)
    {
        var named = (environment ?? Environment.GetEnvironmentVariable)(PathVariable);
        if (!string.IsNullOrEmpty(named)) return named; // named explicitly: a missing file is an error, reported by Open
        foreach (var candidate in new[] { Path.Combine(modelsDir, "masks", FileName), Path.Combine(modelsDir, FileName) })
            if (File.Exists(candidate)) return Path.GetFullPath(candidate);
        return null;
    }

    /// <summary>The model <see cref="Locate"/> finds, opened; null when there is none (the portrait's hair is then not masked).</summary>
    /// <exception cref="Jobs.BadInputException">$SWAPTALK_SEGMENTATION_MODEL names a file that is missing or not this model.</exception>
    public static FaceSegmentation? Open(ModelCatalog catalog)
    {
        var path = Locate(catalog.Directory);
        return path is null ? null : Open(catalog.Runtime, path, catalog.Settings);
    }

    /// <summary>The model at <paramref name="path"/>.</summary>
    /// <exception cref="Jobs.BadInputException">The file is missing or not this model.</exception>
    public static FaceSegmentation Open(OrtRuntime runtime, string path, SessionSettings? settings = null)
    {
        ModelSession? session = null;
        try
        {
            session = runtime.OpenSession(path, settings, "segmentation");
            return new FaceSegmentation(session);
        }
        catch (Exception e) when (e is OrtException or InvalidDataException)
        {
            session?.Dispose();
            throw new Jobs.BadInputException("segmentation", $"the segmentation model '{path}' ({PathVariable}) cannot be used: {e.Message}");
        }
    }

    /// <summary>
    /// The skin, clothes and hair probabilities (8-bit each, 255 = certain) of a BGR image, at the image's size. The
    /// image is scaled (aspect kept, padded with the normalised mean, i.e. zeros) into the model's square input.
    /// </summary>
    public (Mat Skin, Mat Clothes, Mat Hair) Classes(Mat bgr)
    {
        var factor = (double)Side / Math.Max(bgr.Cols, bgr.Rows);
        var w = Math.Clamp((int)Math.Round(bgr.Cols * factor), 1, Side);
        var h = Math.Clamp((int)Math.Round(bgr.Rows * factor), 1, Side);
        using var small = new Mat();
        Cv2.Resize(bgr, small, new Size(w, h), 0, 0, InterpolationFlags.Area);
        var input = new float[3 * Side * Side];
        var plane = Side * Side;
        var pixels = new byte[w * h * 3];
        using (var packed = small.IsContinuous() ? small : small.Clone())
            System.Runtime.InteropServices.Marshal.Copy(packed.Data, pixels, 0, pixels.Length);
        for (var y = 0; y < h; y++)
            for (var x = 0; x < w; x++)
                for (var c = 0; c < 3; c++)
                {
                    var v = pixels[3 * (y * w + x) + (2 - c)] / 255f; // BGR in, RGB planes out
                    input[c * plane + y * Side + x] = (v - Mean[c]) / Deviation[c];
                }
        using var result = _session.Run([TensorInput.Of(_input, input, 1, 3, Side, Side)], _output);
        var probabilities = result[0].GetSpan<float>();
        if (probabilities.Length < 3 * plane)
            throw new InvalidDataException($"'{_session.Name}' returned {probabilities.Length} values, expected {3 * plane}");
        var maps = new Mat[3];
        for (var k = 0; k < 3; k++)
        {
            var map = new byte[w * h];
            var offset = k * plane;
            for (var y = 0; y < h; y++)
                for (var x = 0; x < w; x++)
                    map[y * w + x] = (byte)Math.Clamp((int)Math.Round(255 * probabilities[offset + y * Side + x]), 0, 255);
            using var smallMap = Mat.FromPixelData(h, w, MatType.CV_8UC1, map);
            maps[k] = new Mat();
            Cv2.Resize(smallMap, maps[k], bgr.Size(), 0, 0, InterpolationFlags.Linear);
        }
        return (maps[SkinChannel], maps[ClothesChannel], maps[HairChannel]);
    }

    /// <summary>
    /// Where the hair rule starts: this share of the eye distance above the brows' mean line (the middle of a brow's
    /// arch sits about 0.05 above it, and the model calls dark brows hair: luciano.png's did at 0.5 of the way from the
    /// eyes to the brows). Hair below it (brows, a beard, a moustache, sideburns) is part of the portrait's identity.
    /// </summary>
    public const float HairAboveBrows = 0.2f;

    /// <summary>
    /// The portrait's keep mask (8-bit, 255 = the portrait's own face shows, 0 = the target shows): 255 minus the hair
    /// probability above <see cref="HairAboveBrows"/> (fading in over 10% of the eye distance), the hair grown by 3% of
    /// the eye distance (a fringe's wisps) and the mask softened by 2%. The portrait's fringe is then not pasted onto the
    /// target's forehead. (A rule for background or a collar inside the outline of a turned head was tried and found
    /// nothing to remove on the five shared photos, so it is not kept.)
    /// </summary>
    public byte[] PortraitKeep(Mat portrait, ReadOnlySpan<System.Numerics.Vector2> landmarks)
    {
        var (skin, clothes, hair) = Classes(portrait);
        skin.Dispose();
        clothes.Dispose();
        using var _ = hair;
        var eyes = FaceGeometry.EyeDistance(landmarks);
        var grow = Math.Max(1, (int)Math.Round(0.03 * eyes));
        using (var kernel = Cv2.GetStructuringElement(MorphShapes.Ellipse, new Size(2 * grow + 1, 2 * grow + 1)))
            Cv2.Dilate(hair, hair, kernel);
        var down = FaceGeometry.Down(landmarks);
        var start = System.Numerics.Vector2.Dot(FaceGeometry.Mean(landmarks, 17, 10), down) - HairAboveBrows * eyes;
        var ramp = Math.Max(1f, 0.1f * eyes);
        int w = portrait.Cols, h = portrait.Rows;
        var probability = new byte[w * h];
        System.Runtime.InteropServices.Marshal.Copy(hair.Data, probability, 0, probability.Length);
        var keep = new byte[w * h];
        for (var y = 0; y < h; y++)
            for (var x = 0; x < w; x++)
            {
                // 1 above the start line, fading to 0 over `ramp` pixels below it.
                var above = Math.Clamp((start - (x * down.X + y * down.Y)) / ramp + 0.5f, 0f, 1f);
                keep[y * w + x] = (byte)Math.Round(255 - above * probability[y * w + x]);
            }
        using var soft = Mat.FromPixelData(h, w, MatType.CV_8UC1, keep);
        Cv2.GaussianBlur(soft, soft, new Size(0, 0), Math.Max(0.8, 0.02 * eyes));
        return keep;
    }

    public void Dispose() => _session.Dispose();
}
