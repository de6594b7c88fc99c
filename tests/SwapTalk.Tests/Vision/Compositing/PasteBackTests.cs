using SwapTalk.Core.Imaging;
using SwapTalk.Core.Vision.Alignment;
using SwapTalk.Core.Vision.Compositing;
using SwapTalk.Tests.Imaging;
using SwapTalk.Tests.Support;
using SwapTalk.Tests.Vision.Alignment;

namespace SwapTalk.Tests.Vision.Compositing;

public class PasteBackTests
{
    /// <summary>The mask's weight at every frame pixel, as the paste-back sees it (white through the mask onto black).</summary>
    private static byte[] FrameWeights(FaceMask mask, AlignedFace face, int width, int height)
    {
        using var white = new PixelBuffer(face.CropSize, face.CropSize);
        white.Pixels.Fill(255);
        using var black = new PixelBuffer(width, height);
        PasteBack.Run(black, white, mask, face);
        var w = new byte[width * height];
        for (var i = 0; i < w.Length; i++) w[i] = black.Pixels[i * 3];
        return w;
    }

    private static double Psnr(PixelBuffer a, PixelBuffer b, Func<int, bool> include)
    {
        double se = 0;
        long n = 0;
        for (var i = 0; i < a.Width * a.Height; i++)
        {
            if (!include(i)) continue;
            for (var c = 0; c < 3; c++) { double d = a.Pixels[i * 3 + c] - b.Pixels[i * 3 + c]; se += d * d; }
            n += 3;
        }
        return se == 0 ? double.PositiveInfinity : 10 * Math.Log10(255.0 * 255 * n / se);
    }

