using System.Numerics;
using SwapTalk.Core.Imaging;

namespace SwapTalk.Tests.Vision.Alignment;

/// <summary>
/// A plausible 68-point face (iBUG order) built from simple geometry, in face units: eye centres at
/// (-0.5, 0) and (0.5, 0), y down, mouth corners at (+-0.42, 1.15), chin at (0, 1.75). Tests place it
/// in an image by a stated similarity transform.
/// </summary>
public static class SyntheticFace
{
    public static Vector2[] Layout()
    {
        var p = new List<Vector2>(68);
        // 0-16 jaw: half an ellipse from the image-left temple, round the chin, to the image-right temple.
        for (var i = 0; i <= 16; i++)
        {
            var t = i * Math.PI / 16;
            p.Add(V(-Math.Cos(t) * 1.0, 0.1 + Math.Sin(t) * 1.65));
        }
        // 17-21, 22-26 brows: arches above the eyes.
        for (var side = -1; side <= 1; side += 2)
            for (var i = 0; i < 5; i++)
            {
                var u = side < 0 ? -0.9 + i * 0.17 : 0.22 + i * 0.17;
                var centre = side * 0.55;
                p.Add(V(u, -0.38 - 0.12 * (1 - Math.Pow((u - centre) / 0.4, 2))));
            }
        // 27-30 nose bridge, 31-35 nostrils.
        for (var i = 0; i < 4; i++) p.Add(V(0, 0.12 + i * 0.18));
        for (var i = 0; i < 5; i++) p.Add(V(-0.24 + i * 0.12, 0.74 + (i == 2 ? 0.04 : 0)));
        // 36-41 image-left eye, 42-47 image-right eye: outer/inner corners and lids (ellipses 0.4 x 0.14).
        AddEye(p, -0.5);
        AddEye(p, 0.5);
        // 48-59 outer lip, 60-67 inner lip.
        for (var i = 0; i < 12; i++)
        {
            var t = Math.PI - i * Math.PI / 6; // 48 at the left corner, upper lip first, back along the lower lip
            var r = Math.Sin(t) >= 0 ? 0.12 : 0.2;
            p.Add(V(Math.Cos(t) * 0.42, 1.15 - Math.Sin(t) * r));
        }
        for (var i = 0; i < 8; i++)
        {
            var t = Math.PI - i * Math.PI / 4;
            p.Add(V(Math.Cos(t) * 0.3, 1.15 - Math.Sin(t) * 0.04));
        }
        return p.ToArray();
    }

    private static void AddEye(List<Vector2> p, double cx)
    {
        // iBUG: image-left corner, two upper-lid points, image-right corner, two lower-lid points.
        for (var i = 0; i < 6; i++)
        {
            var t = Math.PI - i * Math.PI / 3;
            p.Add(V(cx + Math.Cos(t) * 0.2, -Math.Sin(t) * 0.07));
        }
    }

    /// <summary>The layout mapped into an image by <paramref name="placement"/> (face units to pixels).</summary>
    public static Vector2[] Place(Affine2x3 placement) => Layout().Select(placement.Apply).ToArray();

    /// <summary>
    /// Where the layout sits on the shared astronaut portrait (512x512): eye centres near (206, 103)
    /// and (244, 101), read off the image: scale 38 px per face unit, turned -3 degrees, eye midpoint (225, 102).
    /// </summary>
    public static Affine2x3 OnAstronaut => Affine2x3.Similarity(38, -3 * Math.PI / 180, 225, 102);

    private static Vector2 V(double x, double y) => new((float)x, (float)y);
}
