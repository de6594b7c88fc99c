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
                for (var x = -r; x < width + r; x++)
                {
                    var sx = BorderIndex.Reflect101(x, width) * channels;
                    for (var c = 0; c < channels; c++) line[(x + r) * channels + c] = s[sx + c];
                }
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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int HorizontalSimd(float[] line, float[] w, int channels, Span<float> h)
    {
        var n = h.Length - h.Length % Vector256<float>.Count;
        ref var l0 = ref line[0];
        for (var i = 0; i < n; i += Vector256<float>.Count)
        {
            var acc = Vector256<float>.Zero;
            for (var k = 0; k < w.Length; k++)
                acc += Vector256.Create(w[k]) * Vector256.LoadUnsafe(ref l0, (nuint)(i + k * channels));
            acc.CopyTo(h.Slice(i));
        }
        return n;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int VerticalSimd(float[] rows, int[] taps, float[] w, Span<byte> d)
    {
        var n = d.Length - d.Length % Vector256<float>.Count;
        ref var r0 = ref rows[0];
        var half = Vector256.Create(0.5f);
        Span<int> ints = stackalloc int[Vector256<int>.Count];
        for (var i = 0; i < n; i += Vector256<float>.Count)
        {
            var acc = Vector256<float>.Zero;
            for (var k = 0; k < w.Length; k++)
                acc += Vector256.Create(w[k]) * Vector256.LoadUnsafe(ref r0, (nuint)(taps[k] + i));
            var v = Vector256.ConvertToInt32(acc + half);
            v = Vector256.Min(Vector256.Max(v, Vector256<int>.Zero), Vector256.Create(255));
            var lower = Vector256.Narrow(v, v); // int -> short, values already 0..255
            var bytes = Vector256.Narrow(lower, lower).AsByte();
            bytes.GetLower().GetLower().CopyTo(d.Slice(i, 8));
        }
        return n;
    }
}
