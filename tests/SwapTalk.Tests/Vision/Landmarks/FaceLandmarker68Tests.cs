using System.Numerics;
using SwapTalk.Core.Imaging;
using SwapTalk.Core.Inference;
using SwapTalk.Core.Vision.Detection;
using SwapTalk.Core.Vision.Landmarks;
using SwapTalk.Tests.Inference;
using SwapTalk.Tests.Support;

namespace SwapTalk.Tests.Vision.Landmarks;

public class FaceLandmarker68Tests
{
    private static ModelSession Open(string file) => OrtRuntimeFixture.Runtime.OpenSession(SharedData.Model(file));

    [Fact]
    public void Landmarks_on_the_astronaut_lie_in_the_crop_with_eyes_above_and_mouth_below_the_nose_tip()
    {
        using var detectorSession = Open("yunet_n_dynamic.onnx");
        using var landmarkSession = Open("peppa_slim_160_68pt.onnx");
        using var image = ImageFile.Read(SharedData.Face);
        var face = new YuNetDetector(detectorSession).Detect(image).Single();
        var points = new FaceLandmarker68(landmarkSession).Detect(image, face.Box);

        points.Should().HaveCount(68);
        var crop = face.Box.Enlarge(FaceLandmarker68.CropEnlarge);
        foreach (var p in points)
        {
            p.X.Should().BeInRange(crop.X, crop.Right);
            p.Y.Should().BeInRange(crop.Y, crop.Bottom);
        }
        var noseTip = points[30];
        points[36..48].Should().OnlyContain(p => p.Y < noseTip.Y, "eyes are above the nose tip");
        points[48..68].Should().OnlyContain(p => p.Y > noseTip.Y, "the mouth is below the nose tip");

        // Two independent networks agree: Peppa's eye centres sit near YuNet's eye keypoints.
        var rightEye = Mean(points[36..42]);
        var leftEye = Mean(points[42..48]);
        Vector2.Distance(rightEye, face.RightEye).Should().BeLessThan(0.12f * face.Box.Width);
        Vector2.Distance(leftEye, face.LeftEye).Should().BeLessThan(0.12f * face.Box.Width);
    }

    [Fact]
    public void The_crop_is_the_box_enlarged_by_a_fifth_and_clipped_to_the_frame()
    {
        FaceLandmarker68.CropFor(new RectF(100, 100, 50, 100), 640, 480).Should().Be(new RectI(90, 80, 70, 140));
        FaceLandmarker68.CropFor(new RectF(-10, 400, 100, 100), 640, 480).Should().Be(new RectI(0, 380, 110, 100)); // [-30, 110) x [380, 520) clipped
    }

    [Fact]
    public void A_box_outside_the_frame_and_a_wrong_model_are_refused_clearly()
    {
        using var landmarkSession = Open("peppa_slim_160_68pt.onnx");
        using var frame = new PixelBuffer(64, 64);
        var outside = () => new FaceLandmarker68(landmarkSession).Detect(frame, new RectF(200, 200, 30, 30));
        outside.Should().Throw<ArgumentOutOfRangeException>().WithMessage("face box 30x30+200+200 lies outside the 64x64 frame*");

        using var yunet = Open("yunet_n_640_640.onnx");
        var wrong = () => new FaceLandmarker68(yunet);
        wrong.Should().Throw<ArgumentException>().WithMessage("yunet_n_640_640 is not a 68-point landmarker*");
    }

    private static Vector2 Mean(Vector2[] points) => points.Aggregate(Vector2.Zero, (a, p) => a + p) / points.Length;
}
