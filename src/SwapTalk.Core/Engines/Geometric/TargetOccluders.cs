using System.Numerics;
using OpenCvSharp;

namespace SwapTalk.Core.Engines.Geometric;

/// <summary>
/// The target's thin dark occluders in front of the swapped face: a glasses rim, a strand of hair, the edge of a
/// frame. Found without a model as thin dark structure in the target (a morphological black-hat: how much darker a
/// pixel is than the closing of its neighbourhood, at a width of <see cref="LineWidth"/> eye distances), above the
/// mouth and away from the target's own eyes, brows, nostrils and lips (those are what the portrait replaces), and copied from the target
/// over the portrait. The skin/hair segmentation model was measured first and does not see them: on GRID lbax4n it
/// calls a wire rim skin (docs/geometric.md, "The target's occluders").
/// <para>
/// Pure per frame (the frame's pixels and its transferred landmarks), so segment seams stay bit-identical; computed on
/// the region scaled to <see cref="WorkingEyeDistance"/> pixels between the eyes, so its cost is flat from GRID to
/// 1080p.
/// </para>
/// </summary>
public static class TargetOccluders
{
    /// <summary>Eye distance (pixels) the search works at: a 1080p face's rim is still a few pixels wide there.</summary>
    public const float WorkingEyeDistance = 64f;

    /// <summary>
    /// Structure narrower than this share of the eye distance counts as thin (a rim is a few hundredths wide; a
    /// cheek's shading or the nose's side, a tenth or more, does not respond).
    /// </summary>
    public const float LineWidth = 0.12f;

    /// <summary>Darkness (grey levels below the closing) where an occluder starts to show and where it is fully the target's.</summary>
    public const double Faint = 10, Solid = 28;

    /// <summary>
    /// How far around the target's eyes (share of the eye distance) nothing is taken: lashes and the lid crease are
    /// the target's eyes, not an occluder; a rim sits further out (about 0.2 above and below the eye's middle).
    /// </summary>
    public const float EyeMargin = 0.07f;

    /// <summary>How far below the nose's bottom (share of the eye distance) the search stops.</summary>
    public const float NoseClearance = 0.05f;

    /// <summary>Half the width of the band from each nose wing to the mouth's corner (the nasolabial fold) left to the portrait.</summary>
    public const float FoldHalfWidth = 0.1f;

    /// <summary>Half the width of the band along each brow that is left to the portrait (share of the eye distance).</summary>
    public const float BrowHalfWidth = 0.08f;

    /// <summary>
    /// The share (8-bit, 255 = the target) of each pixel of the face region that is a target occluder: the black-hat
    /// response ramped from <see cref="Faint"/> to <see cref="Solid"/>, inside the face outline and outside the
    /// target's features. <paramref name="target"/> is the target's face already moved onto
    /// <paramref name="landmarks"/> (the points the portrait is drawn on).
    /// </summary>
    public static Mat Mask(Mat target, Mat faceMask, ReadOnlySpan<Vector2> landmarks, float scale)
    {
        var f = Math.Min(1f, WorkingEyeDistance / Math.Max(1f, scale));
        var size = new Size(Math.Max(1, (int)Math.Round(target.Cols * f)), Math.Max(1, (int)Math.Round(target.Rows * f)));
        var eyes = scale * f; // eye distance at the working size
        using var gray = new Mat();
        using (var full = new Mat())
        {
            Cv2.CvtColor(target, full, ColorConversionCodes.BGR2GRAY);
            Cv2.Resize(full, gray, size, 0, 0, InterpolationFlags.Area);
        }
        var diameter = Math.Max(3, 2 * (int)Math.Round(LineWidth * eyes / 2) + 1);
        using var response = new Mat();
        using (var kernel = Cv2.GetStructuringElement(MorphShapes.Ellipse, new Size(diameter, diameter)))
            Cv2.MorphologyEx(gray, response, MorphTypes.BlackHat, kernel);
        var weight = new Mat();
        response.ConvertTo(weight, MatType.CV_8UC1, 255 / (Solid - Faint), -Faint * 255 / (Solid - Faint));

        using var allowed = Allowed(faceMask, landmarks, size, f, eyes, diameter);
        Cv2.Min(weight, allowed, weight);
        using (var longOnes = LongStructures(weight, eyes))
            Cv2.Min(weight, longOnes, weight);
        // Softened (a rim's anti-aliased edge), then back to the region's size. Growing it by a pixel as well cost 0.04
        // identity on chris.jpg over GRID lbax4n for no visible gain.
        Cv2.GaussianBlur(weight, weight, new Size(0, 0), 0.7);
        if (size != target.Size()) Cv2.Resize(weight, weight, target.Size(), 0, 0, InterpolationFlags.Linear);
        return weight;
    }

    /// <summary>Copies the target's occluders (<see cref="Mask"/>) over <paramref name="face"/>.</summary>
    public static void Apply(Mat face, Mat target, Mat faceMask, ReadOnlySpan<Vector2> landmarks, float scale)
    {
        using var weight = Mask(target, faceMask, landmarks, scale);
        GeometricFaceRenderer.BlendWhere(target, face, weight, face);
    }

    /// <summary>
    /// Length (share of the eye distance, the diagonal of its bounding box) from which a connected thin dark structure
    /// counts fully as an occluder; it fades in from <see cref="MinLength"/> - 0.15. A rim's arc or a strand of hair is
    /// long; the target's own creases (a deep-set eye's lid fold, the nostril's wing, a mouth corner) are short.
    /// </summary>
    public const float MinLength = 0.6f;

