using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SwapTalk.Core.Imaging;

public enum ResizeMode
{
    /// <summary>Area averaging when shrinking, bilinear when enlarging (per axis).</summary>
    Auto,
    Bilinear,
    Area,
}

/// <summary>
/// Resizes a region of one image into a region of another, separably (rows, then columns).
/// Bilinear uses pixel-centre alignment (as OpenCV's INTER_LINEAR); area averages the source
/// pixels each destination pixel covers, weighted by overlap (as OpenCV's INTER_AREA).
/// The SIMD kernel repeats the scalar reference's float operations in the same order (no fused
/// multiply-add), so the two agree exactly.
/// </summary>
public static class Resize
{
    public static void Run(PixelBuffer source, PixelBuffer destination, ResizeMode mode = ResizeMode.Auto) =>
        Run(source, RectI.Of(source), destination, RectI.Of(destination), mode);

    public static void Run(PixelBuffer source, RectI sourceRegion, PixelBuffer destination, RectI destinationRegion, ResizeMode mode = ResizeMode.Auto)
    {
        if (sourceRegion.IsEmpty || !RectI.Of(source).Contains(sourceRegion))
            throw new ArgumentOutOfRangeException(nameof(sourceRegion), $"source region {sourceRegion} is empty or outside the {source.Width}x{source.Height} image");
        if (destinationRegion.IsEmpty || !RectI.Of(destination).Contains(destinationRegion))
            throw new ArgumentOutOfRangeException(nameof(destinationRegion), $"destination region {destinationRegion} is empty or outside the {destination.Width}x{destination.Height} image");
        if ((ReferenceEquals(source, destination) || source.Data == destination.Data) && !sourceRegion.Intersect(destinationRegion).IsEmpty)
            throw new ArgumentException($"resize cannot write into its own source region ({sourceRegion} and {destinationRegion} overlap in one buffer)", nameof(destination));
        var columns = AxisTaps(sourceRegion.Width, destinationRegion.Width, mode);
        var rows = AxisTaps(sourceRegion.Height, destinationRegion.Height, mode);
        if (Avx2.IsSupported) ResizeSimd(source, sourceRegion, destination, destinationRegion, columns, rows);
        else ResizeScalar(source, sourceRegion, destination, destinationRegion, columns, rows);
    }

    /// <summary>For one axis: for each destination index, the first source index and the weights that follow it.</summary>
    internal readonly record struct Taps(int[] Start, int[] Count, float[] Weights, int MaxTaps);

    internal static Taps AxisTaps(int sourceLength, int destinationLength, ResizeMode mode)
    {
        var scale = (double)sourceLength / destinationLength;
        var area = mode == ResizeMode.Area || (mode == ResizeMode.Auto && scale > 1.0);
        var maxTaps = area ? (int)Math.Ceiling(scale) + 1 : 2;
        var start = new int[destinationLength];
        var count = new int[destinationLength];
        var weights = new float[destinationLength * maxTaps];
        for (var d = 0; d < destinationLength; d++)
        {
            var w = weights.AsSpan(d * maxTaps, maxTaps);
            if (area && scale > 1.0)
            {
                double s0 = d * scale, s1 = (d + 1) * scale;
                var first = (int)Math.Floor(s0);
                var n = 0;
                for (var s = first; s < s1 && s < sourceLength; s++, n++)
                    w[n] = (float)((Math.Min(s + 1, s1) - Math.Max(s, s0)) / scale);
                start[d] = first;
                count[d] = n;
            }
            else
            {
                var s = (d + 0.5) * scale - 0.5;
                var i0 = (int)Math.Floor(s);
                var t = (float)(s - i0);
                if (i0 < 0) { i0 = 0; t = 0; }
                if (i0 >= sourceLength - 1) { i0 = sourceLength - 1; t = 0; }
                start[d] = i0;
                count[d] = t > 0 ? 2 : 1;
                w[0] = 1 - t;
                w[1] = t;
            }
        }
        return new Taps(start, count, weights, maxTaps);
    }

