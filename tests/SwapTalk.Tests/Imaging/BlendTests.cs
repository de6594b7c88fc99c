using SwapTalk.Core.Imaging;

namespace SwapTalk.Tests.Imaging;

public class AlphaBlendTests
{
    [Fact]
    public void Division_by_255_shortcut_is_exact_for_every_product_sum()
    {
        // The SIMD kernel's (t + (t >> 8)) >> 8 with t = x + 128 against the reference's (x + 127) / 255.
        for (var x = 0; x <= 255 * 255; x++)
        {
            var t = x + 128;
            ((t + (t >> 8)) >> 8).Should().Be((x + 127) / 255, $"x = {x}");
        }
    }

    [Fact]
    public void Simd_row_kernel_agrees_exactly_with_the_scalar_reference()
    {
        var rng = new Random(5);
        const int n = 16 * 9 + 7;
        var fg = new byte[n * 3];
        var alpha = new byte[n];
        var bg = new byte[n * 3];
        rng.NextBytes(fg);
        rng.NextBytes(bg);
        rng.NextBytes(alpha);
        alpha.AsSpan(16, 16).Clear();       // a whole zero block: skipped
        alpha.AsSpan(40, 10).Fill(255);     // opaque run
        var simd = (byte[])bg.Clone();
        var scalar = (byte[])bg.Clone();
        AlphaBlend.BlendRow(fg, alpha, simd);
        AlphaBlend.BlendRowScalar(fg, alpha, scalar);
        simd.Should().Equal(scalar);
    }

    [Fact]
    public void Zero_alpha_keeps_background_bytes_and_full_alpha_takes_foreground()
    {
        using var fg = AffineWarpTests.Noise(20, 10, 1);
        using var bg = AffineWarpTests.Noise(20, 10, 2);
        using var original = bg.Clone();
        using var alpha = new MaskBuffer(20, 10);
        alpha.Row(3).Fill(255);
        alpha.Row(5)[7] = 128;
        AlphaBlend.Run(fg, alpha, bg);
        for (var y = 0; y < 10; y++)
            for (var x = 0; x < 20; x++)
            {
                var k = (y * 20 + x) * 3;
                var expected = y == 3 ? fg.Pixels.Slice(k, 3).ToArray()
                    : y == 5 && x == 7 ? Enumerable.Range(0, 3).Select(c => (byte)((fg.Pixels[k + c] * 128 + original.Pixels[k + c] * 127 + 127) / 255)).ToArray()
                    : original.Pixels.Slice(k, 3).ToArray();
                bg.Pixels.Slice(k, 3).ToArray().Should().Equal(expected, $"pixel ({x},{y})");
            }
    }

    [Fact]
    public void Mismatched_sizes_and_orders_are_refused()
    {
        using var a = new PixelBuffer(4, 4);
        using var b = new PixelBuffer(4, 5);
        using var m = new MaskBuffer(4, 4);
        var size = () => AlphaBlend.Run(a, m, b);
        size.Should().Throw<ArgumentException>().WithMessage("*4x4*4x5*");
        using var bgr = new PixelBuffer(4, 4, ColorOrder.Bgr);
        var order = () => AlphaBlend.Run(a, m, bgr);
        order.Should().Throw<ArgumentException>().WithMessage("*Rgb*Bgr*");
    }
}

public class WarpBlendTests
{
    internal static MaskBuffer Disc(int size, double cx, double cy, double radius, double feather)
    {
        var mask = new MaskBuffer(size, size);
        for (var y = 0; y < size; y++)
            for (var x = 0; x < size; x++)
            {
                var d = Math.Sqrt((x - cx) * (x - cx) + (y - cy) * (y - cy));
                mask.Pixels[y * size + x] = (byte)Math.Clamp(Math.Round((radius - d) / feather * 255), 0, 255);
            }
        return mask;
    }

