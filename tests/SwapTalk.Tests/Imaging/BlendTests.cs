using SwapTalk.Core.Imaging;

namespace SwapTalk.Tests.Imaging;

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