    /// <summary>The reference implementation: plain loops, float accumulation, round half up.</summary>
    internal static void ResizeScalar(PixelBuffer source, RectI sr, PixelBuffer destination, RectI dr, Taps columns, Taps rows)
    {
        var src = source.Pixels;
        var dst = destination.Pixels;
        int srcStride = source.Stride, dstStride = destination.Stride, rowFloats = dr.Width * 3;
        // Horizontal pass over the needed source rows into floats, then the vertical pass.
        var horizontal = new float[sr.Height * rowFloats];
        for (var y = 0; y < sr.Height; y++)
        {
            var srow = src.Slice((sr.Y + y) * srcStride + sr.X * 3, sr.Width * 3);
            var hrow = horizontal.AsSpan(y * rowFloats, rowFloats);
            for (var dx = 0; dx < dr.Width; dx++)
            {
                float r = 0, g = 0, b = 0;
                var w = columns.Weights.AsSpan(dx * columns.MaxTaps, columns.Count[dx]);
                var s = columns.Start[dx] * 3;
                for (var k = 0; k < w.Length; k++, s += 3)
                {
                    r += w[k] * srow[s]; g += w[k] * srow[s + 1]; b += w[k] * srow[s + 2];
                }
                hrow[dx * 3] = r; hrow[dx * 3 + 1] = g; hrow[dx * 3 + 2] = b;
            }
        }
        for (var dy = 0; dy < dr.Height; dy++)
        {
            var drow = dst.Slice((dr.Y + dy) * dstStride + dr.X * 3, rowFloats);
            var w = rows.Weights.AsSpan(dy * rows.MaxTaps, rows.Count[dy]);
            for (var i = 0; i < rowFloats; i++)
            {
                float acc = 0;
                for (var k = 0; k < w.Length; k++) acc += w[k] * horizontal[(rows.Start[dy] + k) * rowFloats + i];
                drow[i] = (byte)Math.Clamp((int)(acc + 0.5f), 0, 255);
            }
        }
    }

