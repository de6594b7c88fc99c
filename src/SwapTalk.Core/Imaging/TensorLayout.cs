namespace SwapTalk.Core.Imaging;

/// <summary>
/// How a model wants its pixels: channel order and an affine value map value = pixel * Scale + Bias
/// (YuNet: BGR, scale 1, bias 0; Peppa: BGR, (x - 127) / 127; VQGAN: RGB, x / 127.5 - 1).
/// </summary>
public readonly record struct PixelNormalization(ColorOrder Order, float Scale, float Bias)
{
    public static PixelNormalization Raw(ColorOrder order) => new(order, 1f, 0f);
    public static PixelNormalization MinusOneToOne(ColorOrder order) => new(order, 1f / 127.5f, -1f);
    public static PixelNormalization ZeroToOne(ColorOrder order) => new(order, 1f / 255f, 0f);

    /// <summary>The inverse map, pixel = (value - Bias) / Scale, rounded and clamped to 0..255.</summary>
    public byte ToPixel(float value) => (byte)Math.Clamp((int)MathF.Round((value - Bias) / Scale), 0, 255);
}

/// <summary>Packed HWC bytes (<see cref="PixelBuffer"/>) to and from planar NCHW float tensors.</summary>
public static class TensorLayout
{
    /// <summary>Writes one image as the planes [3, H, W] at the start of <paramref name="tensor"/>.</summary>
    public static void ToNchw(PixelBuffer image, Span<float> tensor, PixelNormalization norm)
    {
        var plane = image.Width * image.Height;
        if (tensor.Length < 3 * plane)
            throw new ArgumentException($"tensor of {tensor.Length} floats is smaller than 3x{image.Height}x{image.Width}", nameof(tensor));
        var swap = image.Order != norm.Order; // channel c of the tensor reads pixel channel (swap ? 2 - c : c)
        var px = image.Pixels;
        for (var c = 0; c < 3; c++)
        {
            var srcChannel = swap ? 2 - c : c;
            var dst = tensor.Slice(c * plane, plane);
            for (var i = 0; i < plane; i++) dst[i] = px[i * 3 + srcChannel] * norm.Scale + norm.Bias;
        }
    }

    /// <summary>Reads the planes [3, H, W] at the start of <paramref name="tensor"/> into <paramref name="image"/>.</summary>
    public static void FromNchw(ReadOnlySpan<float> tensor, PixelBuffer image, PixelNormalization norm)
    {
        var plane = image.Width * image.Height;
        if (tensor.Length < 3 * plane)
            throw new ArgumentException($"tensor of {tensor.Length} floats is smaller than 3x{image.Height}x{image.Width}", nameof(tensor));
        var swap = image.Order != norm.Order;
        var px = image.Pixels;
        for (var c = 0; c < 3; c++)
        {
            var dstChannel = swap ? 2 - c : c;
            var src = tensor.Slice(c * plane, plane);
            for (var i = 0; i < plane; i++) px[i * 3 + dstChannel] = norm.ToPixel(src[i]);
        }
    }
}
