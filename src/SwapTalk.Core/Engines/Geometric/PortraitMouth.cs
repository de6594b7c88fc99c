using System.Numerics;
using OpenCvSharp;
using SwapTalk.Core.Imaging;

namespace SwapTalk.Core.Engines.Geometric;

/// <summary>
/// The no-portrait-teeth rule: a smiling, open-mouthed portrait shows teeth, and the landmarker's inner lips do not
/// hug them exactly, so a strip of the portrait's teeth would ride on the lips over the target's mouth at the wrong
/// opening (a gap-toothed grin). Once per job the portrait's teeth (bright, unsaturated pixels inside the outer lips)
/// and the gap between its inner lips are painted over from the surrounding lips (OpenCV's Telea inpainting): the
/// portrait's mouth becomes a closed-lip mouth, and inside the lips always comes from the target video.
/// </summary>
public static class PortraitMouth
{
    /// <summary>Teeth are at most this far from grey in Lab a* (8-bit units; lips sit 15 or more towards red).</summary>
    public const int TeethMaxRedness = 10;

    /// <summary>Teeth are at least this bright (8-bit Lab L*): the dark mouth cavity is not teeth, and lies inside the inner lips anyway.</summary>
    public const int TeethMinLightness = 110;

    /// <summary>Paints the teeth and the inner-lip gap of <paramref name="portrait"/> (BGR, in place) over; returns the pixels painted.</summary>
    public static int RemoveTeeth(PixelBuffer portrait, ReadOnlySpan<Vector2> landmarks)
    {
        if (portrait.Order != ColorOrder.Bgr) throw new ArgumentException("the portrait must be BGR", nameof(portrait));
        var scale = FaceGeometry.EyeDistance(landmarks);
        using var pin = new PinnedFrame(portrait);
        var image = pin.Mat;
        using var outer = Polygon(image.Size(), landmarks, 48, 12);
        using var mask = Polygon(image.Size(), landmarks, 60, 8);
        if (FaceGeometry.RelativeMouthOpening(landmarks) < 0.02f) mask.SetTo(Scalar.All(0)); // closed lips: no gap to fill

        using (var lab = new Mat())
        {
            Cv2.CvtColor(image, lab, ColorConversionCodes.BGR2Lab);
            var channels = lab.Split();
            try
            {
                using var grey = new Mat();
                using var bright = new Mat();
                Cv2.InRange(channels[1], new Scalar(0), new Scalar(128 + TeethMaxRedness), grey);
                Cv2.InRange(channels[0], new Scalar(TeethMinLightness), new Scalar(255), bright);
                using var teeth = new Mat();
                Cv2.BitwiseAnd(grey, bright, teeth);
                Cv2.BitwiseAnd(teeth, outer, teeth);
                Cv2.BitwiseOr(mask, teeth, mask);
            }
            finally
            {
                foreach (var c in channels) c.Dispose();
            }
        }
        var painted = Cv2.CountNonZero(mask);
        if (painted == 0) return 0;
        // A pixel more: the teeth's anti-aliased edge would stay as a pale line.
        var grow = Math.Max(1, (int)Math.Round(0.02 * scale));
        using (var kernel = Cv2.GetStructuringElement(MorphShapes.Ellipse, new Size(2 * grow + 1, 2 * grow + 1)))
            Cv2.Dilate(mask, mask, kernel);
        Cv2.BitwiseAnd(mask, outer, mask);
        using var result = new Mat();
        Cv2.Inpaint(image, mask, result, Math.Max(2.0, 0.06 * scale), InpaintTypes.Telea);
        result.CopyTo(image);
        return Cv2.CountNonZero(mask);
    }

    private static Mat Polygon(Size size, ReadOnlySpan<Vector2> l, int first, int count)
    {
        var mask = new Mat(size, MatType.CV_8UC1, Scalar.All(0));
        var poly = new Point[count];
        for (var i = 0; i < count; i++) poly[i] = new Point((int)Math.Round(l[first + i].X), (int)Math.Round(l[first + i].Y));
        Cv2.FillPoly(mask, [poly], Scalar.All(255), LineTypes.Link8);
        return mask;
    }
}