    public static TheoryData<int> Seeds() => [1, 2, 3, 4];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Simd_kernel_agrees_exactly_with_the_scalar_reference(int seed)
    {
        var rng = new Random(seed);
        using var crop = AffineWarpTests.Noise(64, 64, seed);
        // Mask touching the crop's edges too, so the transparent border and the edge path matter.
        using var mask = Disc(64, 20 + rng.Next(24), 20 + rng.Next(24), 25 + rng.Next(20), 6);
        using var frame = AffineWarpTests.Noise(150, 120, seed + 10);
        using var reference = frame.Clone();
        var cropToFrame = Affine2x3.Translation(-32, -32)
            .Then(Affine2x3.Similarity(0.5 + 1.5 * rng.NextDouble(), rng.NextDouble() * 6, 30 + rng.Next(90), 20 + rng.Next(80)));
        var box = WarpBlend.Run(crop, mask, frame, cropToFrame);
        box.IsEmpty.Should().BeFalse();
        WarpBlend.RunScalar(crop, mask, reference, box, cropToFrame.Invert());
        frame.Pixels.SequenceEqual(reference.Pixels).Should().BeTrue();
    }

    [Fact]
    public void Simd_kernel_agrees_with_the_reference_for_any_turn_scale_and_placement_including_clipped_faces()
    {
        var rng = new Random(99);
        using var crop = AffineWarpTests.Noise(48, 48, 7);
        using var mask = Disc(48, 24, 26, 20, 5);
        for (var trial = 0; trial < 40; trial++)
        {
            using var frame = AffineWarpTests.Noise(90, 70, trial);
            using var reference = frame.Clone();
            // Centres range beyond the frame's edges, so many boxes are clipped.
            var cropToFrame = Affine2x3.Translation(-24, -24)
                .Then(Affine2x3.Similarity(0.2 + 3.8 * rng.NextDouble(), rng.NextDouble() * 2 * Math.PI, -30 + 150 * rng.NextDouble(), -30 + 130 * rng.NextDouble()));
            var box = WarpBlend.Run(crop, mask, frame, cropToFrame);
            if (!box.IsEmpty) WarpBlend.RunScalar(crop, mask, reference, box, cropToFrame.Invert());
            frame.Pixels.SequenceEqual(reference.Pixels).Should().BeTrue($"trial {trial}: {cropToFrame}");
        }
    }

    [Fact]
    public void Pixels_outside_the_mask_keep_their_exact_bytes()
    {
        using var crop = AffineWarpTests.Noise(128, 128, 1);
        using var mask = Disc(128, 64, 70, 40, 10);
        using var frame = AffineWarpTests.Noise(300, 240, 2);
        using var original = frame.Clone();
        var cropToFrame = Affine2x3.Translation(-64, -64).Then(Affine2x3.Similarity(1.3, 0.2, 150, 120));
        var frameToCrop = cropToFrame.Invert();
        var box = WarpBlend.Run(crop, mask, frame, cropToFrame);
        int changed = 0, inside = 0;
        for (var y = 0; y < 240; y++)
            for (var x = 0; x < 300; x++)
            {
                var (u, v) = frameToCrop.Apply(x, y);
                var distance = Math.Sqrt((u - 64) * (u - 64) + (v - 70) * (v - 70));
                var same = frame.Pixels.Slice((y * 300 + x) * 3, 3).SequenceEqual(original.Pixels.Slice((y * 300 + x) * 3, 3));
                if (!same) changed++;
                if (distance > 41.5) same.Should().BeTrue($"({x},{y}) maps {distance:0.0} px from the disc centre, outside the mask");
                if (distance < 29) { inside++; same.Should().BeFalse($"({x},{y}) is inside the opaque disc"); }
                if (!box.Contains(new RectI(x, y, 1, 1))) same.Should().BeTrue("nothing outside the returned box changes");
            }
        inside.Should().BeGreaterThan(1000);
        changed.Should().BeGreaterThan(inside);
    }

    [Fact]
    public void Empty_mask_changes_nothing_and_bad_inputs_are_refused()
    {
        using var crop = new PixelBuffer(32, 32);
        using var mask = new MaskBuffer(32, 32);
        using var frame = AffineWarpTests.Noise(50, 50, 3);
        using var original = frame.Clone();
        WarpBlend.Run(crop, mask, frame, Affine2x3.Identity).IsEmpty.Should().BeTrue();
        frame.Pixels.SequenceEqual(original.Pixels).Should().BeTrue();
        using var small = new MaskBuffer(16, 16);
        var size = () => WarpBlend.Run(crop, small, frame, Affine2x3.Identity);
        size.Should().Throw<ArgumentException>().WithMessage("*16x16*32x32*");
        var self = () => WarpBlend.Run(frame, new MaskBuffer(50, 50), frame, Affine2x3.Identity);
        self.Should().Throw<ArgumentException>().WithMessage("*itself*");
    }
}
