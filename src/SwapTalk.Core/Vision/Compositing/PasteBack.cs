using SwapTalk.Core.Imaging;
using SwapTalk.Core.Vision.Alignment;

namespace SwapTalk.Core.Vision.Compositing;

public sealed record PasteBackOptions
{
    /// <summary>Shift the generated face's colour towards the frame's (mean and spread per channel, inside the mask).</summary>
    public bool MatchColor { get; init; }
    /// <summary>0 = no change, 1 = full match.</summary>
    public double ColorStrength { get; init; } = 1.0;

    public static PasteBackOptions Default { get; } = new();
}

/// <summary>
/// Puts a generated 512 face back into its frame: inverse warp through the face's crop-to-frame
/// matrix, only over the box its mask covers, alpha-blended through the soft mask. Frame pixels
/// where the mask's weight is zero keep their exact bytes.
/// </summary>
public static class PasteBack
{
    /// <param name="frame">the frame, changed in place</param>
    /// <param name="crop">the generated face, aligned as <paramref name="face"/> says</param>
    /// <param name="mask">the blend mask for the crop</param>
    /// <param name="face">this frame's alignment</param>
    /// <param name="originalCrop">the face as extracted from this frame; needed for colour matching</param>
    /// <returns>the frame box that may have changed</returns>
    public static RectI Run(PixelBuffer frame, PixelBuffer crop, FaceMask mask, AlignedFace face,
        PasteBackOptions? options = null, PixelBuffer? originalCrop = null)
    {
        options ??= PasteBackOptions.Default;
        if (crop.Width != face.CropSize || crop.Height != face.CropSize)
            throw new ArgumentException($"generated crop is {crop.Width}x{crop.Height} but the face is aligned to {face.CropSize}x{face.CropSize}", nameof(crop));
        if (mask.CropSize != face.CropSize)
            throw new ArgumentException($"face mask is {mask.CropSize}x{mask.CropSize} but the face is aligned to {face.CropSize}x{face.CropSize}", nameof(mask));
        if (!options.MatchColor)
            return WarpBlend.Run(crop, mask.Weights, mask.Support, frame, face.CropToFrame);

        if (originalCrop is null)
            throw new ArgumentException("colour matching needs the original aligned crop of this frame", nameof(originalCrop));
        if (originalCrop.Width != crop.Width || originalCrop.Height != crop.Height || originalCrop.Order != crop.Order)
            throw new ArgumentException($"original crop {originalCrop.Width}x{originalCrop.Height} {originalCrop.Order} does not match the generated crop {crop.Width}x{crop.Height} {crop.Order}", nameof(originalCrop));
        using var matched = new PixelBuffer(crop.Width, crop.Height, crop.Order, pooled: true);
        ColorMatch.Run(crop, originalCrop, mask.Weights, matched, options.ColorStrength);
        return WarpBlend.Run(matched, mask.Weights, mask.Support, frame, face.CropToFrame);
    }
}

/// <summary>
/// Moves an image's colour towards a reference's: per channel, the mask-weighted mean and standard
/// deviation of <c>source</c> are mapped onto the reference's (a Reinhard-style transfer in RGB),
/// through a 256-entry table per channel.
/// </summary>
public static class ColorMatch
{
    public static void Run(PixelBuffer source, PixelBuffer reference, MaskBuffer weights, PixelBuffer destination, double strength = 1.0)
    {
        if (source.Width != reference.Width || source.Height != reference.Height || weights.Width != source.Width ||
            weights.Height != source.Height || destination.Width != source.Width || destination.Height != source.Height)
            throw new ArgumentException("colour matching needs source, reference, weights and destination of one size");
        if (!(strength >= 0 && strength <= 1))
            throw new ArgumentOutOfRangeException(nameof(strength), $"colour match strength must be 0..1, got {strength}");
        var swap = source.Order != reference.Order; // compare like channels
        var (sMean, sStd) = Stats(source.Pixels, weights.Pixels, false);
        var (rMean, rStd) = Stats(reference.Pixels, weights.Pixels, swap);
        var tables = new byte[3][];
        for (var c = 0; c < 3; c++)
        {
            var gain = sStd[c] > 1e-3 ? rStd[c] / sStd[c] : 1.0;
            gain = Math.Clamp(gain, 0.25, 4.0); // a flat patch must not blow up
            tables[c] = new byte[256];
            for (var v = 0; v < 256; v++)
            {
                var target = (v - sMean[c]) * gain + rMean[c];
                tables[c][v] = (byte)Math.Clamp(Math.Round(v + strength * (target - v)), 0, 255);
            }
        }
        destination.Order = source.Order;
        var src = source.Pixels;
        var dst = destination.Pixels;
        for (var i = 0; i < src.Length; i += 3)
        {
            dst[i] = tables[0][src[i]];
            dst[i + 1] = tables[1][src[i + 1]];
            dst[i + 2] = tables[2][src[i + 2]];
        }
    }

    private static (double[] Mean, double[] Std) Stats(ReadOnlySpan<byte> px, ReadOnlySpan<byte> w, bool swap)
    {
        double total = 0;
        Span<double> s1 = stackalloc double[3], s2 = stackalloc double[3];
        for (var i = 0; i < w.Length; i++)
        {
            if (w[i] == 0) continue;
            double wi = w[i];
            total += wi;
            for (var c = 0; c < 3; c++)
            {
                double v = px[i * 3 + (swap ? 2 - c : c)];
                s1[c] += wi * v;
                s2[c] += wi * v * v;
            }
        }
        if (total == 0) throw new ArgumentException("colour matching needs a mask with some weight");
        double[] mean = new double[3], std = new double[3];
        for (var c = 0; c < 3; c++)
        {
            mean[c] = s1[c] / total;
            std[c] = Math.Sqrt(Math.Max(0, s2[c] / total - mean[c] * mean[c]));
        }
        return (mean, std);
    }
}
