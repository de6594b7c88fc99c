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
    public static void Apply(Mat top, Mat bottom, Mat mask, int levels, Mat result)
    {
        var difference = new Mat[levels + 1];
        var weights = new Mat[levels + 1];
        try
        {
            using (var t = new Mat())
            {
                top.ConvertTo(t, MatType.CV_32FC3);
                difference[0] = new Mat();
                bottom.ConvertTo(difference[0], MatType.CV_32FC3);
                Cv2.Subtract(t, difference[0], difference[0]);
            }
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
            using var accumulated = Weighted(difference[used], weights[used]);
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
            using var b = new Mat();
            bottom.ConvertTo(b, MatType.CV_32FC3);
            Cv2.Add(b, accumulated, b);
            b.ConvertTo(result, MatType.CV_8UC3);
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
