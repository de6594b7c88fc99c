using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SwapTalk.Core.Imaging;

/// <summary>
/// Warps a crop and its mask into a frame and alpha-blends them there (the paste-back kernel).
/// Each frame pixel samples crop colour and mask weight bilinearly at the same position (the
/// crop and mask act as one RGBA image with a transparent border) and is written only where the
/// sampled weight is above zero: every other frame pixel keeps its exact bytes. Work is limited
/// to the frame box that the mask's non-zero area maps onto.
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
        var frameToCrop = cropToFrame.Invert();
        var box = FrameBox(support, cropToFrame, frame);
        if (box.IsEmpty) return box;
        if (Ssse3.IsSupported) RunSimd(crop, mask, support, frame, box, frameToCrop);
        else RunScalar(crop, mask, frame, box, frameToCrop);
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
        if (crop.Width > FixedPointMap.MaxImageSize || crop.Height > FixedPointMap.MaxImageSize)
            throw new ArgumentException($"crop {crop.Width}x{crop.Height} exceeds the warp's limit of {FixedPointMap.MaxImageSize} pixels per side", nameof(crop));
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

    /// <summary>The reference: per pixel, sample RGBA (crop + mask, transparent border) and blend.</summary>
    internal static void RunScalar(PixelBuffer crop, MaskBuffer mask, PixelBuffer frame, RectI box, Affine2x3 frameToCrop)
    {
        using var map = new FixedPointMap(frameToCrop, box.X, box.Width);
        var px = frame.Pixels;
        Span<byte> rgba = stackalloc byte[4];
        for (var y = box.Y; y < box.Bottom; y++)
        {
            map.Row(y, out var rowX, out var rowY, out _);
            for (var j = 0; j < box.Width; j++)
            {
                map.At(rowX, rowY, j, out var x, out var yy);
                SampleRgba(crop, mask, x, yy, rgba);
                int a = rgba[3];
                if (a == 0) continue;
                var k = (y * frame.Width + box.X + j) * 3;
                for (var c = 0; c < 3; c++) px[k + c] = (byte)((rgba[c] * a + px[k + c] * (255 - a) + 127) / 255);
            }
        }
    }

    private static void SampleRgba(PixelBuffer crop, MaskBuffer mask, int x, int y, Span<byte> rgba)
    {
        AffineWarp.Split(x, y, out var sx, out var fx, out var sy, out var fy);
        int wx0 = (1 << AffineWarp.XWeightBits) - fx, wy0 = (1 << AffineWarp.YWeightBits) - fy;
        for (var c = 0; c < 4; c++)
        {
            int P(int xx, int yy)
            {
                if ((uint)xx >= (uint)crop.Width || (uint)yy >= (uint)crop.Height) return 0;
                return c < 3 ? crop.Pixels[(yy * crop.Width + xx) * 3 + c] : mask.Pixels[yy * mask.Width + xx];
            }
            var h0 = wx0 * P(sx, sy) + fx * P(sx + 1, sy);
            var h1 = wx0 * P(sx, sy + 1) + fx * P(sx + 1, sy + 1);
            rgba[c] = (byte)((wy0 * h0 + fy * h1 + (1 << (AffineWarp.ResultShift - 1))) >> AffineWarp.ResultShift);
        }
    }

    /// <summary>
    /// SIMD: the crop and mask over the support (plus a one-pixel ring) are interleaved into RGBA
    /// once; then per frame row, only over the columns whose samples can reach the support, pass 1
    /// samples RGBA (pmaddubsw/pmaddwd as in the warp, a pixel per 128-bit lane) into a colour row
    /// and an alpha row, and pass 2 is <see cref="AlphaBlend"/>'s row kernel.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void RunSimd(PixelBuffer crop, MaskBuffer mask, RectI support, PixelBuffer frame, RectI box, Affine2x3 frameToCrop)
    {
        if (!Ssse3.IsSupported)
        {
            RunScalar(crop, mask, frame, box, frameToCrop);
            return;
        }
        var rect = new RectI(support.X - 1, support.Y - 1, support.Width + 2, support.Height + 2).Intersect(RectI.Of(crop));
        var rgbaLength = rect.Width * rect.Height * 4;
        var rgba = ArrayPool<byte>.Shared.Rent(rgbaLength);
        var colour = ArrayPool<byte>.Shared.Rent(box.Width * 3 + 1); // +1: the last 4-byte store
        var alpha = ArrayPool<byte>.Shared.Rent(box.Width);
        try
        {
            Interleave(crop, mask, rect, rgba);
            using var map = new FixedPointMap(frameToCrop, box.X, box.Width);
            using var taps = new SampleTaps(box.Width);
            long originX = (long)rect.X << FixedPointMap.FractionBits, originY = (long)rect.Y << FixedPointMap.FractionBits;
            var rgbaSpan = rgba.AsSpan(0, rgbaLength);
            fixed (byte* rgbaBase = rgba, colourRow = colour, alphaRow = alpha)
            fixed (int* offsets = taps.Offsets, xWeights = taps.XWeights, yWeights = taps.YWeights)
            {
                for (var y = box.Y; y < box.Bottom; y++)
                {
                    var (from, to) = ColumnsReaching(frameToCrop, rect, box, y);
                    if (from >= to) continue;
                    map.Row(y, out var rowX, out var rowY, out var unclamped);
                    taps.Compute(map, rowX - originX, rowY - originY, unclamped, from, to, rect.Width, rect.Height, 4, rgbaLength);
                    InterpolateRow4(rgbaBase, rect.Width * 4, offsets + from, xWeights + from, yWeights + from, colourRow, alphaRow, to - from);
                    for (var j = from; j < to; j++)
                    {
                        if (offsets[j] >= 0) continue;
                        map.At(rowX, rowY, j, out var x, out var yy);
                        var sample = SampleRect(rgbaSpan, rect, x - (int)originX, yy - (int)originY);
                        var k = j - from;
                        colourRow[k * 3] = (byte)sample; colourRow[k * 3 + 1] = (byte)(sample >> 8); colourRow[k * 3 + 2] = (byte)(sample >> 16);
                        alphaRow[k] = (byte)(sample >> 24);
                    }
                    AlphaBlend.BlendRow(new ReadOnlySpan<byte>(colourRow, (to - from) * 3), new ReadOnlySpan<byte>(alphaRow, to - from),
                        frame.Pixels.Slice((y * frame.Width + box.X + from) * 3, (to - from) * 3));
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rgba);
            ArrayPool<byte>.Shared.Return(colour);
            ArrayPool<byte>.Shared.Return(alpha);
        }
    }

    /// <summary>
    /// The box columns [from, to) of frame row <paramref name="y"/> whose crop positions fall within one
    /// pixel of <paramref name="rect"/>; every other column samples only transparent pixels. Two
    /// columns of slack absorb the fixed-point rounding of positions.
    /// </summary>
    internal static (int From, int To) ColumnsReaching(Affine2x3 frameToCrop, RectI rect, RectI box, int y)
    {
        double lo = 0, hi = box.Width - 1;
        Narrow(frameToCrop.M11, frameToCrop.M11 * box.X + frameToCrop.M12 * y + frameToCrop.M13, rect.X - 1, rect.Right, ref lo, ref hi);
        Narrow(frameToCrop.M21, frameToCrop.M21 * box.X + frameToCrop.M22 * y + frameToCrop.M23, rect.Y - 1, rect.Bottom, ref lo, ref hi);
        if (!(hi >= lo)) return (0, 0);
        var from = (int)Math.Max(0, Math.Floor(lo) - 2);
        var to = (int)Math.Min(box.Width, Math.Ceiling(hi) + 3);
        return (from, to);

        // Keeps the j where min <= slope * j + offset <= max.
        static void Narrow(double slope, double offset, double min, double max, ref double lo, ref double hi)
        {
            if (Math.Abs(slope) < 1e-12)
            {
                if (offset < min - 1 || offset > max + 1) hi = double.NegativeInfinity;
                return;
            }
            double a = (min - offset) / slope, b = (max - offset) / slope;
            lo = Math.Max(lo, Math.Min(a, b));
            hi = Math.Min(hi, Math.Max(a, b));
        }
    }

    /// <summary>Crop colour and mask weight of <paramref name="rect"/> as packed RGBA (SSSE3: four pixels per shuffle).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Interleave(PixelBuffer crop, MaskBuffer mask, RectI rect, byte[] rgba)
    {
        var rgb = Vector128.Create((byte)0, 1, 2, 0x80, 3, 4, 5, 0x80, 6, 7, 8, 0x80, 9, 10, 11, 0x80);
        var a0 = Vector128.Create(0x80, 0x80, 0x80, 0, 0x80, 0x80, 0x80, 1, 0x80, 0x80, 0x80, 2, 0x80, 0x80, 0x80, (byte)3);
        var four = Vector128.Create((byte)0, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0, 4);
        var cropLength = crop.ByteLength;
        fixed (byte* c0 = crop.Data, m0 = mask.Data, o0 = rgba)
        {
            for (var y = 0; y < rect.Height; y++)
            {
                var cOfs = ((rect.Y + y) * crop.Width + rect.X) * 3;
                byte* c = c0 + cOfs, m = m0 + (rect.Y + y) * mask.Width + rect.X, o = o0 + y * rect.Width * 4;
                var x = 0;
                if (Ssse3.IsSupported)
                {
                    // 16-byte loads read 4 bytes past the 4 pixels used: stay inside the crop's pixels.
                    for (; x + 16 <= rect.Width && cOfs + x * 3 + 48 + 4 <= cropLength; x += 16)
                    {
                        var alphas = Sse2.LoadVector128(m + x);
                        var shuffle = a0;
                        for (var q = 0; q < 4; q++)
                        {
                            var colours = Ssse3.Shuffle(Sse2.LoadVector128(c + x * 3 + q * 12), rgb);
                            Sse2.Store(o + x * 4 + q * 16, Sse2.Or(colours, Ssse3.Shuffle(alphas, shuffle)));
                            shuffle = Sse2.Add(shuffle, four);
                        }
                    }
                }
                for (; x < rect.Width; x++)
                {
                    o[x * 4] = c[x * 3]; o[x * 4 + 1] = c[x * 3 + 1]; o[x * 4 + 2] = c[x * 3 + 2]; o[x * 4 + 3] = m[x];
                }
            }
        }
    }

    /// <summary>One RGBA sample from the interleaved rectangle, transparent outside it (scalar edge path).</summary>
    private static uint SampleRect(ReadOnlySpan<byte> rgba, RectI rect, int x, int y)
    {
        Span<byte> o = stackalloc byte[4];
        AffineWarp.SamplePixel(rgba, rect.Width, rect.Height, 4, x, y, BorderMode.Constant, 0, o);
        return o[0] | ((uint)o[1] << 8) | ((uint)o[2] << 16) | ((uint)o[3] << 24);
    }

    /// <summary>Pass 1 for RGBA: colour to a packed 3-byte row (4-byte stores, left to right), alpha to its own row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void InterpolateRow4(byte* src, int stride, int* offsets, int* xWeights, int* yWeights, byte* colour, byte* alpha, int count)
    {
        var j = 0;
        var below = (nint)stride;
        if (Avx2.IsSupported)
        {
            var pairs = Vector256.Create((byte)0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15,
                0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
            var signFlip = Vector256.Create((byte)0x80);
            var round = Vector256.Create((1 << 28) + (1 << (AffineWarp.ResultShift - 1)));
            var spread = Vector256.Create(0, 0, 0, 0, 1, 1, 1, 1);
            for (; j + 1 < count; j += 2)
            {
                nint ofs0 = offsets[j], ofs1 = offsets[j + 1];
                if ((ofs0 | ofs1) < 0)
                {
                    if (ofs0 >= 0) Single4(src, below, ofs0, xWeights[j], yWeights[j], colour + j * 3, alpha + j);
                    if (ofs1 >= 0) Single4(src, below, ofs1, xWeights[j + 1], yWeights[j + 1], colour + j * 3 + 3, alpha + j + 1);
                    continue;
                }
                var a = Sse2.UnpackLow(Sse2.LoadScalarVector128((ulong*)(src + ofs0)), Sse2.LoadScalarVector128((ulong*)(src + ofs0 + below)));
                var b = Sse2.UnpackLow(Sse2.LoadScalarVector128((ulong*)(src + ofs1)), Sse2.LoadScalarVector128((ulong*)(src + ofs1 + below)));
                var px = Avx2.Xor(Avx2.Shuffle(Vector256.Create(a, b).AsByte(), pairs), signFlip);
                var wx = Avx2.PermuteVar8x32(Vector256.CreateScalarUnsafe(*(long*)(xWeights + j)).AsInt32(), spread);
                var wy = Avx2.PermuteVar8x32(Vector256.CreateScalarUnsafe(*(long*)(yWeights + j)).AsInt32(), spread);
                var h = Avx2.MultiplyAddAdjacent(wx.AsByte(), px.AsSByte());
                var v = Avx2.ShiftRightArithmetic(Avx2.Add(Avx2.MultiplyAddAdjacent(h, wy.AsInt16()), round), AffineWarp.ResultShift);
                var packed = Avx2.PackUnsignedSaturate(Avx2.PackSignedSaturate(v, v), v.AsInt16()).AsUInt32();
                uint p0 = packed.ToScalar(), p1 = packed.GetUpper().ToScalar();
                *(uint*)(colour + j * 3) = p0;
                *(uint*)(colour + j * 3 + 3) = p1;
                alpha[j] = (byte)(p0 >> 24);
                alpha[j + 1] = (byte)(p1 >> 24);
            }
        }
        for (; j < count; j++)
            if (offsets[j] >= 0) Single4(src, below, offsets[j], xWeights[j], yWeights[j], colour + j * 3, alpha + j);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Single4(byte* src, nint below, nint ofs, int xWeights, int yWeights, byte* colour, byte* alpha)
    {
        var pairs = Vector128.Create((byte)0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
        var top = Sse2.LoadScalarVector128((ulong*)(src + ofs));
        var bottom = Sse2.LoadScalarVector128((ulong*)(src + ofs + below));
        var px = Sse2.Xor(Ssse3.Shuffle(Sse2.UnpackLow(top, bottom).AsByte(), pairs), Vector128.Create((byte)0x80));
        var h = Ssse3.MultiplyAddAdjacent(Vector128.Create(xWeights).AsByte(), px.AsSByte());
        var v = Sse2.ShiftRightArithmetic(Sse2.Add(Sse2.MultiplyAddAdjacent(h, Vector128.Create(yWeights).AsInt16()),
            Vector128.Create((1 << 28) + (1 << (AffineWarp.ResultShift - 1)))), AffineWarp.ResultShift);
        var p = Sse2.PackUnsignedSaturate(Sse2.PackSignedSaturate(v, v), v.AsInt16()).AsUInt32().ToScalar();
        *(uint*)colour = p;
        *alpha = (byte)(p >> 24);
    }
}
