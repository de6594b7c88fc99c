using System.Numerics;
using SwapTalk.Core.Imaging;
using SwapTalk.Core.Inference;

namespace SwapTalk.Core.Vision.Detection;

/// <summary>
/// One detected face in frame coordinates. <see cref="Keypoints"/> holds five points in YuNet's
/// order: right eye, left eye, nose tip, right mouth corner, left mouth corner (the subject's
/// right, which is on the image's left).
/// </summary>
public sealed record FaceDetection(RectF Box, float Score, Vector2[] Keypoints)
{
    public Vector2 RightEye => Keypoints[0];
    public Vector2 LeftEye => Keypoints[1];
    public Vector2 NoseTip => Keypoints[2];
    public Vector2 RightMouthCorner => Keypoints[3];
    public Vector2 LeftMouthCorner => Keypoints[4];
}

public sealed record YuNetOptions
{
    /// <summary>Minimum cls x obj score. This network's scores top out near 0.9 for clear faces.</summary>
    public float ScoreThreshold { get; init; } = 0.6f;

    /// <summary>Boxes overlapping a better one by more than this IoU are dropped.</summary>
    public float NmsThreshold { get; init; } = 0.3f;

    /// <summary>Most faces kept per frame, best first.</summary>
    public int TopK { get; init; } = 50;

    /// <summary>For models with a free input size: frames are shrunk so their longer side is at most this (never enlarged).</summary>
    public int MaxSide { get; init; } = 640;

    /// <summary>Frames per run for models with a free batch dimension.</summary>
    public int MaxBatch { get; init; } = 8;
}

/// <summary>
/// Face detection with YuNet (libfacedetection.train's ONNX export, fixed 640x640 or dynamic).
/// Frames are scaled (aspect kept) into the top-left of the model input, padded with black to a
/// multiple of 32, fed as BGR 0..255 NCHW; the twelve outputs are read by name, decoded per stride
/// (score = cls x obj, boxes and keypoints relative to anchor centres), thresholded, suppressed with
/// NMS and mapped back to frame coordinates. The session is the caller's: this class does not own it.
/// </summary>
public sealed class YuNetDetector
{
    private static readonly int[] Strides = [8, 16, 32];
    private static readonly string[] OutputNames =
        [.. Strides.Select(s => $"cls_{s}"), .. Strides.Select(s => $"obj_{s}"), .. Strides.Select(s => $"bbox_{s}"), .. Strides.Select(s => $"kps_{s}")];

    private static readonly PixelNormalization Normalization = PixelNormalization.Raw(ColorOrder.Bgr);
    private const string InputName = "input";
    private const int Multiple = 32;

    private readonly ModelSession _session;
    private readonly YuNetOptions _options;
    private readonly int? _fixedWidth;
    private readonly int? _fixedHeight;
    private readonly bool _batchable;

    public YuNetDetector(ModelSession session, YuNetOptions? options = null)
    {
        _session = session;
        _options = options ?? new YuNetOptions();
        var input = session.Inputs.FirstOrDefault(i => i.Name == InputName);
        var missing = OutputNames.Where(n => session.Outputs.All(o => o.Name != n)).ToList();
        if (input is null || input.ElementType != TensorElementType.Float32 || input.Rank != 4 || missing.Count > 0)
            throw new ArgumentException(
                $"{session.Name} is not a YuNet detector: it needs input 'input' float32 [N,3,H,W] and outputs {string.Join(", ", OutputNames)}"
                + (missing.Count > 0 ? $" (missing: {string.Join(", ", missing)})" : "") + $"; it has {session}", nameof(session));
        _fixedHeight = input.Shape[2].IsFixed ? (int)input.Shape[2].Value : null;
        _fixedWidth = input.Shape[3].IsFixed ? (int)input.Shape[3].Value : null;
        _batchable = !input.Shape[0].IsFixed || input.Shape[0].Value > 1;
        if (_fixedWidth is { } w && w % Multiple != 0 || _fixedHeight is { } h && h % Multiple != 0)
            throw new ArgumentException($"{session.Name}: input size {_fixedWidth}x{_fixedHeight} is not a multiple of {Multiple}", nameof(session));
    }

    /// <summary>The model input size and the frame scale used for a frame of the given size.</summary>
    public (int Width, int Height, float Scale) InputGeometry(int frameWidth, int frameHeight)
    {
        if (_fixedWidth is { } fw && _fixedHeight is { } fh)
            return (fw, fh, Math.Min((float)fw / frameWidth, (float)fh / frameHeight));
        var scale = Math.Min(1f, (float)_options.MaxSide / Math.Max(frameWidth, frameHeight));
        int RoundUp(float v) => Math.Max(Multiple, (int)Math.Ceiling(v / Multiple) * Multiple);
        return (RoundUp(frameWidth * scale), RoundUp(frameHeight * scale), scale);
    }

