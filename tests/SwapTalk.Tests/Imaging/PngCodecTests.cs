using System.Diagnostics;
using SwapTalk.Core.Imaging;
using SwapTalk.Tests.Support;

namespace SwapTalk.Tests.Imaging;

public class PngCodecTests
{
    [Fact]
    public void Decodes_the_shared_portrait_exactly_as_ffmpeg_does()
    {
        var path = SharedData.Face;
        using var image = PngCodec.Read(path);
        image.Width.Should().Be(512);
        image.Height.Should().Be(512);
        // ffmpeg is the independent reference decoder.
        var psi = new ProcessStartInfo("ffmpeg") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-nostdin", "-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "rgb24", "-" }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        using var ms = new MemoryStream();
        p.StandardOutput.BaseStream.CopyTo(ms);
        p.WaitForExit();
        ms.ToArray().AsSpan().SequenceEqual(image.Pixels).Should().BeTrue();
    }

    [Fact]
    public void Encode_then_decode_round_trips_bgr_and_odd_sizes()
    {
        using var image = new PixelBuffer(37, 19, ColorOrder.Bgr);
        new Random(7).NextBytes(image.Pixels);
        using var back = PngCodec.Decode(PngCodec.Encode(image));
        back.Order.Should().Be(ColorOrder.Rgb);
        for (var i = 0; i < image.ByteLength; i += 3)
        {
            back.Pixels[i].Should().Be(image.Pixels[i + 2]);
            back.Pixels[i + 2].Should().Be(image.Pixels[i]);
        }
    }

    [Fact]
    public void Rejects_non_png_and_truncated_files_naming_the_input()
    {
        var notPng = () => PngCodec.Decode("hello"u8, "face.png");
        notPng.Should().Throw<InvalidDataException>().WithMessage("face.png: not a PNG*");
        using var image = new PixelBuffer(8, 8);
        var bytes = PngCodec.Encode(image);
        var truncated = () => PngCodec.Decode(bytes.AsSpan(0, bytes.Length - 20), "cut.png");
        truncated.Should().Throw<InvalidDataException>().WithMessage("cut.png: *");
    }
}
