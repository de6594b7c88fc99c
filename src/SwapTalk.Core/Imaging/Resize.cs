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
        if (ReferenceEquals(source, destination) || source.Data == destination.Data)
            throw new ArgumentException("resize cannot write into its own source image", nameof(destination));
        var columns = AxisTaps(sourceRegion.Width, destinationRegion.Width, mode);
        var rows = AxisTaps(sourceRegion.Height, destinationRegion.Height, mode);
        if (Sse41.IsSupported && Vector256.IsHardwareAccelerated) ResizeSimd(source, sourceRegion, destination, destinationRegion, columns, rows);
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
    /// SIMD: the horizontal pass keeps a pixel's three channels in one 4-lane float vector (a tap is
    /// one 4-byte load, widen, multiply, add); the vertical pass runs 8 floats at a time along the row.
    /// Only the source rows some destination row reads are filtered.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void ResizeSimd(PixelBuffer source, RectI sr, PixelBuffer destination, RectI dr, Taps columns, Taps rows)
    {
        int srcStride = source.Stride, dstStride = destination.Stride, rowFloats = dr.Width * 3;
        int firstRow = rows.Start[0], lastRow = 0;
        for (var d = 0; d < dr.Height; d++) lastRow = Math.Max(lastRow, rows.Start[d] + rows.Count[d] - 1);
        var horizontal = ArrayPool<float>.Shared.Rent((lastRow - firstRow + 1) * rowFloats + 1); // +1: 4-lane store of the last pixel
        try
        {
            var dataLength = source.Data.Length;
            fixed (byte* src = source.Data, dst = destination.Data)
            fixed (float* h = horizontal, cw = columns.Weights)
            fixed (int* cStart = columns.Start, cCount = columns.Count)
            {
                for (var y = firstRow; y <= lastRow; y++)
                {
                    var rowOffset = (long)(sr.Y + y) * srcStride + sr.X * 3;
                    var hrow = h + (long)(y - firstRow) * rowFloats;
                    for (var dx = 0; dx < dr.Width; dx++)
                    {
                        var s = rowOffset + cStart[dx] * 3;
                        var n = cCount[dx];
                        var w = cw + dx * columns.MaxTaps;
                        if (s + (n - 1) * 3 + 4 > dataLength)
                        {
                            // The last pixel of the image: a 4-byte load would leave the array.
                            float r = 0, g = 0, b = 0;
                            for (var k = 0; k < n; k++, s += 3) { r += w[k] * src[s]; g += w[k] * src[s + 1]; b += w[k] * src[s + 2]; }
                            hrow[dx * 3] = r; hrow[dx * 3 + 1] = g; hrow[dx * 3 + 2] = b;
                            continue;
                        }
                        var acc = Vector128<float>.Zero;
                        for (var k = 0; k < n; k++, s += 3)
                        {
                            var p = Sse41.ConvertToVector128Int32(Vector128.CreateScalarUnsafe(*(int*)(src + s)).AsByte());
                            acc = Sse.Add(acc, Sse.Multiply(Vector128.Create(w[k]), Sse2.ConvertToVector128Single(p)));
                        }
                        Sse.Store(hrow + dx * 3, acc);
                    }
                }
                var half = Vector256.Create(0.5f);
                var top = Vector256.Create(255);
                for (var dy = 0; dy < dr.Height; dy++)
                {
                    var drow = dst + (long)(dr.Y + dy) * dstStride + dr.X * 3;
                    var n = rows.Count[dy];
                    var baseRow = h + (long)(rows.Start[dy] - firstRow) * rowFloats;
                    var i = 0;
                    for (; i + 8 <= rowFloats; i += 8)
                    {
                        var acc = Vector256<float>.Zero;
                        for (var k = 0; k < n; k++)
                            acc = Avx.Add(acc, Avx.Multiply(Vector256.Create(rows.Weights[dy * rows.MaxTaps + k]), Avx.LoadVector256(baseRow + k * rowFloats + i)));
                        var v = Avx2.Min(Avx2.Max(Avx.ConvertToVector256Int32WithTruncation(Avx.Add(acc, half)), Vector256<int>.Zero), top);
                        var shorts = Avx2.PackSignedSaturate(v, v);
                        var bytes = Avx2.PackUnsignedSaturate(shorts, shorts).AsInt32();
                        *(int*)(drow + i) = bytes.ToScalar();
                        *(int*)(drow + i + 4) = bytes.GetElement(4);
                    }
                    for (; i < rowFloats; i++)
                    {
                        float acc = 0;
                        for (var k = 0; k < n; k++) acc += rows.Weights[dy * rows.MaxTaps + k] * baseRow[k * rowFloats + i];
                        drow[i] = (byte)Math.Clamp((int)(acc + 0.5f), 0, 255);
                    }
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(horizontal);
        }
    }
}
