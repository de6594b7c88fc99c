using OpenCvSharp;
using SwapTalk.Core.Imaging;
using SwapTalk.Core.Inference;
using SwapTalk.Core.Vision.Detection;

namespace SwapTalk.Core.Evaluation;

/// <summary>
/// Face identity embeddings with MobileFaceNet (an evaluation model only: it never touches the output).
/// The face is aligned by a similarity transform of YuNet's five keypoints onto the ArcFace 112x112
/// template, fed as RGB (x - 127.5) / 127.5; the 128 outputs are L2-normalised, so the dot product of two
/// embeddings is their cosine. Measured with this model: one person in two photos about 0.74, different
/// people about 0. The session is the caller's.
/// </summary>
public sealed class IdentityEmbedder
{
    public const int Size = 112;
    private const string InputName = "input";
    private const string OutputName = "output";

    /// <summary>The ArcFace template in YuNet's keypoint order: right eye, left eye, nose tip, right and left mouth corner.</summary>
    private static readonly Point2f[] Template =
        [new(38.2946f, 51.6963f), new(73.5318f, 51.5014f), new(56.0252f, 71.7366f), new(41.5493f, 92.3655f), new(70.7299f, 92.2041f)];

    private readonly ModelSession _session;
    private readonly int _dimensions;

    public IdentityEmbedder(ModelSession session)
    {
        _session = session;
        var input = session.Inputs.FirstOrDefault(i => i.Name == InputName);
        var output = session.Outputs.FirstOrDefault(o => o.Name == OutputName);
        if (input is null || input.ElementType != TensorElementType.Float32 || input.Rank != 4
            || !input.Shape[2].IsFixed || input.Shape[2].Value != Size || !input.Shape[3].IsFixed || input.Shape[3].Value != Size
            || output is null || output.Rank != 2 || !output.Shape[1].IsFixed)
            throw new ArgumentException(
                $"{session.Name} is not a face-identity model: it needs input '{InputName}' float32 [1,3,{Size},{Size}] and output '{OutputName}' [1,D]; it has {session}",
                nameof(session));
        _dimensions = (int)output.Shape[1].Value;
    }

    /// <summary>The unit-length embedding of <paramref name="face"/> in a BGR <paramref name="frame"/>.</summary>
    public float[] Embed(PixelBuffer frame, FaceDetection face)
    {
        using var aligned = Align(frame, face);
        var tensor = new float[3 * Size * Size];
        TensorLayout.ToNchw(aligned, tensor, PixelNormalization.MinusOneToOne(ColorOrder.Rgb));
        using var result = _session.Run([TensorInput.Of(InputName, tensor, 1, 3, Size, Size)], OutputName);
        var values = result[0].GetSpan<float>();
        if (values.Length != _dimensions)
            throw new InvalidDataException($"{_session.Name}: output '{OutputName}' has {values.Length} values, expected {_dimensions}");
        var embedding = values.ToArray();
        var norm = MathF.Sqrt(embedding.Sum(v => v * v));
        if (norm > 0) for (var i = 0; i < embedding.Length; i++) embedding[i] /= norm;
        return embedding;
    }

    /// <summary>The 112x112 aligned crop (same channel order as the frame).</summary>
    public static PixelBuffer Align(PixelBuffer frame, FaceDetection face)
    {
        var points = face.Keypoints.Select(p => new Point2f(p.X, p.Y)).ToArray();
        // A threshold larger than any frame keeps all five points as inliers, so the estimate is the
        // least-squares similarity over all of them (RANSAC's refinement step), as the template intends.
        using var transform = Cv2.EstimateAffinePartial2D(InputArray.Create(points), InputArray.Create(Template),
            null, RobustEstimationAlgorithms.RANSAC, 1e6, 2000, 0.99, 10);
        if (transform is null || transform.Empty())
            throw new InvalidOperationException($"no similarity transform maps the keypoints {string.Join(" ", points)} onto the identity template");
        var aligned = new PixelBuffer(Size, Size, frame.Order);
        using var source = frame.AsMat();
        using var target = aligned.AsMat();
        Cv2.WarpAffine(source, target, transform, new Size(Size, Size), InterpolationFlags.Linear, BorderTypes.Constant, Scalar.All(0));
        return aligned;
    }

    /// <summary>Cosine of two unit-length embeddings.</summary>
    public static double Cosine(float[] a, float[] b)
    {
        double dot = 0;
        for (var i = 0; i < a.Length; i++) dot += a[i] * b[i];
        return dot;
    }
}