    public IReadOnlyList<FaceDetection> Detect(PixelBuffer frame) => Detect([frame])[0];

    /// <summary>Detects faces in each frame; frames of one size are batched where the model allows.</summary>
    public IReadOnlyList<IReadOnlyList<FaceDetection>> Detect(IReadOnlyList<PixelBuffer> frames)
    {
        var results = new IReadOnlyList<FaceDetection>[frames.Count];
        var batch = _batchable ? Math.Max(1, _options.MaxBatch) : 1;
        foreach (var group in Enumerable.Range(0, frames.Count).GroupBy(i => (frames[i].Width, frames[i].Height)))
            foreach (var chunk in group.Chunk(batch))
            {
                var detections = DetectBatch(chunk.Select(i => frames[i]).ToArray());
                for (var k = 0; k < chunk.Length; k++) results[chunk[k]] = detections[k];
            }
        return results;
    }

    private List<FaceDetection>[] DetectBatch(PixelBuffer[] frames)
    {
        var (width, height, scale) = InputGeometry(frames[0].Width, frames[0].Height);
        var plane = width * height;
        var tensor = new float[frames.Length * 3 * plane];
        var scaledW = Math.Clamp((int)MathF.Round(frames[0].Width * scale), 1, width);
        var scaledH = Math.Clamp((int)MathF.Round(frames[0].Height * scale), 1, height);
        for (var b = 0; b < frames.Length; b++)
        {
            using var letterbox = new PixelBuffer(width, height, frames[b].Order, pooled: true);
            letterbox.Pixels.Clear();
            Resize.Run(frames[b], RectI.Of(frames[b]), letterbox, new RectI(0, 0, scaledW, scaledH));
            TensorLayout.ToNchw(letterbox, tensor.AsSpan(b * 3 * plane, 3 * plane), Normalization);
        }
        // Map back with the scale actually applied per axis (rounding can differ slightly from 'scale').
        var sx = (float)scaledW / frames[0].Width;
        var sy = (float)scaledH / frames[0].Height;

        using var result = _session.Run([TensorInput.Of(InputName, tensor, frames.Length, 3, height, width)], OutputNames);
        var detections = new List<FaceDetection>[frames.Length];
        for (var b = 0; b < frames.Length; b++)
        {
            var candidates = new List<FaceDetection>();
            foreach (var stride in Strides)
                Decode(result, b, stride, width, height, sx, sy, candidates);
            detections[b] = Suppress(candidates);
        }
        return detections;
    }

    private void Decode(InferenceResult result, int b, int stride, int width, int height, float sx, float sy, List<FaceDetection> into)
    {
        int cols = width / stride, rows = height / stride, anchors = cols * rows;
        var cls = Slice(result[$"cls_{stride}"], b, anchors, 1);
        var obj = Slice(result[$"obj_{stride}"], b, anchors, 1);
        var box = Slice(result[$"bbox_{stride}"], b, anchors, 4);
        var kps = Slice(result[$"kps_{stride}"], b, anchors, 10);
        for (var a = 0; a < anchors; a++)
        {
            var score = Math.Clamp(cls[a], 0f, 1f) * Math.Clamp(obj[a], 0f, 1f);
            if (score < _options.ScoreThreshold) continue;
            float ax = a % cols * stride, ay = a / cols * stride;
            var cx = box[a * 4] * stride + ax;
            var cy = box[a * 4 + 1] * stride + ay;
            var w = MathF.Exp(box[a * 4 + 2]) * stride;
            var h = MathF.Exp(box[a * 4 + 3]) * stride;
            var points = new Vector2[5];
            for (var k = 0; k < 5; k++)
                points[k] = new Vector2((kps[a * 10 + 2 * k] * stride + ax) / sx, (kps[a * 10 + 2 * k + 1] * stride + ay) / sy);
            into.Add(new FaceDetection(new RectF((cx - w / 2) / sx, (cy - h / 2) / sy, w / sx, h / sy), score, points));
        }
    }

    private ReadOnlySpan<float> Slice(OutputTensor output, int b, int anchors, int width)
    {
        if (output.Shape.Count != 3 || output.Shape[1] != anchors || output.Shape[2] != width)
            throw new InvalidDataException(
                $"{_session.Name}: output '{output.Name}' has shape [{string.Join(",", output.Shape)}], expected [N,{anchors},{width}] for this input size");
        return output.GetSpan<float>().Slice(b * anchors * width, anchors * width);
    }

    private List<FaceDetection> Suppress(List<FaceDetection> candidates)
    {
        candidates.Sort((p, q) => q.Score.CompareTo(p.Score));
        var kept = new List<FaceDetection>();
        foreach (var c in candidates)
        {
            if (kept.Count >= _options.TopK) break;
            if (kept.All(k => k.Box.IntersectionOverUnion(c.Box) <= _options.NmsThreshold)) kept.Add(c);
        }
        return kept;
    }
}
