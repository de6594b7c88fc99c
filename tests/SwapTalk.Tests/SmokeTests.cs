using SwapTalk.Core.Imaging;

namespace SwapTalk.Tests;

public class PixelBufferTests
{
    [Fact]
    public void Pooled_buffer_exposes_exact_pixel_span_and_rejects_bad_sizes()
    {
        using var image = new PixelBuffer(361, 289, ColorOrder.Bgr, pooled: true);
        image.Pixels.Length.Should().Be(361 * 289 * 3);
        image.Row(288).Length.Should().Be(361 * 3);
        var act = () => new PixelBuffer(0, 10);
        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*0x10*");
    }
}
