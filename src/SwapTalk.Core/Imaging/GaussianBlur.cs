using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SwapTalk.Core.Imaging;

/// <summary>
/// Separable Gaussian blur of 8-bit images (1 or 3 channels), borders mirrored without repeating
/// the edge pixel (OpenCV's default, BORDER_REFLECT_101). Rows then columns in float; each output
/// is the same sequence of multiplies and adds in the SIMD kernel and the scalar reference (no
/// fused multiply-add), so the two agree exactly.
/// </summary>
public static class GaussianBlur
{
    /// <summary>The kernel radius used when none is given: ceil(3 sigma), covering 99.7% of the weight.</summary>
    public static int DefaultRadius(double sigma) => (int)Math.Ceiling(3 * sigma);

    public static void Run(PixelBuffer source, PixelBuffer destination, double sigma, int? radius = null)
    {
        if (source.Width != destination.Width || source.Height != destination.Height)
            throw new ArgumentException($"blur needs equal sizes: source {source.Width}x{source.Height}, destination {destination.Width}x{destination.Height}");
        destination.Order = source.Order;
        Blur(source.Pixels, destination.Pixels, source.Width, source.Height, 3, sigma, radius, Vector256.IsHardwareAccelerated);
    }

    public static void Run(MaskBuffer source, MaskBuffer destination, double sigma, int? radius = null)
    {
        if (source.Width != destination.Width || source.Height != destination.Height)
            throw new ArgumentException($"blur needs equal sizes: source {source.Width}x{source.Height}, destination {destination.Width}x{destination.Height}");
        Blur(source.Pixels, destination.Pixels, source.Width, source.Height, 1, sigma, radius, Vector256.IsHardwareAccelerated);
    }

    /// <summary>Normalised weights w[0..2r], w[r] the centre.</summary>
    internal static float[] Kernel(double sigma, int radius)
    {
        var w = new double[2 * radius + 1];
        double sum = 0;
        for (var i = -radius; i <= radius; i++) sum += w[i + radius] = Math.Exp(-i * i / (2 * sigma * sigma));
        return w.Select(v => (float)(v / sum)).ToArray();
    }

    internal static void Blur(ReadOnlySpan<byte> src, Span<byte> dst, int width, int height, int channels, double sigma, int? radius, bool simd)
    {
        if (!(sigma > 0) || !double.IsFinite(sigma))
            throw new ArgumentOutOfRangeException(nameof(sigma), $"blur sigma must be a positive number of pixels, got {sigma}");
        var r = radius ?? DefaultRadius(sigma);
        if (r < 0 || r > 1000) throw new ArgumentOutOfRangeException(nameof(radius), $"blur radius must be 0..1000 pixels, got {r}");
        var w = Kernel(sigma, r);
        int rowFloats = width * channels, padded = (width + 2 * r) * channels;
        var line = ArrayPool<float>.Shared.Rent(padded + 8);
        var rows = ArrayPool<float>.Shared.Rent(height * rowFloats + 8);
        try
        {
            // Rows: mirror-pad each source row into floats, then filter along it.
            for (var y = 0; y < height; y++)
            {
                var s = src.Slice(y * rowFloats, rowFloats);
                var interior = line.AsSpan(r * channels, rowFloats);
                var widened = simd ? WidenSimd(s, interior) : 0;
                for (var i = widened; i < rowFloats; i++) interior[i] = s[i];
                for (var x = -r; x < 0; x++) Mirror(s, line, x, r, width, channels);
                for (var x = width; x < width + r; x++) Mirror(s, line, x, r, width, channels);
                var h = rows.AsSpan(y * rowFloats, rowFloats);
                var done = simd ? HorizontalSimd(line, w, channels, h) : 0;
                for (var i = done; i < rowFloats; i++)
                {
                    var acc = 0f;
                    for (var k = 0; k < w.Length; k++) acc += w[k] * line[i + k * channels];
                    h[i] = acc;
                }
            }
            // Columns: each output row sums mirrored rows.
            var taps = new int[w.Length];
            for (var y = 0; y < height; y++)
            {
                for (var k = 0; k < w.Length; k++) taps[k] = BorderIndex.Reflect101(y + k - r, height) * rowFloats;
                var d = dst.Slice(y * rowFloats, rowFloats);
                var done = simd ? VerticalSimd(rows, taps, w, d) : 0;
                for (var i = done; i < rowFloats; i++)
                {
                    var acc = 0f;
                    for (var k = 0; k < w.Length; k++) acc += w[k] * rows[taps[k] + i];
                    d[i] = (byte)Math.Clamp((int)(acc + 0.5f), 0, 255);
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(line);
            ArrayPool<float>.Shared.Return(rows);
        }
    }

    private static void Mirror(ReadOnlySpan<byte> row, float[] line, int x, int r, int width, int channels)
    {
        var sx = BorderIndex.Reflect101(x, width) * channels;
        for (var c = 0; c < channels; c++) line[(x + r) * channels + c] = row[sx + c];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int WidenSimd(ReadOnlySpan<byte> s, Span<float> d)
    {
        var n = s.Length - s.Length % Vector256<float>.Count;
        ref var s0 = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(s);
        ref var d0 = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(d);
        for (var i = 0; i < n; i += 8)
        {
            var bytes = Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref s0, i))).AsByte();
            var ints = Vector256.WidenLower(Vector256.WidenLower(bytes.ToVector256Unsafe()).AsInt16());
            Vector256.ConvertToSingle(ints).StoreUnsafe(ref d0, (nuint)i);
        }
        return n;
    }