    /// <summary>Where a structure (working size, 8-bit weight) is long enough: 255 on it and a pixel around, fading with its length.</summary>
    private static Mat LongStructures(Mat weight, float eyes)
    {
        using var binary = new Mat();
        Cv2.Threshold(weight, binary, 40, 255, ThresholdTypes.Binary);
        // Pieces of one rim broken by a faint stretch belong together: bridged before counting.
        var bridge = Math.Max(3, 2 * (int)Math.Round(0.03f * eyes) + 1);
        using (var kernel = Cv2.GetStructuringElement(MorphShapes.Ellipse, new Size(bridge, bridge)))
            Cv2.Dilate(binary, binary, kernel);
        using var labels = new Mat();
        using var stats = new Mat();
        using var centroids = new Mat();
        var count = Cv2.ConnectedComponentsWithStats(binary, labels, stats, centroids, PixelConnectivity.Connectivity8, MatType.CV_32SC1);
        var level = new byte[count];
        for (var k = 1; k < count; k++)
        {
            var w = stats.At<int>(k, (int)ConnectedComponentsTypes.Width);
            var h = stats.At<int>(k, (int)ConnectedComponentsTypes.Height);
            var length = MathF.Sqrt(w * w + h * h) / Math.Max(1f, eyes);
            level[k] = (byte)Math.Round(255 * Math.Clamp((length - (MinLength - 0.15f)) / 0.15f, 0f, 1f));
        }
        var keep = new Mat(weight.Size(), MatType.CV_8UC1, Scalar.All(0));
        var rows = labels.Rows;
        var cols = labels.Cols;
        var label = new int[cols];
        var row = new byte[cols];
        for (var y = 0; y < rows; y++)
        {
            System.Runtime.InteropServices.Marshal.Copy(labels.Ptr(y), label, 0, cols);
            for (var x = 0; x < cols; x++) row[x] = level[label[x]];
            System.Runtime.InteropServices.Marshal.Copy(row, 0, keep.Ptr(y), cols);
        }
        using (var kernel = Cv2.GetStructuringElement(MorphShapes.Ellipse, new Size(3, 3)))
            Cv2.Dilate(keep, keep, kernel);
        return keep;
    }

    /// <summary>Where an occluder may be taken (working size): inside the outline, pulled in by the kernel (the outline's own edge responds), minus the target's features.</summary>
    private static Mat Allowed(Mat faceMask, ReadOnlySpan<Vector2> l, Size size, float f, float eyes, int diameter)
    {
        var allowed = new Mat();
        Cv2.Resize(faceMask, allowed, size, 0, 0, InterpolationFlags.Area);
        Cv2.Threshold(allowed, allowed, 254, 255, ThresholdTypes.Binary);
        using (var kernel = Cv2.GetStructuringElement(MorphShapes.Ellipse, new Size(diameter, diameter)))
            Cv2.Erode(allowed, allowed, kernel);

        Point P(Vector2 p) => new((int)Math.Round(p.X * f), (int)Math.Round(p.Y * f));
        Point[] Poly(ReadOnlySpan<Vector2> pts, int first, int count)
        {
            var poly = new Point[count];
            for (var i = 0; i < count; i++) poly[i] = P(pts[first + i]);
            return poly;
        }
        using var features = new Mat(size, MatType.CV_8UC1, Scalar.All(0));
        // Eyes, grown by the margin below.
        foreach (var first in new[] { 36, 42 })
            Cv2.FillConvexPoly(features, Cv2.ConvexHull(Poly(l, first, 6)), Scalar.All(255));
        var grow = Math.Max(1, (int)Math.Round(EyeMargin * eyes));
        using (var kernel = Cv2.GetStructuringElement(MorphShapes.Ellipse, new Size(2 * grow + 1, 2 * grow + 1)))
            Cv2.Dilate(features, features, kernel);
        // Brows: a band along each.
        var brow = Math.Max(1, (int)Math.Round(2 * BrowHalfWidth * eyes));
        Cv2.Polylines(features, [Poly(l, 17, 5), Poly(l, 22, 5)], false, Scalar.All(255), brow, LineTypes.Link8);
        // The nose's underside (nostrils) and the lips, each with a little margin.
        var small = Math.Max(1, (int)Math.Round(0.06 * eyes));
        Cv2.FillConvexPoly(features, Cv2.ConvexHull(Poly(l, 30, 6)), Scalar.All(255));
        Cv2.Polylines(features, [Poly(l, 30, 6)], true, Scalar.All(255), 2 * small, LineTypes.Link8);
        Cv2.FillConvexPoly(features, Cv2.ConvexHull(Poly(l, 48, 12)), Scalar.All(255));
        Cv2.Polylines(features, [Poly(l, 48, 12)], true, Scalar.All(255), 2 * small, LineTypes.Link8);
        // The folds from the nose's wings to the mouth's corners (the target's own, replaced by the portrait's).
        Cv2.Polylines(features, [[P(l[31]), P(l[48])], [P(l[35]), P(l[54])]], false, Scalar.All(255), Math.Max(1, (int)Math.Round(2 * FoldHalfWidth * eyes)), LineTypes.Link8);
        // Below the nose nothing is taken: thin dark lines there are the target's own (the fold under the lower lip, the
        // chin's), and copying them moved where the landmarker reads the lips (self-driven mouth amplitude on GRID
        // bbaf2n 0.94 -> 0.82 with them). A rim or a strand of hair lies higher.
        var down = FaceGeometry.Down(l);
        var across = new Vector2(-down.Y, down.X);
        var cut = l[33] + down * (NoseClearance * eyes / f);
        var far = 4 * Math.Max(size.Width, size.Height) / f;
        Cv2.FillConvexPoly(features, [P(cut - across * far), P(cut + across * far), P(cut + across * far + down * far), P(cut - across * far + down * far)], Scalar.All(255));
        Cv2.Subtract(allowed, features, allowed);
        return allowed;
    }
}
