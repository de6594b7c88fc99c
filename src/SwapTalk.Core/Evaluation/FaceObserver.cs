using System.Numerics;
using SwapTalk.Core.Imaging;
using SwapTalk.Core.Vision.Detection;
using SwapTalk.Core.Vision.Landmarks;

namespace SwapTalk.Core.Evaluation;

/// <summary>One frame's face as the evaluation sees it: the detection (box, five keypoints) and its 68 landmarks.</summary>
public sealed record ObservedFace(FaceDetection Detection, Vector2[] Landmarks)
{
    /// <summary>Face size for normalising distances: the distance between the outer eye corners (iBUG 36 and 45).</summary>
    public float EyeSpan => Vector2.Distance(Landmarks[36], Landmarks[45]);
}

/// <summary>
/// Finds the face in each frame on its own: YuNet, the largest face, then the 68-point landmarker on it.
/// No tracking and no smoothing on purpose: a metric must see what each output frame shows, not what a
/// smoother makes of it. The sessions are the caller's.
/// </summary>
public sealed class FaceObserver(YuNetDetector detector, FaceLandmarker68 landmarker)
{
    /// <summary>The largest face in a BGR frame, or null when there is none.</summary>
    public ObservedFace? Observe(PixelBuffer frame)
    {
        var faces = detector.Detect(frame);
        if (faces.Count == 0) return null;
        var largest = faces.MaxBy(f => f.Box.Area)!;
        return new ObservedFace(largest, landmarker.Detect(frame, largest.Box));
    }
}
