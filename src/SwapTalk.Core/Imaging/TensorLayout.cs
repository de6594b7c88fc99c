using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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

    /// <summary>The inverse map, pixel = (value - Bias) / Scale, rounded (half to even) and clamped to 0..255.</summary>
    public byte ToPixel(float value) => (byte)Math.Clamp((int)MathF.Round((value - Bias) / Scale), 0, 255);
}

/// <summary>
/// Packed HWC bytes (<see cref="PixelBuffer"/>) to and from planar NCHW float tensors. SIMD kernels
/// (16 pixels a step: shuffles split or join the channels) do the same float operations in the same
/// order as the scalar references (a multiply then an add, never fused), so results agree exactly.
/// </summary>
public static class TensorLayout
{
    /// <summary>Writes one image as the planes [3, H, W] at the start of <paramref name="tensor"/>.</summary>
    public static void ToNchw(PixelBuffer image, Span<float> tensor, PixelNormalization norm)
    {
        var plane = image.Width * image.Height;
        if (tensor.Length < 3 * plane)
            throw new ArgumentException($"tensor of {tensor.Length} floats is smaller than 3x{image.Height}x{image.Width}", nameof(tensor));
        var done = Avx2.IsSupported ? ToNchwSimd(image.Pixels, tensor, plane, image.Order != norm.Order, norm) : 0;
        ToNchwScalar(image.Pixels, tensor, plane, image.Order != norm.Order, norm, done);
    }

    /// <summary>Reads the planes [3, H, W] at the start of <paramref name="tensor"/> into <paramref name="image"/>.</summary>
    public static void FromNchw(ReadOnlySpan<float> tensor, PixelBuffer image, PixelNormalization norm)
    {
        var plane = image.Width * image.Height;
        if (tensor.Length < 3 * plane)
            throw new ArgumentException($"tensor of {tensor.Length} floats is smaller than 3x{image.Height}x{image.Width}", nameof(tensor));
        var done = Avx2.IsSupported ? FromNchwSimd(tensor, image.Pixels, plane, image.Order != norm.Order, norm) : 0;
        FromNchwScalar(tensor, image.Pixels, plane, image.Order != norm.Order, norm, done);
    }

    /// <summary>The reference, from pixel <paramref name="first"/> on; tensor channel c reads pixel channel (swap ? 2 - c : c).</summary>
    internal static void ToNchwScalar(ReadOnlySpan<byte> px, Span<float> tensor, int plane, bool swap, PixelNormalization norm, int first = 0)
    {
        for (var c = 0; c < 3; c++)
        {
            var srcChannel = swap ? 2 - c : c;
            var dst = tensor.Slice(c * plane, plane);
            for (var i = first; i < plane; i++) dst[i] = px[i * 3 + srcChannel] * norm.Scale + norm.Bias;
        }
    }

    internal static void FromNchwScalar(ReadOnlySpan<float> tensor, Span<byte> px, int plane, bool swap, PixelNormalization norm, int first = 0)
    {
        for (var c = 0; c < 3; c++)
        {
            var dstChannel = swap ? 2 - c : c;
            var src = tensor.Slice(c * plane, plane);
            for (var i = first; i < plane; i++) px[i * 3 + dstChannel] = norm.ToPixel(src[i]);
        }
    }

    // Shuffles that split 48 packed bytes (16 pixels) into 3 channels of 16, and join them back.
    private static readonly byte[] SplitMasks = BuildSplitMasks();
    private static readonly byte[] JoinMasks = BuildJoinMasks();

    /// <summary>SplitMasks[(ch * 3 + part) * 16 + i]: byte i of channel ch taken from input vector part (0x80: none).</summary>
    private static byte[] BuildSplitMasks()
    {
        var m = new byte[9 * 16];
        for (var ch = 0; ch < 3; ch++)
            for (var part = 0; part < 3; part++)
                for (var i = 0; i < 16; i++)
                {
                    var p = 3 * i + ch - 16 * part;
                    m[(ch * 3 + part) * 16 + i] = p is >= 0 and < 16 ? (byte)p : (byte)0x80;
                }
        return m;
    }

