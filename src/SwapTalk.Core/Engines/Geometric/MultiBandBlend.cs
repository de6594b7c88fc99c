using OpenCvSharp;

namespace SwapTalk.Core.Engines.Geometric;

/// <summary>
/// Multi-band blending (Burt and Adelson, "A multiresolution spline", 1983): the swapped face joins the frame band by
/// band, each band over a transition as wide as its own wavelength. Fine detail (brows, lids, skin texture) stays the
/// portrait's close to the seam, while the broad brightness differences that a single narrow feather leaves as a line
/// across the forehead fade out over a wide band. A single wide feather removes that line too, but it also fades the
/// portrait's detail near the outline (its outer brows), which is where most of its identity went (docs/geometric.md,
/// "Fourth pass").
/// <para>
/// The blend is linear, so it is done on the difference: result = bottom + collapse(Gaussian(mask)_k * Laplacian(top -
/// bottom)_k): one Laplacian pyramid and one mask pyramid instead of two images' pyramids. OpenCV's PyrDown/PyrUp
/// (5-tap binomial) build them. Pure per call, so segments stay bit-identical.
/// </para>
/// </summary>
public static class MultiBandBlend
{
    /// <summary>
    /// The number of pyramid levels for a face of <paramref name="eyeDistance"/> pixels: the coarsest band's transition
    /// (about 2^levels px) reaches about <paramref name="widest"/> of the eye distance.
    /// </summary>
    public static int Levels(float eyeDistance, float widest) =>
        Math.Clamp((int)Math.Round(Math.Log2(Math.Max(1.0, widest * eyeDistance))), 1, 8);

    /// <summary>
    /// <paramref name="result"/> (BGR, 8-bit; may be <paramref name="bottom"/>) = <paramref name="top"/> blended into
    /// <paramref name="bottom"/> through <paramref name="mask"/> (8-bit, 255: top) band by band over
    /// <paramref name="levels"/> levels.
    /// </summary>
    public static void Apply(Mat top, Mat bottom, Mat mask, int levels, Mat result) => Pyramid(top, bottom, mask, levels, result);

    /// <summary>
    /// <see cref="Apply(Mat, Mat, Mat, int, Mat)"/> of top where <paramref name="keep"/> (8-bit) shows it, else
    /// bottom: on large faces folded into the difference (one pass less over the region); at factor 1 top is blended
    /// with bottom through <paramref name="keep"/> first, in 8 bits, as measured.
    /// </summary>
    public static void Apply(Mat top, Mat bottom, Mat mask, Mat keep, int levels, int factor, Mat result)
    {
        var coarse = factor > 1 ? (int)Math.Round(Math.Log2(factor)) : 0;
        if (coarse < 1 || levels <= coarse)
        {
            using var kept = new Mat();
            using (var k = new Mat())
            {
                keep.ConvertTo(k, MatType.CV_32FC1, 1.0 / 255);
                using var t = new Mat();
                using var b = new Mat();
                top.ConvertTo(t, MatType.CV_32FC3);
                bottom.ConvertTo(b, MatType.CV_32FC3);
                Cv2.Subtract(t, b, t);
                using var k3 = new Mat();
                Cv2.Merge([k, k, k], k3);
                Cv2.Multiply(t, k3, t);
                Cv2.Add(b, t, b);
                b.ConvertTo(kept, MatType.CV_8UC3);
            }
            Pyramid(kept, bottom, mask, levels, result);
            return;
        }
        Scaled(top, bottom, mask, keep, levels, factor, coarse, result);
    }

