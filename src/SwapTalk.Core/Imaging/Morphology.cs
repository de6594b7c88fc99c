using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SwapTalk.Core.Imaging;

/// <summary>
/// Mask erosion: each weight becomes the minimum over a (2r+1) x (2r+1) square around it, done
/// separably (rows, then columns). The window is clipped at the mask's edges, so the edges do not
/// erode by themselves (as OpenCV's erode with its default border).
/// </summary>
public static class Morphology
{
    public static void Erode(MaskBuffer source, MaskBuffer destination, int radius)
    {
        if (source.Width != destination.Width || source.Height != destination.Height)
            throw new ArgumentException($"erode needs equal sizes: source {source.Width}x{source.Height}, destination {destination.Width}x{destination.Height}");
        if (radius < 0) throw new ArgumentOutOfRangeException(nameof(radius), $"erode radius must be >= 0 pixels, got {radius}");
        Erode(source.Pixels, destination.Pixels, source.Width, source.Height, radius, Vector256.IsHardwareAccelerated);
    }

    internal static void Erode(ReadOnlySpan<byte> src, Span<byte> dst, int width, int height, int radius, bool simd)
    {
        var rows = ArrayPool<byte>.Shared.Rent(width * height);
        try
        {
            var h = rows.AsSpan(0, width * height);
            for (var y = 0; y < height; y++)
            {
                var s = src.Slice(y * width, width);
                var d = h.Slice(y * width, width);
                // Interior columns see a full window: SIMD; the clipped edges: scalar.
                int lo = Math.Min(radius, width), hi = Math.Max(lo, width - radius);
                var done = simd ? RowMinSimd(s, d, radius, lo, hi) : lo;
                for (var x = 0; x < width; x++)
                {
                    if (x >= lo && x < done) continue;
                    int a = Math.Max(0, x - radius), b = Math.Min(width - 1, x + radius);
                    var m = s[a];
                    for (var i = a + 1; i <= b; i++) m = Math.Min(m, s[i]);
                    d[x] = m;
                }
            }
            for (var y = 0; y < height; y++)
            {
                int a = Math.Max(0, y - radius), b = Math.Min(height - 1, y + radius);
                var d = dst.Slice(y * width, width);
                h.Slice(a * width, width).CopyTo(d);
                for (var yy = a + 1; yy <= b; yy++)
                {
                    var r = h.Slice(yy * width, width);
                    var done = simd ? MinInPlaceSimd(d, r) : 0;
                    for (var x = done; x < width; x++) d[x] = Math.Min(d[x], r[x]);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rows);
        }
    }

    /// <summary>Row minimum for columns lo.. (32 at a time) while the full window fits; returns where it stopped.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int RowMinSimd(ReadOnlySpan<byte> s, Span<byte> d, int radius, int lo, int hi)
    {
        var x = lo;
        ref var s0 = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(s);
        ref var d0 = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(d);
        for (; x + Vector256<byte>.Count <= hi; x += Vector256<byte>.Count)
        {
            var m = Vector256.LoadUnsafe(ref s0, (nuint)(x - radius));
            for (var k = -radius + 1; k <= radius; k++) m = Vector256.Min(m, Vector256.LoadUnsafe(ref s0, (nuint)(x + k)));
            m.StoreUnsafe(ref d0, (nuint)x);
        }
        return x;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int MinInPlaceSimd(Span<byte> d, ReadOnlySpan<byte> r)
    {
        var n = d.Length - d.Length % Vector256<byte>.Count;
        ref var d0 = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(d);
        ref var r0 = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(r);
        for (var x = 0; x < n; x += Vector256<byte>.Count)
            Vector256.Min(Vector256.LoadUnsafe(ref d0, (nuint)x), Vector256.LoadUnsafe(ref r0, (nuint)x)).StoreUnsafe(ref d0, (nuint)x);
        return n;
    }
}
