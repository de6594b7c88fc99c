using System.Numerics;
using SwapTalk.Core.Imaging;
using SwapTalk.Core.Inference;
using SwapTalk.Core.Vision.Detection;
using SwapTalk.Tests.Inference;
using SwapTalk.Tests.Support;

namespace SwapTalk.Tests.Vision.Detection;

public class YuNetDetectorTests
{
    private static ModelSession Open(string file) => OrtRuntimeFixture.Runtime.OpenSession(SharedData.Model(file));

    private static void AssertOneGoodFace(IReadOnlyList<FaceDetection> faces)
    {
        var face = faces.Should().ContainSingle().Which;
        face.Score.Should().BeGreaterThan(0.8f).And.BeLessThanOrEqualTo(1f);
        face.Keypoints.Should().HaveCount(5);
        foreach (var p in face.Keypoints)
        {
            p.X.Should().BeInRange(face.Box.X, face.Box.Right);
            p.Y.Should().BeInRange(face.Box.Y, face.Box.Bottom);
        }
        // Subject's right eye is on the image's left; eyes above the nose, mouth corners below it.
        face.RightEye.X.Should().BeLessThan(face.LeftEye.X);
        face.NoseTip.Y.Should().BeGreaterThan(Math.Max(face.RightEye.Y, face.LeftEye.Y));
        Math.Min(face.RightMouthCorner.Y, face.LeftMouthCorner.Y).Should().BeGreaterThan(face.NoseTip.Y);
        face.RightMouthCorner.X.Should().BeLessThan(face.LeftMouthCorner.X);
    }

    [Theory]
    [InlineData("yunet_n_dynamic.onnx")]
    [InlineData("yunet_n_640_640.onnx")]
    public void Finds_exactly_the_astronauts_face_with_keypoints_inside_the_box(string file)
    {
        using var session = Open(file);
        using var face = ImageFile.Read(SharedData.Face);
        var faces = new YuNetDetector(session).Detect(face);
        TestContext.Current.TestOutputHelper?.WriteLine($"{file}: {string.Join("; ", faces.Select(f => $"{f.Box} score {f.Score:0.000}"))}");
        AssertOneGoodFace(faces);
        // A head-and-shoulders portrait: the face is a sizeable part of the 512x512 frame.
        faces[0].Box.Width.Should().BeInRange(80, 400);
    }

    [Fact]
    public void Both_exports_agree_and_boxes_map_back_through_letterbox_scaling()
    {
        using var dynamicSession = Open("yunet_n_dynamic.onnx");
        using var fixedSession = Open("yunet_n_640_640.onnx");
        using var face = ImageFile.Read(SharedData.Face);
        var reference = new YuNetDetector(dynamicSession).Detect(face)[0];
        var upscaled = new YuNetDetector(fixedSession).Detect(face)[0]; // 512 -> 640 inside the fixed model
        // Different input scales give slightly different boxes (the network regresses them per scale): compare by overlap.
        reference.Box.IntersectionOverUnion(upscaled.Box).Should().BeGreaterThan(0.75f);
        for (var k = 0; k < 5; k++) Vector2.Distance(reference.Keypoints[k], upscaled.Keypoints[k]).Should().BeLessThan(0.1f * reference.Box.Width, $"keypoint {k}");

        // The portrait placed at (300, 160) on a 1100x800 grey canvas: the dynamic model sees it at 640/1100.
        using var canvas = new PixelBuffer(1100, 800, face.Order);
        canvas.Pixels.Fill(90);
        for (var y = 0; y < 512; y++) face.Row(y).CopyTo(canvas.Row(160 + y).Slice(300 * 3));
        var placed = new YuNetDetector(dynamicSession).Detect(canvas);
        placed.Should().ContainSingle();
        var shifted = reference.Box with { X = reference.Box.X + 300, Y = reference.Box.Y + 160 };
        TestContext.Current.TestOutputHelper?.WriteLine($"alone {reference.Box}, on canvas {placed[0].Box} (expected about {shifted})");
        placed[0].Box.IntersectionOverUnion(shifted).Should().BeGreaterThan(0.7f);
        for (var k = 0; k < 5; k++)
            Vector2.Distance(placed[0].Keypoints[k], reference.Keypoints[k] + new Vector2(300, 160)).Should().BeLessThan(0.1f * reference.Box.Width, $"keypoint {k}");
    }

    [Fact]
    public void Batched_frames_give_the_same_faces_as_single_frames()
    {
        using var session = Open("yunet_n_dynamic.onnx");
        var detector = new YuNetDetector(session, new YuNetOptions { MaxBatch = 3 });
        using var face = ImageFile.Read(SharedData.Face);
        using var mirrored = new PixelBuffer(512, 512, face.Order);
        for (var y = 0; y < 512; y++)
        for (var x = 0; x < 512; x++)
            face.Pixels.Slice((y * 512 + x) * 3, 3).CopyTo(mirrored.Pixels.Slice((y * 512 + 511 - x) * 3, 3));
        using var blank = new PixelBuffer(512, 512, face.Order);
        using var small = new PixelBuffer(200, 120, face.Order);

        PixelBuffer[] frames = [face, mirrored, blank, face, small];
        var batched = detector.Detect(frames);
        batched.Should().HaveCount(5);
        for (var i = 0; i < frames.Length; i++)
        {
            var single = detector.Detect(frames[i]);
            batched[i].Should().HaveCount(single.Count, $"frame {i}");
            for (var k = 0; k < single.Count; k++)
            {
                Distance(batched[i][k].Box, single[k].Box).Should().BeLessThan(0.01f);
                batched[i][k].Score.Should().BeApproximately(single[k].Score, 1e-4f);
            }
        }
        AssertOneGoodFace(batched[1]);
        batched[2].Should().BeEmpty();
        batched[4].Should().BeEmpty();
        // The mirror image's face box is the original's, reflected.
        (512 - batched[1][0].Box.Right).Should().BeApproximately(batched[0][0].Box.X, 6);
    }

    [Fact]
    public void Dynamic_input_size_is_the_frame_rounded_up_to_32_and_shrunk_to_640()
    {
        using var session = Open("yunet_n_dynamic.onnx");
        var detector = new YuNetDetector(session);
        detector.InputGeometry(360, 288).Should().Be((384, 288, 1f));
        detector.InputGeometry(1280, 720).Should().Be((640, 384, 0.5f));
        using var fixedSession = Open("yunet_n_640_640.onnx");
        new YuNetDetector(fixedSession).InputGeometry(512, 256).Should().Be((640, 640, 1.25f));
    }

    [Fact]
    public void A_session_that_is_not_yunet_is_refused_by_name()
    {
        using var session = Open("peppa_slim_160_68pt.onnx");
        var act = () => new YuNetDetector(session);
        act.Should().Throw<ArgumentException>().WithMessage("peppa_slim_160_68pt is not a YuNet detector*missing: cls_8, cls_16*");
    }

    private static float Distance(RectF a, RectF b) =>
        new[] { a.X - b.X, a.Y - b.Y, a.Right - b.Right, a.Bottom - b.Bottom }.Max(MathF.Abs);
}