    /// <summary>
    /// SIMD: each needed source row is widened to floats once and filtered horizontally, keeping a
    /// pixel's three channels in one 4-lane vector and doing two destination pixels per 256-bit step
    /// (weights pre-spread per pair). Filtered rows live in a ring of MaxTaps rows: destination rows
    /// read ascending source rows, so each is filtered once and the working set stays in cache. The
    /// vertical pass runs 32 floats at a time along the row with four independent sums.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void ResizeSimd(PixelBuffer source, RectI sr, PixelBuffer destination, RectI dr, Taps columns, Taps rows)
    {
        if (!Avx2.IsSupported)
        {
            ResizeScalar(source, sr, destination, dr, columns, rows);
            return;
        }
        int srcStride = source.Stride, dstStride = destination.Stride, rowFloats = dr.Width * 3, maxTaps = columns.MaxTaps;
        var ringRows = rows.MaxTaps;
        var slot = rowFloats + 4; // spare floats: a row's last 4-lane store must not touch the next slot
        var sourceFloats = sr.Width * 3;
        var pairs = dr.Width / 2;
        var ring = ArrayPool<float>.Shared.Rent(ringRows * slot);
        var line = ArrayPool<float>.Shared.Rent(sourceFloats + 8); // spare: 4-lane loads of the last pixel
        var spread = ArrayPool<float>.Shared.Rent(Math.Max(1, pairs * maxTaps * 8));
        try
        {
            // Weights of destination pixels 2p and 2p+1, tap k, as [w w w w | w' w' w' w'].
            for (var p = 0; p < pairs; p++)
                for (var k = 0; k < maxTaps; k++)
                    for (var lane = 0; lane < 8; lane++)
                        spread[(p * maxTaps + k) * 8 + lane] = columns.Weights[(2 * p + lane / 4) * maxTaps + k];
            line.AsSpan(sourceFloats, 8).Clear();
            fixed (byte* src = source.Data, dst = destination.Data)
            fixed (float* h = ring, f = line, ws = spread, cw = columns.Weights)
            fixed (int* cStart = columns.Start, cCount = columns.Count)
            {
                var rowPointers = stackalloc float*[ringRows];
                var next = 0; // the next source row not yet filtered
                for (var dy = 0; dy < dr.Height; dy++)
                {
                    var need = rows.Start[dy] + rows.Count[dy];
                    for (var y = Math.Max(next, rows.Start[dy]); y < need; y++)
                        FilterRow(src + (long)(sr.Y + y) * srcStride + sr.X * 3, f, sourceFloats, h + (long)(y % ringRows) * slot,
                            dr.Width, pairs, maxTaps, ws, cw, cStart, cCount);
                    next = Math.Max(next, need);
                    var n = rows.Count[dy];
                    for (var k = 0; k < n; k++) rowPointers[k] = h + (long)((rows.Start[dy] + k) % ringRows) * slot;
                    VerticalRow(rowPointers, rows.Weights.AsSpan(dy * rows.MaxTaps, n), dst + (long)(dr.Y + dy) * dstStride + dr.X * 3, rowFloats);
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(ring);
            ArrayPool<float>.Shared.Return(line);
            ArrayPool<float>.Shared.Return(spread);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void FilterRow(byte* s, float* f, int sourceFloats, float* hrow, int width, int pairs, int maxTaps,
        float* ws, float* cw, int* cStart, int* cCount)
    {
        var i = 0;
        for (; i + 8 <= sourceFloats; i += 8)
            Avx.Store(f + i, Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(s + i)));
        for (; i < sourceFloats; i++) f[i] = s[i];

        var p = 0;
        // Two pairs at once when all four pixels have the same tap count (always, for a uniform scale).
        for (; p + 1 < pairs; p += 2)
        {
            int d0 = 2 * p, n = cCount[d0];
            if (cCount[d0 + 1] != n || cCount[d0 + 2] != n || cCount[d0 + 3] != n) break;
            float* x0 = f + cStart[d0] * 3, x1 = f + cStart[d0 + 1] * 3, x2 = f + cStart[d0 + 2] * 3, x3 = f + cStart[d0 + 3] * 3;
            float* wa = ws + p * maxTaps * 8, wb = wa + maxTaps * 8;
            Vector256<float> a = Vector256<float>.Zero, b = Vector256<float>.Zero;
            for (var k = 0; k < n; k++)
            {
                nint o = k * 3, ow = k * 8;
                a = Avx.Add(a, Avx.Multiply(Avx.LoadVector256(wa + ow), Vector256.Create(Sse.LoadVector128(x0 + o), Sse.LoadVector128(x1 + o))));
                b = Avx.Add(b, Avx.Multiply(Avx.LoadVector256(wb + ow), Vector256.Create(Sse.LoadVector128(x2 + o), Sse.LoadVector128(x3 + o))));
            }
            Sse.Store(hrow + d0 * 3, a.GetLower());
            Sse.Store(hrow + d0 * 3 + 3, a.GetUpper());
            Sse.Store(hrow + d0 * 3 + 6, b.GetLower());
            Sse.Store(hrow + d0 * 3 + 9, b.GetUpper());
        }
        for (; p < pairs; p++)
        {
            int d0 = 2 * p, d1 = d0 + 1, n = cCount[d0];
            float* x0 = f + cStart[d0] * 3, x1 = f + cStart[d1] * 3;
            if (cCount[d1] == n)
            {
                var acc = Vector256<float>.Zero;
                var w = ws + p * maxTaps * 8;
                for (var k = 0; k < n; k++, x0 += 3, x1 += 3, w += 8)
                    acc = Avx.Add(acc, Avx.Multiply(Avx.LoadVector256(w), Vector256.Create(Sse.LoadVector128(x0), Sse.LoadVector128(x1))));
                Sse.Store(hrow + d0 * 3, acc.GetLower());
                Sse.Store(hrow + d1 * 3, acc.GetUpper());
            }
            else
            {
                Sse.Store(hrow + d0 * 3, Taps4(x0, cw + d0 * maxTaps, n));
                Sse.Store(hrow + d1 * 3, Taps4(x1, cw + d1 * maxTaps, cCount[d1]));
            }
        }
        if ((width & 1) != 0)
        {
            var d = width - 1;
            Sse.Store(hrow + d * 3, Taps4(f + cStart[d] * 3, cw + d * maxTaps, cCount[d]));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void VerticalRow(float** rowPointers, ReadOnlySpan<float> rw, byte* drow, int rowFloats)
    {
        var half = Vector256.Create(0.5f);
        var top = Vector256.Create(255);
        var n = rw.Length;
        var i = 0;
        for (; i + 32 <= rowFloats; i += 32)
        {
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (var k = 0; k < n; k++)
            {
                var wk = Vector256.Create(rw[k]);
                var row = rowPointers[k] + i;
                a0 = Avx.Add(a0, Avx.Multiply(wk, Avx.LoadVector256(row)));
                a1 = Avx.Add(a1, Avx.Multiply(wk, Avx.LoadVector256(row + 8)));
                a2 = Avx.Add(a2, Avx.Multiply(wk, Avx.LoadVector256(row + 16)));
                a3 = Avx.Add(a3, Avx.Multiply(wk, Avx.LoadVector256(row + 24)));
            }
            var lo = Vector256.Narrow(Round(a0, half, top), Round(a1, half, top));
            var hi = Vector256.Narrow(Round(a2, half, top), Round(a3, half, top));
            Avx.Store(drow + i, Vector256.Narrow(lo, hi).AsByte());
        }
        for (; i < rowFloats; i++)
        {
            float acc = 0;
            for (var k = 0; k < n; k++) acc += rw[k] * rowPointers[k][i];
            drow[i] = (byte)Math.Clamp((int)(acc + 0.5f), 0, 255);
        }
    }

    /// <summary>One destination pixel's horizontal taps: lanes 0-2 are its channels (lane 3 is spill, overwritten).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector128<float> Taps4(float* x, float* w, int n)
    {
        var acc = Vector128<float>.Zero;
        for (var k = 0; k < n; k++, x += 3) acc = Sse.Add(acc, Sse.Multiply(Vector128.Create(w[k]), Sse.LoadVector128(x)));
        return acc;
    }

    /// <summary>(int)(acc + 0.5) clamped to 0..255, as the reference rounds.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Round(Vector256<float> acc, Vector256<float> half, Vector256<int> top) =>
        Avx2.Min(Avx2.Max(Avx.ConvertToVector256Int32WithTruncation(Avx.Add(acc, half)), Vector256<int>.Zero), top);
}
