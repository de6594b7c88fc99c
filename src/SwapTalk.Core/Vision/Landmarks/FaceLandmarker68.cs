using System.Buffers;
using System.Numerics;
using SwapTalk.Core.Imaging;
using SwapTalk.Core.Inference;

namespace SwapTalk.Core.Vision.Landmarks;

/// <summary>
/// 68 facial landmarks (iBUG-300W order: jaw 0-16, brows 17-26, nose 27-35, eyes 36-47, mouth
/// 48-67) with the Peppa slim regressor: the face box enlarged by 0.2 of its size on every side,
/// clipped to the frame, resized to 160x160, BGR (x - 127) / 127; output values 0..135 are (x, y)
/// pairs as fractions of that crop. The session is the caller's.
/// </summary>
public sealed class FaceLandmarker68
{
    public const int Points = 68;
    public const float CropEnlarge = 0.2f;

    private const string InputName = "input1";
    private const string OutputName = "output1";
    private static readonly PixelNormalization Normalization = new(ColorOrder.Bgr, 1f / 127f, -1f);

    private readonly ModelSession _session;
    private readonly int _size;

    public FaceLandmarker68(ModelSession session)
    {
        _session = session;
        var input = session.Inputs.FirstOrDefault(i => i.Name == InputName);
        var output = session.Outputs.FirstOrDefault(o => o.Name == OutputName);
        if (input is null || input.ElementType != TensorElementType.Float32 || input.Rank != 4
            || !input.Shape[2].IsFixed || input.Shape[2] != input.Shape[3]
            || output is null || output.Rank != 2 || !output.Shape[1].IsFixed || output.Shape[1].Value < 2 * Points)
            throw new ArgumentException(
                $"{session.Name} is not a 68-point landmarker: it needs input '{InputName}' float32 [1,3,S,S] and output '{OutputName}' [1,>=136]; it has {session}",
                nameof(session));
        _size = (int)input.Shape[2].Value;
    }

    /// <summary>The frame region the landmarker sees for a face box.</summary>
    public static RectI CropFor(RectF face, int frameWidth, int frameHeight) =>
        face.Enlarge(CropEnlarge).ToCoveringRect(new RectI(0, 0, frameWidth, frameHeight));

    /// <summary>The 68 points in frame coordinates.</summary>
    public Vector2[] Detect(PixelBuffer frame, RectF face)
    {
        var crop = CropFor(face, frame.Width, frame.Height);
        if (crop.IsEmpty)
            throw new ArgumentOutOfRangeException(nameof(face), $"face box {face} lies outside the {frame.Width}x{frame.Height} frame");
        using var patch = new PixelBuffer(_size, _size, frame.Order, pooled: true);
        Resize.Run(frame, crop, patch, RectI.Of(patch));
        // Called once per frame on the hot path: the input tensor comes from the pool, not the GC heap.
        var length = 3 * _size * _size;
        var tensor = ArrayPool<float>.Shared.Rent(length);
        try
        {
            TensorLayout.ToNchw(patch, tensor, Normalization);
            using var result = _session.Run([TensorInput.Of(InputName, (ReadOnlyMemory<float>)tensor.AsMemory(0, length), 1, 3, _size, _size)], OutputName);
            var values = result[0].GetSpan<float>();
            var points = new Vector2[Points];
            for (var i = 0; i < Points; i++)
                points[i] = new Vector2(crop.X + values[2 * i] * crop.Width, crop.Y + values[2 * i + 1] * crop.Height);
            return points;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(tensor);
        }
    }
}
