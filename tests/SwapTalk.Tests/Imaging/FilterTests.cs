using SwapTalk.Core.Imaging;

namespace SwapTalk.Tests.Imaging;

public class GaussianBlurTests
{

    [Fact]
    public void Constant_stays_constant_and_an_impulse_spreads_symmetrically_keeping_its_mass()
    {
        using var flat = new MaskBuffer(31, 31);
        flat.Pixels.Fill(77);
        using var blurred = new MaskBuffer(31, 31);
        GaussianBlur.Run(flat, blurred, 3);
        blurred.Pixels.ToArray().Should().OnlyContain(v => v == 77);

        using var impulse = new MaskBuffer(41, 41);
        impulse.Pixels[20 * 41 + 20] = 255;
        using var spread = new MaskBuffer(41, 41);
        GaussianBlur.Run(impulse, spread, 1.5);
        var sum = spread.Pixels.ToArray().Sum(v => (int)v);
        sum.Should().BeInRange(255 - 25, 255 + 25, "rounding each output pixel moves the total a little");
        spread.Pixels[20 * 41 + 17].Should().Be(spread.Pixels[20 * 41 + 23]);
        spread.Pixels[17 * 41 + 20].Should().Be(spread.Pixels[23 * 41 + 20]);
        spread.Pixels[20 * 41 + 20].Should().BeGreaterThan(spread.Pixels[20 * 41 + 21]);
    }

    [Fact]
    public void Non_positive_sigma_is_refused()
    {
        using var m = new MaskBuffer(4, 4);
        var act = () => GaussianBlur.Run(m, m, 0);
        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*sigma*0*");
    }
}

public class MorphologyTests
{

    [Fact]
    public void Erosion_shrinks_a_square_by_the_radius_on_every_side()
    {
        using var mask = new MaskBuffer(40, 40);
        for (var y = 10; y < 30; y++) mask.Row(y)[10..30].Fill(255);
        using var eroded = new MaskBuffer(40, 40);
        Morphology.Erode(mask, eroded, 3);
        eroded.NonZeroBounds().Should().Be(new RectI(13, 13, 14, 14));
        // the mask's own edges do not erode (and erosion works in place)
        using var full = new MaskBuffer(10, 10);
        full.Pixels.Fill(200);
        Morphology.Erode(full, full, 2);
        full.Pixels.ToArray().Should().OnlyContain(v => v == 200);
    }
}