    /// <summary>JoinMasks[(part * 3 + ch) * 16 + i]: output vector part, byte i, taken from channel ch (0x80: none).</summary>
    private static byte[] BuildJoinMasks()
    {
        var m = new byte[9 * 16];
        for (var part = 0; part < 3; part++)
            for (var ch = 0; ch < 3; ch++)
                for (var i = 0; i < 16; i++)
                {
                    var p = 16 * part + i; // packed byte index
                    m[(part * 3 + ch) * 16 + i] = p % 3 == ch ? (byte)(p / 3) : (byte)0x80;
                }
        return m;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe int ToNchwSimd(ReadOnlySpan<byte> px, Span<float> tensor, int plane, bool swap, PixelNormalization norm)
    {
        if (!Avx2.IsSupported) return 0;
        var blocks = plane / 16;
        var scale = Vector256.Create(norm.Scale);
        var bias = Vector256.Create(norm.Bias);
        fixed (byte* src = px, masks = SplitMasks)
        fixed (float* dst = tensor)
        {
            for (var b = 0; b < blocks; b++)
            {
                var s = src + b * 48;
                Vector128<byte> v0 = Sse2.LoadVector128(s), v1 = Sse2.LoadVector128(s + 16), v2 = Sse2.LoadVector128(s + 32);
                for (var ch = 0; ch < 3; ch++)
                {
                    var m = masks + ch * 48;
                    var bytes = Sse2.Or(Sse2.Or(Ssse3.Shuffle(v0, Sse2.LoadVector128(m)), Ssse3.Shuffle(v1, Sse2.LoadVector128(m + 16))),
                        Ssse3.Shuffle(v2, Sse2.LoadVector128(m + 32)));
                    var d = dst + (swap ? 2 - ch : ch) * (long)plane + b * 16;
                    var lo = Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(bytes));
                    var hi = Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(Sse2.ShiftRightLogical128BitLane(bytes, 8)));
                    Avx.Store(d, Avx.Add(Avx.Multiply(lo, scale), bias));
                    Avx.Store(d + 8, Avx.Add(Avx.Multiply(hi, scale), bias));
                }
            }
        }
        return blocks * 16;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe int FromNchwSimd(ReadOnlySpan<float> tensor, Span<byte> px, int plane, bool swap, PixelNormalization norm)
    {
        if (!Avx2.IsSupported) return 0;
        var blocks = plane / 16;
        var scale = Vector256.Create(norm.Scale);
        var bias = Vector256.Create(norm.Bias);
        var max = Vector256.Create(255f);
        fixed (float* src = tensor)
        fixed (byte* dst = px, masks = JoinMasks)
        {
            var channels = stackalloc Vector128<byte>[3];
            for (var b = 0; b < blocks; b++)
            {
                for (var ch = 0; ch < 3; ch++)
                {
                    var s = src + (swap ? 2 - ch : ch) * (long)plane + b * 16;
                    channels[ch] = ToBytes(Avx.LoadVector256(s), Avx.LoadVector256(s + 8), bias, scale, max);
                }
                for (var part = 0; part < 3; part++)
                {
                    var m = masks + part * 48;
                    var packed = Sse2.Or(Sse2.Or(Ssse3.Shuffle(channels[0], Sse2.LoadVector128(m)), Ssse3.Shuffle(channels[1], Sse2.LoadVector128(m + 16))),
                        Ssse3.Shuffle(channels[2], Sse2.LoadVector128(m + 32)));
                    Sse2.Store(dst + b * 48 + part * 16, packed);
                }
            }
        }
        return blocks * 16;
    }

    /// <summary>16 floats to bytes as <see cref="PixelNormalization.ToPixel"/> does: clamp (NaN to 0), round half to even.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> ToBytes(Vector256<float> a, Vector256<float> b, Vector256<float> bias, Vector256<float> scale, Vector256<float> max)
    {
        static Vector256<int> Convert(Vector256<float> v, Vector256<float> bias, Vector256<float> scale, Vector256<float> max)
        {
            var x = Avx.Divide(Avx.Subtract(v, bias), scale);
            x = Avx.Min(Avx.Max(x, Vector256<float>.Zero), max); // maxps returns its second operand for NaN
            return Avx.ConvertToVector256Int32(Avx.RoundToNearestInteger(x));
        }
        var shorts = Avx2.PackSignedSaturate(Convert(a, bias, scale, max), Convert(b, bias, scale, max)); // lanes interleave 4+4 | 4+4
        var bytes = Avx2.PackUnsignedSaturate(shorts, shorts);
        // After the in-lane packs the 16 values sit as dwords 0, 4, 1, 5 of the two lanes; put them in order.
        return Avx2.PermuteVar8x32(bytes.AsInt32(), Vector256.Create(0, 4, 1, 5, 0, 0, 0, 0)).AsByte().GetLower();
    }
}