    /// <summary>
    /// <see cref="Apply(Mat, Mat, Mat, Mat, int, int, Mat)"/> with the pyramid's coarse levels built on the region scaled down by
    /// the whole <paramref name="factor"/> (large faces): the bands finer than the factor join through the mask itself,
    /// which is smooth at that scale (its blur is several pixels wide there), so only the finest difference is worked
    /// on at full size. Factor 1 is the plain pyramid, bit for bit.
    /// </summary>
    private static void Scaled(Mat top, Mat bottom, Mat mask, Mat keep, int levels, int factor, int coarse, Mat result)
    {
        using var b = new Mat();
        bottom.ConvertTo(b, MatType.CV_32FC3);
        using var difference = new Mat();
        top.ConvertTo(difference, MatType.CV_32FC3);
        Cv2.Subtract(difference, b, difference);
        using (var k = new Mat())
        {
            keep.ConvertTo(k, MatType.CV_32FC1, 1.0 / 255);
            using var kept = Weighted(difference, k);
            kept.CopyTo(difference);
        }
        var small = new Size((top.Cols + factor - 1) / factor, (top.Rows + factor - 1) / factor);
        using var smallDifference = new Mat();
        Cv2.Resize(difference, smallDifference, small, 0, 0, InterpolationFlags.Area);
        using var smallMask = new Mat();
        Cv2.Resize(mask, smallMask, small, 0, 0, InterpolationFlags.Area);
        // The finest bands: the difference less its scaled-down form, through the full-size mask.
        using (var low = new Mat())
        {
            Cv2.Resize(smallDifference, low, top.Size(), 0, 0, InterpolationFlags.Linear);
            Cv2.Subtract(difference, low, difference);
        }
        using (var weight = new Mat())
        {
            mask.ConvertTo(weight, MatType.CV_32FC1, 1.0 / 255);
            using var fine = Weighted(difference, weight);
            fine.CopyTo(difference);
        }
        // The coarser bands on the small region, collapsed there and scaled up.
        using var smallBlend = Collapse(smallDifference, smallMask, levels - coarse);
        using (var up = new Mat())
        {
            Cv2.Resize(smallBlend, up, top.Size(), 0, 0, InterpolationFlags.Linear);
            Cv2.Add(difference, up, difference);
        }
        Cv2.Add(b, difference, b);
        b.ConvertTo(result, MatType.CV_8UC3);
    }

    private static void Pyramid(Mat top, Mat bottom, Mat mask, int levels, Mat result)
    {
        using var difference = new Mat();
        using (var t = new Mat())
        {
            top.ConvertTo(t, MatType.CV_32FC3);
            bottom.ConvertTo(difference, MatType.CV_32FC3);
            Cv2.Subtract(t, difference, difference);
        }
        using var accumulated = Collapse(difference, mask, levels);
        using var b = new Mat();
        bottom.ConvertTo(b, MatType.CV_32FC3);
        Cv2.Add(b, accumulated, b);
        b.ConvertTo(result, MatType.CV_8UC3);
    }

    /// <summary>collapse(Gaussian pyramid of <paramref name="mask"/> (8-bit) x Laplacian pyramid of <paramref name="image"/> (float BGR)).</summary>
    private static Mat Collapse(Mat image, Mat mask, int levels)
    {
        var difference = new Mat[levels + 1];
        var weights = new Mat[levels + 1];
        try
        {
            difference[0] = image.Clone();
            weights[0] = new Mat();
            mask.ConvertTo(weights[0], MatType.CV_32FC1, 1.0 / 255);
            var used = levels;
            for (var k = 1; k <= levels; k++)
            {
                if (difference[k - 1].Cols < 4 || difference[k - 1].Rows < 4) { used = k - 1; break; }
                difference[k] = new Mat();
                weights[k] = new Mat();
                Cv2.PyrDown(difference[k - 1], difference[k]);
                Cv2.PyrDown(weights[k - 1], weights[k]);
            }

            // Collapse from the coarsest: acc = up(acc) + mask_k * (G_k - up(G_k+1)).
            var accumulated = Weighted(difference[used], weights[used]);
            for (var k = used - 1; k >= 0; k--)
            {
                using var upNext = new Mat();
                Cv2.PyrUp(difference[k + 1], upNext, difference[k].Size());
                using var band = new Mat();
                Cv2.Subtract(difference[k], upNext, band);
                using var weighted = Weighted(band, weights[k]);
                using var upAcc = new Mat();
                Cv2.PyrUp(accumulated, upAcc, difference[k].Size());
                Cv2.Add(upAcc, weighted, weighted);
                weighted.CopyTo(accumulated);
            }
            return accumulated;
        }
        finally
        {
            foreach (var m in difference) m?.Dispose();
            foreach (var m in weights) m?.Dispose();
        }
    }

    private static Mat Weighted(Mat image, Mat weight)
    {
        using var w3 = new Mat();
        Cv2.Merge([weight, weight, weight], w3);
        var product = new Mat();
        Cv2.Multiply(image, w3, product);
        return product;
    }
}