    /// <summary>Four vectors (32 floats) per step: four independent sums hide the add latency. Each lane sums in tap order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int HorizontalSimd(float[] line, float[] w, int channels, Span<float> h)
    {
        ref var l0 = ref line[0];
        ref var h0 = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(h);
        var i = 0;
        for (; i + 32 <= h.Length; i += 32)
        {
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (var k = 0; k < w.Length; k++)
            {
                var wk = Vector256.Create(w[k]);
                var o = (nuint)(i + k * channels);
                a0 += wk * Vector256.LoadUnsafe(ref l0, o);
                a1 += wk * Vector256.LoadUnsafe(ref l0, o + 8);
                a2 += wk * Vector256.LoadUnsafe(ref l0, o + 16);
                a3 += wk * Vector256.LoadUnsafe(ref l0, o + 24);
            }
            a0.StoreUnsafe(ref h0, (nuint)i);
            a1.StoreUnsafe(ref h0, (nuint)i + 8);
            a2.StoreUnsafe(ref h0, (nuint)i + 16);
            a3.StoreUnsafe(ref h0, (nuint)i + 24);
        }
        for (; i + 8 <= h.Length; i += 8)
        {
            var acc = Vector256<float>.Zero;
            for (var k = 0; k < w.Length; k++)
                acc += Vector256.Create(w[k]) * Vector256.LoadUnsafe(ref l0, (nuint)(i + k * channels));
            acc.StoreUnsafe(ref h0, (nuint)i);
        }
        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int VerticalSimd(float[] rows, int[] taps, float[] w, Span<byte> d)
    {
        ref var r0 = ref rows[0];
        ref var d0 = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(d);
        var i = 0;
        for (; i + 32 <= d.Length; i += 32)
        {
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (var k = 0; k < w.Length; k++)
            {
                var wk = Vector256.Create(w[k]);
                var o = (nuint)(taps[k] + i);
                a0 += wk * Vector256.LoadUnsafe(ref r0, o);
                a1 += wk * Vector256.LoadUnsafe(ref r0, o + 8);
                a2 += wk * Vector256.LoadUnsafe(ref r0, o + 16);
                a3 += wk * Vector256.LoadUnsafe(ref r0, o + 24);
            }
            var lo = Vector256.Narrow(ToInt(a0), ToInt(a1));
            var hi = Vector256.Narrow(ToInt(a2), ToInt(a3));
            Vector256.Narrow(lo, hi).AsByte().StoreUnsafe(ref d0, (nuint)i);
        }
        for (; i + 8 <= d.Length; i += 8)
        {
            var acc = Vector256<float>.Zero;
            for (var k = 0; k < w.Length; k++)
                acc += Vector256.Create(w[k]) * Vector256.LoadUnsafe(ref r0, (nuint)(taps[k] + i));
            var v = ToInt(acc);
            var bytes = Vector256.Narrow(Vector256.Narrow(v, v), Vector256.Narrow(v, v));
            bytes.AsByte().GetLower().GetLower().CopyTo(d.Slice(i, 8));
        }
        return i;
    }

    /// <summary>(int)(acc + 0.5) clamped to 0..255, as the reference rounds.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> ToInt(Vector256<float> acc) =>
        Vector256.Min(Vector256.Max(Vector256.ConvertToInt32(acc + Vector256.Create(0.5f)), Vector256<int>.Zero), Vector256.Create(255));
}
