using System.Numerics;
using OpenCvSharp;
using SwapTalk.Core.Engines.Geometric;
using SwapTalk.Core.Imaging;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Media;
using SwapTalk.Core.Stages;
using SwapTalk.Tests.Pipeline;
using SwapTalk.Tests.Support;

namespace SwapTalk.Tests.Geometric;

/// <summary>
/// The target's occluders stay in front (docs/geometric.md, "The target's occluders"): on real GRID frames the wire
/// rim of lbax4n's glasses is found below both eyes and the face without glasses (bbaf2n) gives next to nothing; a
/// real photo swapped onto lbax4n keeps the rim.
/// </summary>
public sealed class TargetOccluderTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly int[] Frames = [10, 40, 60];

    /// <summary>Frames <see cref="Frames"/> of a GRID clip (BGR) with their smoothed landmarks (what the renderer is given).</summary>
    private static async Task<List<(Mat Frame, Vector2[] Landmarks)>> FramesAsync(string clip) =>
        [.. (await GeometricData.TrackedFramesAsync(clip, Frames)).Select(f => (Mat.FromPixelData(f.Height, f.Width, MatType.CV_8UC3, f.Bgr), f.Landmarks))];

    private static Mat FaceMask(Size size, ReadOnlySpan<Vector2> landmarks)
    {
        var points = MeshPoints.Of(landmarks);
        var mask = new Mat(size, MatType.CV_8UC1, Scalar.All(0));
        Cv2.FillConvexPoly(mask, Cv2.ConvexHull(MeshPoints.Outline.Select(i => new Point((int)Math.Round(points[i].X), (int)Math.Round(points[i].Y)))), Scalar.All(255));
        return mask;
    }

    /// <summary>
    /// The share of columns across a band under each eye (0.12 to 0.4 eye distances below its middle, 0.3 to either
    /// side) in which <paramref name="mask"/> is over a quarter somewhere: a rim's lower arc crosses every column.
    /// </summary>
    private static double BelowEyes(Mat mask, ReadOnlySpan<Vector2> l)
    {
        var d = FaceGeometry.EyeDistance(l);
        var down = FaceGeometry.Down(l);
        var across = new Vector2(-down.Y, down.X);
        int hits = 0, columns = 0;
        foreach (var eye in new[] { FaceGeometry.LeftEye(l), FaceGeometry.RightEye(l) })
            for (var s = -0.3f * d; s <= 0.3f * d; s += 1)
            {
                columns++;
                var hit = false;
                for (var t = 0.12f * d; t <= 0.4f * d && !hit; t += 0.5f)
                {
                    var p = eye + across * s + down * t;
                    var (x, y) = ((int)Math.Round(p.X), (int)Math.Round(p.Y));
                    if (x >= 0 && y >= 0 && x < mask.Cols && y < mask.Rows && mask.At<byte>(y, x) > 64) hit = true;
                }
                if (hit) hits++;
            }
        return (double)hits / columns;
    }

    /// <summary>The largest mask value more than <see cref="TargetOccluders.NoseClearance"/> + 0.1 eye distances below (past the mask's softening) the nose's bottom.</summary>
    private static int BelowNose(Mat mask, ReadOnlySpan<Vector2> l)
    {
        var d = FaceGeometry.EyeDistance(l);
        var down = FaceGeometry.Down(l);
        var start = Vector2.Dot(l[33], down) + (TargetOccluders.NoseClearance + 0.1f) * d;
        var most = 0;
        for (var y = 0; y < mask.Rows; y++)
            for (var x = 0; x < mask.Cols; x++)
                if (x * down.X + y * down.Y > start) most = Math.Max(most, mask.At<byte>(y, x));
        return most;
    }

    [Fact]
    public async Task A_glasses_rim_is_found_below_both_eyes_and_a_face_without_glasses_gives_next_to_nothing()
    {
        foreach (var (frame, landmarks) in await FramesAsync("lbax4n"))
            using (frame)
            using (var face = FaceMask(frame.Size(), landmarks))
            using (var mask = TargetOccluders.Mask(frame, face, landmarks, FaceGeometry.EyeDistance(landmarks)))
            {
                BelowEyes(mask, landmarks).Should().BeGreaterThan(0.35, "lbax4n's wire rim runs under both eyes (0.43-0.51 measured)");
                BelowNose(mask, landmarks).Should().Be(0, "below the nose thin dark lines are the target's own folds, never taken");
            }

        foreach (var (frame, landmarks) in await FramesAsync("bbaf2n"))
            using (frame)
            using (var face = FaceMask(frame.Size(), landmarks))
            using (var mask = TargetOccluders.Mask(frame, face, landmarks, FaceGeometry.EyeDistance(landmarks)))
            {
                BelowEyes(mask, landmarks).Should().BeLessThan(0.1, "bbaf2n wears no glasses (0 measured)");
                // Over the whole face: the speaker's own creases and folds are not occluders.
                (Cv2.Mean(mask, face)[0] / 255).Should().BeLessThan(0.01, "next to nothing of a face without occluders is the target's");
                BelowNose(mask, landmarks).Should().Be(0, "below the nose thin dark lines are the target's own folds, never taken");
            }
    }

    [Fact]
    public async Task A_real_photo_swapped_onto_a_speaker_with_glasses_keeps_the_rim_in_front()
    {
        using var source = await new GeometricSourceStage(PipelineData.Engine, await GeometricData.ModelsAsync())
            .PrepareAsync(SharedData.Require("faces/chris.jpg"), FaceSelection.Largest, null, new StageClock("test"), Ct);
        var renderer = new GeometricFaceRenderer(source);
        var shape = new ShapeTransfer(source.Landmarks);
        foreach (var (frame, landmarks) in await FramesAsync("lbax4n"))
            using (frame)
            {
                var buffer = new PixelBuffer(frame.Cols, frame.Rows, ColorOrder.Bgr);
                System.Runtime.InteropServices.Marshal.Copy(frame.Data, buffer.Data, 0, buffer.ByteLength);
                renderer.Render(buffer, landmarks, (float?)null);
                using var output = Mat.FromPixelData(frame.Rows, frame.Cols, MatType.CV_8UC3, buffer.Data);
                // Where the swapped face's eyes are, a thin dark structure must run under them: the target's rim.
                var moved = shape.Apply(landmarks);
                using var face = FaceMask(frame.Size(), moved);
                using var mask = TargetOccluders.Mask(output, face, moved, FaceGeometry.EyeDistance(moved));
                BelowEyes(mask, moved).Should().BeGreaterThan(0.35, "the target's glasses rim stays in front of the portrait (0.50-0.55 measured)");
            }
    }
}