    [Fact]
    public void Align_then_paste_back_unchanged_reproduces_the_face_and_leaves_the_rest_bit_identical()
    {
        using var portrait = ImageFile.Read(SharedData.Face);
        var face = FfhqAlignment.Align(SyntheticFace.Place(SyntheticFace.OnAstronaut));
        using var crop = new PixelBuffer(512, 512);
        FfhqAlignment.Extract(portrait, face, crop);
        using var mask = FaceMask.Build(FaceMaskOptions.WholeFace);
        using var frame = portrait.Clone();
        PasteBack.Run(frame, crop, mask, face);

        var weights = FrameWeights(mask, face, portrait.Width, portrait.Height);
        var faceRegion = weights.Count(w => w > 0);
        faceRegion.Should().BeGreaterThan(5000, "the mask covers the face in the frame");
        var psnr = Psnr(frame, portrait, i => weights[i] > 0);
        var psnrOpaque = Psnr(frame, portrait, i => weights[i] == 255);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"round trip on the astronaut: {faceRegion} face pixels, PSNR {psnr:0.0} dB (mask > 0), {psnrOpaque:0.0} dB (mask = 255)");
        psnr.Should().BeGreaterThanOrEqualTo(35);
        var outside = Enumerable.Range(0, weights.Length).Where(i => weights[i] == 0).ToArray();
        outside.Length.Should().BeGreaterThan(200_000);
        outside.Where(i => !frame.Pixels.Slice(i * 3, 3).SequenceEqual(portrait.Pixels.Slice(i * 3, 3)))
            .Select(i => $"({i % 512},{i / 512})").Should().BeEmpty("pixels outside the mask keep their bytes");
    }

    [Fact]
    public void Lower_face_mask_changes_only_below_the_nose()
    {
        using var frame = AffineWarpTests.Smooth(400, 300);
        using var original = frame.Clone();
        var face = FfhqAlignment.Align(SyntheticFace.Place(Affine2x3.Similarity(35, 0.15, 200, 120)));
        using var generated = new PixelBuffer(512, 512);
        generated.Pixels.Fill(255);
        using var mask = FaceMask.Build(FaceMaskOptions.LowerFace);
        PasteBack.Run(frame, generated, mask, face);
        var changedAbove = 0;
        var changedBelow = 0;
        for (var y = 0; y < 300; y++)
            for (var x = 0; x < 400; x++)
            {
                var k = (y * 400 + x) * 3;
                if (frame.Pixels.Slice(k, 3).SequenceEqual(original.Pixels.Slice(k, 3))) continue;
                // a bilinear sample reaches one crop row further than its position
                var v = face.FrameToCrop.Apply(x, y).Y;
                if (v < FaceMaskOptions.LowerFace.LowerFaceTop * 512 - 1.5) changedAbove++; else changedBelow++;
            }
        changedAbove.Should().Be(0, "nothing above the lower-face line changes");
        changedBelow.Should().BeGreaterThan(1000);
    }

    [Fact]
    public void Mask_erosion_and_feather_set_where_and_how_fast_the_weight_falls()
    {
        using var hard = FaceMask.Build(FaceMaskOptions.WholeFace with { ErodePixels = 0, FeatherSigma = 0 });
        using var soft = FaceMask.Build(FaceMaskOptions.WholeFace with { ErodePixels = 10, FeatherSigma = 6 });
        // Along the centre row, from the ellipse's left edge (x = 255.5 - 0.30 * 512 = 101.9) inwards.
        var row = (int)(0.585 * 512);
        int Edge(FaceMask m, int level)
        {
            var r = m.Weights.Row(row);
            for (var x = 0; x < 256; x++) if (r[x] >= level) return x;
            return -1;
        }
        Edge(hard, 1).Should().Be(102);
        hard.Weights.Row(row)[200].Should().Be(255);
        // eroded by 10: the 50% point moves ~10 px inwards; a Gaussian edge rises 10%->90% over 2.56 sigma
        Edge(soft, 128).Should().BeInRange(Edge(hard, 1) + 9, Edge(hard, 1) + 11);
        (Edge(soft, 230) - Edge(soft, 26)).Should().BeInRange(13, 18);
        soft.Weights.Row(0).ToArray().Should().OnlyContain(v => v == 0);
        using var standard = FaceMask.Build(FaceMaskOptions.WholeFace);
        Edge(standard, 1).Should().BeGreaterThanOrEqualTo(Edge(hard, 1), "eroding by 3 sigma keeps the feather inside the shape");
        var tooBig = () => FaceMask.Build(FaceMaskOptions.WholeFace with { RadiusX = 0.5, ErodePixels = 0, FeatherSigma = 0 });
        tooBig.Should().Throw<ArgumentException>().WithMessage("*reaches the crop's edge*");
        var badSigma = () => FaceMask.Build(FaceMaskOptions.WholeFace with { FeatherSigma = double.NaN });
        badSigma.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*FeatherSigma*");
    }

    [Fact]
    public void Color_matching_moves_the_generated_face_towards_the_frame()
    {
        using var portrait = ImageFile.Read(SharedData.Face);
        var face = FfhqAlignment.Align(SyntheticFace.Place(SyntheticFace.OnAstronaut));
        using var original = new PixelBuffer(512, 512);
        FfhqAlignment.Extract(portrait, face, original);
        using var tinted = original.Clone();
        for (var i = 0; i < tinted.ByteLength; i += 3)
        {
            tinted.Pixels[i] = (byte)Math.Min(255, tinted.Pixels[i] * 0.7 + 60);
            tinted.Pixels[i + 2] = (byte)(tinted.Pixels[i + 2] * 0.8);
        }
        using var mask = FaceMask.Build(FaceMaskOptions.WholeFace);
        using var matched = new PixelBuffer(512, 512);
        ColorMatch.Run(tinted, original, mask.Weights, matched);
        double Error(PixelBuffer p) => Enumerable.Range(0, 512 * 512).Where(i => mask.Weights.Pixels[i] == 255)
            .Average(i => Math.Abs(p.Pixels[i * 3] - original.Pixels[i * 3]) + Math.Abs(p.Pixels[i * 3 + 2] - original.Pixels[i * 3 + 2]));
        var before = Error(tinted);
        var after = Error(matched);
        TestContext.Current.TestOutputHelper?.WriteLine($"mean abs error of red+blue inside the mask: tinted {before:0.0}, matched {after:0.0}");
        after.Should().BeLessThan(before / 4);

        ColorMatch.Run(tinted, original, mask.Weights, matched, strength: 0);
        matched.Pixels.SequenceEqual(tinted.Pixels).Should().BeTrue("strength 0 changes nothing");

        using var frame = portrait.Clone();
        var missing = () => PasteBack.Run(frame, tinted, mask, face, new PasteBackOptions { MatchColor = true });
        missing.Should().Throw<ArgumentException>().WithMessage("*original aligned crop*");
        PasteBack.Run(frame, tinted, mask, face, new PasteBackOptions { MatchColor = true }, original).IsEmpty.Should().BeFalse();
    }

    [Fact]
    public void Mismatched_crop_or_mask_sizes_are_refused()
    {
        using var frame = new PixelBuffer(100, 100);
        var face = FfhqAlignment.Align(SyntheticFace.Place(Affine2x3.Similarity(10, 0, 50, 40)));
        using var small = new PixelBuffer(256, 256);
        using var mask = FaceMask.Build(FaceMaskOptions.WholeFace);
        var crop = () => PasteBack.Run(frame, small, mask, face);
        crop.Should().Throw<ArgumentException>().WithMessage("*256x256*512x512*");
        using var smallMask = FaceMask.Build(FaceMaskOptions.WholeFace, 256);
        using var full = new PixelBuffer(512, 512);
        var maskSize = () => PasteBack.Run(frame, full, smallMask, face);
        maskSize.Should().Throw<ArgumentException>().WithMessage("*mask is 256x256*");
        using var bgr = new PixelBuffer(512, 512, ColorOrder.Bgr);
        var order = () => PasteBack.Run(frame, bgr, mask, face);
        order.Should().Throw<ArgumentException>().WithMessage("*Bgr*Rgb*");
    }
}
