using OpenCvSharp;

namespace SwapTalk.Core.Imaging;

/// <summary>
/// Warps a crop and its mask into a frame and alpha-blends them there (the paste-back), with OpenCV:
/// warpAffine of crop and mask over the frame box the mask's support maps onto, then blendLinear with
/// weights a/255 and 1 - a/255. Where the sampled weight is 0 the frame keeps its exact bytes (blendLinear
/// gives bg * 1 / (1 + 1e-5), within 0.003 of bg before rounding); outside the box nothing is touched.
/// </summary>
public static class WarpBlend
{
    /// <summary>
    /// Blends <paramref name="crop"/> through <paramref name="mask"/> into <paramref name="frame"/>;
    /// <paramref name="cropToFrame"/> maps crop pixel coordinates to frame ones. Returns the frame box
    /// that may have changed (empty when the mask is all zero or lands outside the frame).
    /// </summary>
    public static RectI Run(PixelBuffer crop, MaskBuffer mask, PixelBuffer frame, Affine2x3 cropToFrame) =>
        Run(crop, mask, mask.NonZeroBounds(), frame, cropToFrame);

    /// <summary>As above, with the mask's non-zero box already known (a mask built once, pasted every frame).</summary>
    internal static RectI Run(PixelBuffer crop, MaskBuffer mask, RectI support, PixelBuffer frame, Affine2x3 cropToFrame)
    {
        Validate(crop, mask, frame);
        if (!support.IsEmpty && !RectI.Of(crop).Contains(support))
            throw new ArgumentOutOfRangeException(nameof(support), $"mask support {support} lies outside the {crop.Width}x{crop.Height} crop");
        _ = cropToFrame.Invert(); // refuses singular maps
        var box = FrameBox(support, cropToFrame, frame);
        if (box.IsEmpty) return box;

        var size = new Size(box.Width, box.Height);
        using var toBox = cropToFrame.Then(Affine2x3.Translation(-box.X, -box.Y)).ToMat();
        using var cropMat = crop.AsMat();
        using var maskMat = mask.AsMat();
        using var colour = new Mat();
        using var alpha = new Mat();
        Cv2.WarpAffine(cropMat, colour, toBox, size, InterpolationFlags.Linear, BorderTypes.Constant, Scalar.All(0));
        Cv2.WarpAffine(maskMat, alpha, toBox, size, InterpolationFlags.Linear, BorderTypes.Constant, Scalar.All(0));
        using var front = new Mat();
        alpha.ConvertTo(front, MatType.CV_32FC1, 1 / 255.0);
        using var back = new Mat();
        alpha.ConvertTo(back, MatType.CV_32FC1, -1 / 255.0, 1); // 1 - a/255 (Cv2.Subtract from a Scalar is ~100x slower)
        using var frameMat = frame.AsMat(box);
        Cv2.BlendLinear(colour, frameMat, front, back, frameMat);
        return box;
    }

    internal static void Validate(PixelBuffer crop, MaskBuffer mask, PixelBuffer frame)
    {
        if (mask.Width != crop.Width || mask.Height != crop.Height)
            throw new ArgumentException($"mask {mask.Width}x{mask.Height} does not match the {crop.Width}x{crop.Height} crop", nameof(mask));
        if (crop.Order != frame.Order)
            throw new ArgumentException($"crop is {crop.Order} but the frame is {frame.Order}; convert one first", nameof(crop));
        if (ReferenceEquals(crop, frame) || crop.Data == frame.Data)
            throw new ArgumentException("the crop cannot be pasted into itself", nameof(frame));
    }

    /// <summary>
    /// The frame box whose pixels can sample a non-zero weight: a sample reads a 2x2 neighbourhood,
    /// so the mask's support grows by one crop pixel; one frame pixel more covers fixed-point rounding.
    /// </summary>
    internal static RectI FrameBox(RectI support, Affine2x3 cropToFrame, PixelBuffer frame)
    {
        if (support.IsEmpty) return default;
        double x0 = support.X - 1, y0 = support.Y - 1, x1 = support.Right, y1 = support.Bottom;
        double minX = double.MaxValue, minY = double.MaxValue, maxX = double.MinValue, maxY = double.MinValue;
        foreach (var (cx, cy) in new[] { (x0, y0), (x1, y0), (x0, y1), (x1, y1) })
        {
            var (fx, fy) = cropToFrame.Apply(cx, cy);
            minX = Math.Min(minX, fx); maxX = Math.Max(maxX, fx);
            minY = Math.Min(minY, fy); maxY = Math.Max(maxY, fy);
        }
        minX = Math.Max(Math.Floor(minX) - 1, -1); minY = Math.Max(Math.Floor(minY) - 1, -1);
        maxX = Math.Min(Math.Ceiling(maxX) + 1, frame.Width + 1); maxY = Math.Min(Math.Ceiling(maxY) + 1, frame.Height + 1);
        if (maxX < minX || maxY < minY) return default;
        return new RectI((int)minX, (int)minY, (int)(maxX - minX) + 1, (int)(maxY - minY) + 1).Intersect(RectI.Of(frame));
    }
}
