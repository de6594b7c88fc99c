using System.Numerics;
using SwapTalk.Core.Engines.Geometric;
using SwapTalk.Core.Engines.Geometric.Mouth;
using SwapTalk.Core.Imaging;
using SwapTalk.Tests.Support;

namespace SwapTalk.Tests.Geometric;

/// <summary>The choice of the mouth interior by opening and sound (<see cref="MouthInteriors"/>).</summary>
public sealed class MouthInteriorTests
{
    /// <summary>A bank sample: a mouth of the given opening whose inside (inner lips) has the given grey level.</summary>
    private static MouthSample Sample(long frame, float opening, byte inside)
    {
        var face = MouthShaper.Open(FaceSamples.Frontal(), opening);
        var centre = FaceGeometry.Mean(face, 48, 20);
        for (var i = 0; i < face.Length; i++) face[i] += new Vector2(100, 100) - centre; // the mouth in the crop's middle
        var crop = new PixelBuffer(200, 200, ColorOrder.Bgr);
        crop.Pixels.Fill(150);
        var box = face.Skip(60).Take(8).ToArray();
        var (x0, x1) = ((int)box.Min(p => p.X), (int)Math.Ceiling(box.Max(p => p.X)));
        var (y0, y1) = ((int)box.Min(p => p.Y), (int)Math.Ceiling(box.Max(p => p.Y)));
        for (var y = Math.Max(0, y0); y <= Math.Min(199, y1); y++)
            crop.Row(y).Slice(3 * Math.Max(0, x0), 3 * (Math.Min(199, x1) - Math.Max(0, x0) + 1)).Fill(inside);
        return new MouthSample(frame, opening, crop, face);
    }

    [Fact]
    public void The_interior_follows_the_opening_first_then_the_sounds_teeth()
    {
        var dark = Sample(1, 0.15f, 30);
        var bright = Sample(2, 0.16f, 230);
        var wide = Sample(3, 0.30f, 230);
        var nearlyClosed = Sample(4, 0.03f, 150);
        var interiors = new MouthInteriors([nearlyClosed, dark, bright, wide]);
        interiors.Teeth[1].Should().BeLessThan(interiors.Teeth[2], "teeth are the brightest thing between the lips");

        interiors.Choose(new MouthPose(0.15f, 0, Teeth: 1f)).Should().BeSameAs(bright, "an 'ee' or 's' shows teeth");
        interiors.Choose(new MouthPose(0.15f, 0, Teeth: 0f)).Should().BeSameAs(dark, "an 'oo' shows a dark mouth");
        interiors.Choose(new MouthPose(0.30f, 0, Teeth: 0f)).Should().BeSameAs(wide, "the opening comes first: no dark sample is near 0.30");
        interiors.Choose(new MouthPose(0.04f, 0, Teeth: 0f)).Opening.Should().BeGreaterThanOrEqualTo(MouthInteriors.LeastShown,
            "a small gap is filled from an open mouth, not from lip-coloured closed lips");
        new MouthInteriors([]).Choose(new MouthPose(0.1f, 0)).Should().BeNull();
    }
}
