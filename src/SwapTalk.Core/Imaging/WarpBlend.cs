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
    public static RectI Run(PixelBuffer crop, MaskBuffer mask, PixelBuffer frame, Affine2x3 cropToFrame)
    {
        Validate(crop, mask, frame);
        var frameToCrop = cropToFrame.Invert();
        var support = mask.NonZeroBounds();
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
    /// once; then per frame row, pass 1 samples RGBA (pmaddubsw/pmaddwd as in the warp, whole pixels
    /// per 32-bit lane) into a colour row and an alpha row, and pass 2 is <see cref="AlphaBlend"/>'s row kernel.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void RunSimd(PixelBuffer crop, MaskBuffer mask, RectI support, PixelBuffer frame, RectI box, Affine2x3 frameToCrop)
    {
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
                    map.Row(y, out var rowX, out var rowY, out var unclamped);
                    taps.Compute(map, rowX - originX, rowY - originY, unclamped, rect.Width, rect.Height, 4, rgbaLength);
                    InterpolateRow4(rgbaBase, rect.Width * 4, offsets, xWeights, yWeights, colourRow, alphaRow, box.Width);
                    for (var j = 0; j < box.Width; j++)
                    {
                        if (offsets[j] >= 0) continue;
                        map.At(rowX, rowY, j, out var x, out var yy);
                        var sample = SampleRect(rgbaSpan, rect, x - (int)originX, yy - (int)originY);
                        colourRow[j * 3] = (byte)sample; colourRow[j * 3 + 1] = (byte)(sample >> 8); colourRow[j * 3 + 2] = (byte)(sample >> 16);
                        alphaRow[j] = (byte)(sample >> 24);
                    }
                    AlphaBlend.BlendRow(new ReadOnlySpan<byte>(colourRow, box.Width * 3), new ReadOnlySpan<byte>(alphaRow, box.Width),
                        frame.Pixels.Slice((y * frame.Width + box.X) * 3, box.Width * 3));
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

    /// <summary>Crop colour and mask weight of <paramref name="rect"/> as packed RGBA.</summary>
    private static void Interleave(PixelBuffer crop, MaskBuffer mask, RectI rect, byte[] rgba)
    {
        for (var y = 0; y < rect.Height; y++)
        {
            var c = crop.Pixels.Slice(((rect.Y + y) * crop.Width + rect.X) * 3, rect.Width * 3);
            var m = mask.Pixels.Slice((rect.Y + y) * mask.Width + rect.X, rect.Width);
            var o = rgba.AsSpan(y * rect.Width * 4, rect.Width * 4);
            for (var x = 0; x < rect.Width; x++)
            {
                o[x * 4] = c[x * 3]; o[x * 4 + 1] = c[x * 3 + 1]; o[x * 4 + 2] = c[x * 3 + 2]; o[x * 4 + 3] = m[x];
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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void InterpolateRow4(byte* src, int stride, int* offsets, int* xWeights, int* yWeights, byte* colour, byte* alpha, int count)
    {
        var pairs = Vector128.Create((byte)0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
        var signFlip = Vector128.Create((byte)0x80);
        var round = Vector128.Create((1 << 28) + (1 << (AffineWarp.ResultShift - 1)));
        var below = (nint)stride;
        for (var j = 0; j < count; j++)
        {
            nint ofs = offsets[j];
            if (ofs < 0) continue;
            var top = Sse2.LoadScalarVector128((ulong*)(src + ofs));
            var bottom = Sse2.LoadScalarVector128((ulong*)(src + ofs + below));
            var px = Sse2.Xor(Ssse3.Shuffle(Sse2.UnpackLow(top, bottom).AsByte(), pairs), signFlip);
            var h = Ssse3.MultiplyAddAdjacent(Vector128.Create(xWeights[j]).AsByte(), px.AsSByte());
            var v = Sse2.ShiftRightArithmetic(Sse2.Add(Sse2.MultiplyAddAdjacent(h, Vector128.Create(yWeights[j]).AsInt16()), round), AffineWarp.ResultShift);
            var p = Sse2.PackUnsignedSaturate(Sse2.PackSignedSaturate(v, v), v.AsInt16()).AsUInt32().ToScalar();
            *(uint*)(colour + j * 3) = p;
            alpha[j] = (byte)(p >> 24);
        }
    }
}
