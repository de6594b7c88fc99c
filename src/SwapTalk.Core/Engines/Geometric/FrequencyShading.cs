using OpenCvSharp;

namespace SwapTalk.Core.Engines.Geometric;

/// <summary>
/// Shading by frequency split: the face keeps the portrait's detail (everything finer than about an eye distance:
/// the features, their edges, skin texture) over the target frame's low-frequency shading (its lighting direction,
/// shadows and skin colour). A seamless clone instead carries the target's features' shading through the membrane
/// and keeps the portrait's own side lighting; this split removes both.
/// <para>
/// Both low passes are Gaussian blurs normalised by the mask (blur(image * mask) / blur(mask)), so what lies outside
/// the face (hair, background) does not bleed in. They are smooth by construction, so they are computed on the region
/// scaled down to <see cref="LowPassEyeDistance"/> pixels between the eyes and scaled back up: the cost stays flat
/// from GRID faces to 1080p ones.
/// </para>
/// </summary>
public static class FrequencyShading
{
    /// <summary>
    /// The split's Gaussian sigma as a share of the eye distance: the feasibility study's 0.8. Much smaller and the
    /// target's features (eye sockets, nostrils) come through as shading; much larger and the portrait's own lighting
    /// stays.
    /// </summary>
    public const float SigmaShare = 0.8f;

    /// <summary>The eye distance the low passes are computed at (pixels): a sigma of about 13 px there.</summary>
    public const float LowPassEyeDistance = 16f;

    /// <summary>
    /// <paramref name="face"/> (BGR, in place) becomes face - low(face) + low(target) inside <paramref name="mask"/>
    /// (8-bit, 255 inside). <paramref name="eyeDistance"/>: the face's scale in pixels.
    /// </summary>
    public static void Apply(Mat face, Mat target, Mat mask, float eyeDistance)
    {
        var factor = Math.Min(1.0, LowPassEyeDistance / Math.Max(1f, eyeDistance));
        var size = new Size(Math.Max(4, (int)Math.Round(face.Cols * factor)), Math.Max(4, (int)Math.Round(face.Rows * factor)));
        var sigma = Math.Max(0.5, SigmaShare * eyeDistance * factor);

        using var smallMask = new Mat();
        Cv2.Resize(mask, smallMask, size, 0, 0, InterpolationFlags.Area);
        using var weight = new Mat();
        smallMask.ConvertTo(weight, MatType.CV_32FC1, 1.0 / 255);
        using var blurredWeight = new Mat();
        Cv2.GaussianBlur(weight, blurredWeight, new Size(0, 0), sigma, sigma, BorderTypes.Constant);
        Cv2.Max(blurredWeight, 1e-4, blurredWeight);
        using var weight3 = new Mat();
        Cv2.Merge([weight, weight, weight], weight3);
        using var blurredWeight3 = new Mat();
        Cv2.Merge([blurredWeight, blurredWeight, blurredWeight], blurredWeight3);

        // The split is linear, so the change it makes is one low pass of the difference: low(target) - low(face) = low(target - face).
        using var smallFace = new Mat();
        using var smallTarget = new Mat();
        Cv2.Resize(face, smallFace, size, 0, 0, InterpolationFlags.Area);
        Cv2.Resize(target, smallTarget, size, 0, 0, InterpolationFlags.Area);
        using var change = new Mat();
        smallTarget.ConvertTo(change, MatType.CV_32FC3);
        using (var f = new Mat())
        {
            smallFace.ConvertTo(f, MatType.CV_32FC3);
            Cv2.Subtract(change, f, change);
        }
        // The plane through the difference first (a side light is a ramp across the face: a masked blur would leave
        // part of it near the outline), then the masked blur of what the plane leaves.
        using var plane = Plane(change, weight);
        Cv2.Subtract(change, plane, change);
        Cv2.Multiply(change, weight3, change);
        Cv2.GaussianBlur(change, change, new Size(0, 0), sigma, sigma, BorderTypes.Constant);
        Cv2.Divide(change, blurredWeight3, change);
        Cv2.Add(change, plane, change);
        using var fullChange = new Mat();
        Cv2.Resize(change, fullChange, face.Size(), 0, 0, InterpolationFlags.Linear);
        using var faceF = new Mat();
        face.ConvertTo(faceF, MatType.CV_32FC3);
        Cv2.Add(faceF, fullChange, faceF);
        faceF.ConvertTo(face, MatType.CV_8UC3);
    }

    /// <summary>Per channel, the weighted least-squares plane a + b x + c y through <paramref name="image"/> (3 x float).</summary>
    private static Mat Plane(Mat image, Mat weight)
    {
        int w = image.Cols, h = image.Rows;
        var sums = new double[6]; // sw, swx, swy, swxx, swxy, swyy
        var rhs = new double[3, 3]; // per channel: swv, swxv, swyv
        var pixels = new float[w * h * 3];
        var weights = new float[w * h];
        System.Runtime.InteropServices.Marshal.Copy(image.Data, pixels, 0, pixels.Length);
        System.Runtime.InteropServices.Marshal.Copy(weight.Data, weights, 0, weights.Length);
        for (var y = 0; y < h; y++)
            for (var x = 0; x < w; x++)
            {
                var k = weights[y * w + x];
                if (k <= 0) continue;
                sums[0] += k; sums[1] += k * x; sums[2] += k * y; sums[3] += k * x * x; sums[4] += k * x * y; sums[5] += k * y * y;
                for (var c = 0; c < 3; c++)
                {
                    double v = pixels[3 * (y * w + x) + c];
                    rhs[c, 0] += k * v; rhs[c, 1] += k * x * v; rhs[c, 2] += k * y * v;
                }
            }
        var result = new Mat(h, w, MatType.CV_32FC3, Scalar.All(0));
        if (sums[0] < 1) return result;
        using var a = Mat.FromPixelData(3, 3, MatType.CV_64FC1, new[] { sums[0], sums[1], sums[2], sums[1], sums[3], sums[4], sums[2], sums[4], sums[5] });
        var plane = new float[w * h * 3];
        for (var c = 0; c < 3; c++)
        {
            using var b = Mat.FromPixelData(3, 1, MatType.CV_64FC1, new[] { rhs[c, 0], rhs[c, 1], rhs[c, 2] });
            using var solution = new Mat();
            if (!Cv2.Solve(a, b, solution, DecompTypes.SVD)) continue;
            double p0 = solution.At<double>(0), px = solution.At<double>(1), py = solution.At<double>(2);
            for (var y = 0; y < h; y++)
                for (var x = 0; x < w; x++)
                    plane[3 * (y * w + x) + c] = (float)(p0 + px * x + py * y);
        }
        System.Runtime.InteropServices.Marshal.Copy(plane, 0, result.Data, plane.Length);
        return result;
    }
}
