using System.Numerics;
using SwapTalk.Core.Imaging;
using SwapTalk.Core.Vision.Alignment;
using SwapTalk.Tests.Imaging;

namespace SwapTalk.Tests.Vision.Alignment;

public class FfhqAlignmentTests
{
    /// <summary>68 points where only the FFHQ anchors matter: eyes (36-41, 42-47) and mouth corners (48, 54).</summary>
    private static Vector2[] Anchors(Vector2 leftEye, Vector2 rightEye, Vector2 mouthLeft, Vector2 mouthRight)
    {
        var p = new Vector2[68];
        Array.Fill(p, new Vector2(999, -999)); // far away: must not influence the quad
        for (var i = 36; i < 42; i++) p[i] = leftEye + new Vector2(i % 2 == 0 ? -3 : 3, i < 39 ? -1 : 1);
        for (var i = 42; i < 48; i++) p[i] = rightEye + new Vector2(i % 2 == 0 ? -3 : 3, i < 45 ? -1 : 1);
        p[48] = mouthLeft;
        p[54] = mouthRight;
        return p;
    }

    [Fact]
    public void Quad_follows_the_ffhq_procedure_on_hand_computed_numbers()
    {
        // eyes (100,100) and (140,100); mouth corners (105,150) and (135,150):
        // eye_to_eye (40,0), eye_to_mouth (0,50); x = (40 + 50, 0) -> unit (1,0) * max(2*40, 1.8*50) = (90, 0)
        // y = (0, 90); c = (120,100) + 0.1 * (0,50) = (120,105)
        var quad = FfhqAlignment.Quad(Anchors(new(100, 100), new(140, 100), new(105, 150), new(135, 150)));
        quad.TopLeft.Should().Be(new Vector2(30, 15));
        quad.BottomLeft.Should().Be(new Vector2(30, 195));
        quad.BottomRight.Should().Be(new Vector2(210, 195));
        quad.TopRight.Should().Be(new Vector2(210, 15));
        quad.Size.Should().BeApproximately(180, 1e-3f);
    }

    [Fact]
    public void Quad_corners_land_on_the_crop_corners_and_the_matrices_invert_each_other()
    {
        var face = FfhqAlignment.Align(SyntheticFace.Place(SyntheticFace.OnAstronaut));
        Near(face.FrameToCrop.Apply(face.Quad.TopLeft), new(-0.5f, -0.5f));
        Near(face.FrameToCrop.Apply(face.Quad.BottomLeft), new(-0.5f, 511.5f));
        Near(face.FrameToCrop.Apply(face.Quad.BottomRight), new(511.5f, 511.5f));
        Near(face.FrameToCrop.Apply(face.Quad.TopRight), new(511.5f, -0.5f));
        var roundTrip = face.CropToFrame * face.FrameToCrop;
        roundTrip.M11.Should().BeApproximately(1, 1e-9); roundTrip.M12.Should().BeApproximately(0, 1e-9);
        roundTrip.M13.Should().BeApproximately(0, 1e-7); roundTrip.M22.Should().BeApproximately(1, 1e-9);
        roundTrip.M23.Should().BeApproximately(0, 1e-7);
        face.FrameToCrop.M11.Should().BeApproximately(face.FrameToCrop.M22, 1e-9, "a similarity: no shear, uniform scale");
        face.FrameToCrop.M12.Should().BeApproximately(-face.FrameToCrop.M21, 1e-9);
    }

    [Fact]
    public void Upright_frontal_face_sits_at_the_ffhq_positions_in_the_crop()
    {
        // The synthetic face: eyes 1 unit apart, mouth 1.15 below; quad half-size max(2, 1.8 * 1.15) = 2.07 units.
        var face = FfhqAlignment.Align(SyntheticFace.Place(Affine2x3.Similarity(50, 0, 400, 300)));
        var landmarks = SyntheticFace.Place(Affine2x3.Similarity(50, 0, 400, 300)).Select(face.FrameToCrop.Apply).ToArray();
        var unit = 512 / 4.14; // crop pixels per face unit
        var eyeY = 255.5 - 0.115 * unit;
        Near(Mean(landmarks[36..42]), new((float)(255.5 - 0.5 * unit), (float)eyeY), 0.01f);
        Near(Mean(landmarks[42..48]), new((float)(255.5 + 0.5 * unit), (float)eyeY), 0.01f);
        ((landmarks[48].Y + landmarks[54].Y) / 2).Should().BeApproximately((float)(eyeY + 1.15 * unit), 0.01f);
        (eyeY / 512).Should().BeInRange(0.46, 0.48, "FFHQ puts the eyes just under half height");
    }

    [Fact]
    public void Alignment_is_equivariant_under_similarity_transforms_of_the_frame()
    {
        var layout = Affine2x3.Similarity(40, 0.1, 300, 200);
        var moved = Affine2x3.Similarity(1.7, -0.4, -50, 80);
        var a = FfhqAlignment.Align(SyntheticFace.Place(layout));
        var b = FfhqAlignment.Align(SyntheticFace.Place(layout.Then(moved)));
        // A frame point and its moved copy land on the same crop position.
        foreach (var p in new Vector2[] { new(300, 200), new(250, 260), new(340, 150) })
            Near(b.FrameToCrop.Apply(moved.Apply(p)), a.FrameToCrop.Apply(p), 2e-3f);
        Near(b.Quad.TopLeft, moved.Apply(a.Quad.TopLeft), 2e-3f);
    }

