using SwapTalk.Core.Imaging;
using SwapTalk.Core.Vision.Detection;

namespace SwapTalk.Core.Vision.Tracking;

/// <summary>
/// Says which face in one frame is the target. The tracker asks it once per frame, then keeps the
/// target's identity by overlap with the frames just before (<see cref="FaceTrackOptions.VoteFrames"/>).
/// <para>
/// Implementations must decide from this frame alone (its pixels, its faces, its index), never from
/// earlier calls: segments of a clip are tracked separately, each from its own context frames, and must
/// agree on shared frames. A "closest to a reference face" selector fits here: embed each face's crop
/// from <c>frame</c> and return the one nearest a reference embedding computed once per job.
/// </para>
/// </summary>
public interface IFaceSelector
{
    /// <returns>the index into <paramref name="faces"/> of this frame's target, or -1 when none of them is</returns>
    int Choose(PixelBuffer frame, long frameIndex, IReadOnlyList<FaceDetection> faces);
}

/// <summary>The built-in selectors.</summary>
public static class FaceSelector
{
    /// <summary>The face with the largest box (ties: higher score, then further left): the speaker in a talking-head video.</summary>
    public static IFaceSelector Largest { get; } = new LargestFace();

    /// <summary>The <paramref name="n"/>-th face counted from the left (0 = leftmost), by the centre of its box.</summary>
    public static IFaceSelector FromLeft(int n) => n >= 0
        ? new NthFromLeft(n)
        : throw new ArgumentOutOfRangeException(nameof(n), $"face index must be 0 or more (0 = leftmost face), got {n}");

    private sealed class LargestFace : IFaceSelector
    {
        public int Choose(PixelBuffer frame, long frameIndex, IReadOnlyList<FaceDetection> faces)
        {
            var best = -1;
            for (var i = 0; i < faces.Count; i++)
            {
                if (best < 0) { best = i; continue; }
                FaceDetection a = faces[i], b = faces[best];
                if (a.Box.Area > b.Box.Area || a.Box.Area == b.Box.Area && (a.Score > b.Score || a.Score == b.Score && a.Box.CenterX < b.Box.CenterX))
                    best = i;
            }
            return best;
        }

        public override string ToString() => "largest face";
    }

    private sealed class NthFromLeft(int n) : IFaceSelector
    {
        public int Choose(PixelBuffer frame, long frameIndex, IReadOnlyList<FaceDetection> faces)
        {
            if (faces.Count <= n) return -1;
            var order = Enumerable.Range(0, faces.Count)
                .OrderBy(i => faces[i].Box.CenterX).ThenBy(i => faces[i].Box.CenterY).ThenBy(i => i)
                .ToArray();
            return order[n];
        }

        public override string ToString() => n == 0 ? "leftmost face" : $"face {n} from the left (0 = leftmost)";
    }
}