    [Fact]
    public void Extract_warps_the_frame_into_the_crop_and_rejects_wrong_buffers()
    {
        using var frame = AffineWarpTests.Smooth(320, 240);
        var face = FfhqAlignment.Align(SyntheticFace.Place(Affine2x3.Similarity(30, 0.2, 160, 110)));
        using var crop = new PixelBuffer(512, 512, ColorOrder.Bgr);
        FfhqAlignment.Extract(frame, face, crop);
        crop.Order.Should().Be(ColorOrder.Rgb, "the crop takes the frame's channel order");
        using var expected = new PixelBuffer(512, 512);
        AffineWarp.Run(frame, expected, face.FrameToCrop, BorderMode.Reflect);
        crop.Pixels.SequenceEqual(expected.Pixels).Should().BeTrue();
        using var wrong = new PixelBuffer(256, 256);
        var act = () => FfhqAlignment.Extract(frame, face, wrong);
        act.Should().Throw<ArgumentException>().WithMessage("*256x256*512x512*");
    }

    [Fact]
    public void Very_large_faces_are_shrunk_first_so_fine_detail_does_not_alias()
    {
        // Stripes two pixels apart: any faithful reduction is flat grey; bare bilinear sampling at 1/4.8 aliases.
        using var frame = new PixelBuffer(2700, 2700);
        for (var y = 0; y < 2700; y++)
            for (var x = 0; x < 2700; x += 2) frame.Pixels.Slice((y * 2700 + x) * 3, 3).Fill(255);
        var face = FfhqAlignment.Align(SyntheticFace.Place(Affine2x3.Similarity(590, 0.05, 1350, 1250)));
        FfhqAlignment.ShrinkFactor(face).Should().Be(2, $"the quad is {face.Quad.Size:0} px, over 4 crops");
        using var crop = new PixelBuffer(512, 512);
        FfhqAlignment.Extract(frame, face, crop);
        using var direct = new PixelBuffer(512, 512);
        AffineWarp.Run(frame, direct, face.FrameToCrop);
        double Spread(PixelBuffer p)
        {
            var mean = p.Pixels.ToArray().Average(v => (double)v);
            return Math.Sqrt(p.Pixels.ToArray().Average(v => (v - mean) * (v - mean)));
        }
        var shrunk = Spread(crop);
        var aliased = Spread(direct);
        TestContext.Current.TestOutputHelper?.WriteLine($"stripe pattern through a {face.Quad.Size:0} px quad: spread {shrunk:0.0} with the pre-shrink, {aliased:0.0} without");
        shrunk.Should().BeLessThan(2);
        aliased.Should().BeGreaterThan(20);
        crop.Pixels.ToArray().Average(v => (double)v).Should().BeApproximately(127.5, 1.5);

        // On smooth content the shrunk path lands on the same geometry as the direct warp.
        using var smooth = AffineWarpTests.Smooth(2700, 2700);
        FfhqAlignment.Extract(smooth, face, crop);
        AffineWarp.Run(smooth, direct, face.FrameToCrop);
        double se = 0;
        for (var i = 0; i < crop.ByteLength; i++) { double d = crop.Pixels[i] - direct.Pixels[i]; se += d * d; }
        var psnr = 10 * Math.Log10(255.0 * 255 * crop.ByteLength / se);
        TestContext.Current.TestOutputHelper?.WriteLine($"smooth content, pre-shrink vs direct warp: PSNR {psnr:0.0} dB");
        psnr.Should().BeGreaterThan(40, "the pre-shrink must not move the face");
    }

    [Fact]
    public void Bad_landmarks_are_refused_with_the_reason()
    {
        var few = () => FfhqAlignment.Quad(new Vector2[5]);
        few.Should().Throw<ArgumentException>().WithMessage("*68 landmarks*got 5*");
        var points = SyntheticFace.Place(Affine2x3.Similarity(30, 0, 100, 100));
        points[40] = new Vector2(float.NaN, 3);
        var nan = () => FfhqAlignment.Quad(points);
        nan.Should().Throw<ArgumentException>().WithMessage("*landmark 40*finite*");
        var collapsed = () => FfhqAlignment.Quad(Enumerable.Repeat(new Vector2(5, 5), 68).ToArray());
        collapsed.Should().Throw<ArgumentException>().WithMessage("*degenerate*");
        var badQuad = () => FfhqAlignment.FromQuad(new FaceQuad(default, default, default, default));
        badQuad.Should().Throw<ArgumentException>().WithMessage("*degenerate*");
    }

    [Fact]
    public void Averaging_square_quads_gives_a_square_quad_the_aligner_maps_exactly()
    {
        var a = FfhqAlignment.Quad(SyntheticFace.Place(Affine2x3.Similarity(40, 0.3, 200, 200)));
        var b = FfhqAlignment.Quad(SyntheticFace.Place(Affine2x3.Similarity(55, -0.2, 230, 180)));
        var mean = FaceQuad.FromPoints(a.ToPoints().Zip(b.ToPoints(), (p, q) => (p + q) / 2).ToArray());
        var face = FfhqAlignment.FromQuad(mean);
        Near(face.FrameToCrop.Apply(mean.TopLeft), new(-0.5f, -0.5f), 2e-3f);
        Near(face.FrameToCrop.Apply(mean.BottomRight), new(511.5f, 511.5f), 2e-3f);
    }

    private static Vector2 Mean(ReadOnlySpan<Vector2> p)
    {
        var s = Vector2.Zero;
        foreach (var v in p) s += v;
        return s / p.Length;
    }

    private static void Near(Vector2 actual, Vector2 expected, float tolerance = 1e-3f)
    {
        actual.X.Should().BeApproximately(expected.X, tolerance);
        actual.Y.Should().BeApproximately(expected.Y, tolerance);
    }
}
