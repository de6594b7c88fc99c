using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SwapTalk.Core.Imaging;

/// <summary>What a sample outside the source image reads.</summary>
public enum BorderMode
{
    /// <summary>A fixed value (OpenCV's BORDER_CONSTANT).</summary>
    Constant,
    /// <summary>The nearest edge pixel (OpenCV's BORDER_REPLICATE).</summary>
    Replicate,
    /// <summary>The image mirrored at its edges without repeating the edge pixel (OpenCV's BORDER_REFLECT_101).</summary>
    Reflect,
}

/// <summary>
/// Bilinear affine warp of packed 3-channel images. Each destination pixel samples the source at
/// the inverse-mapped position, quantised to 1/128 pixel across and 1/16384 down (OpenCV quantises
/// both to 1/32); weights are fixed point so the SIMD kernel and its scalar reference agree exactly.
/// Single-threaded by design: stages run frames in parallel, one kernel per core.
/// </summary>
public static class AffineWarp
{
    /// <summary>
    /// Fills <paramref name="destination"/> from <paramref name="source"/>, where
    /// <paramref name="sourceToDestination"/> maps source pixel coordinates to destination ones
    /// (the matrix OpenCV's warpAffine takes; e.g. an aligned face's frame-to-crop matrix).
    /// </summary>
    public static void Run(PixelBuffer source, PixelBuffer destination, Affine2x3 sourceToDestination,
        BorderMode border = BorderMode.Constant, byte borderValue = 0) =>
        Run(source, destination, RectI.Of(destination), sourceToDestination, border, borderValue);

    /// <summary>As <see cref="Run(PixelBuffer, PixelBuffer, Affine2x3, BorderMode, byte)"/>, writing only <paramref name="destinationRegion"/>.</summary>
    public static void Run(PixelBuffer source, PixelBuffer destination, RectI destinationRegion, Affine2x3 sourceToDestination,
        BorderMode border = BorderMode.Constant, byte borderValue = 0)
    {
        Validate(source, destination, destinationRegion);
        var destinationToSource = sourceToDestination.Invert();
        if (Ssse3.IsSupported) RunSimd(source, destination, destinationRegion, destinationToSource, border, borderValue);
        else RunScalar(source, destination, destinationRegion, destinationToSource, border, borderValue);
    }

    internal static void Validate(PixelBuffer source, PixelBuffer destination, RectI destinationRegion)
    {
        if (source.Width > FixedPointMap.MaxImageSize || source.Height > FixedPointMap.MaxImageSize)
            throw new ArgumentException($"source image {source.Width}x{source.Height} exceeds the warp's limit of {FixedPointMap.MaxImageSize} pixels per side", nameof(source));
        if (destinationRegion.IsEmpty || !RectI.Of(destination).Contains(destinationRegion))
            throw new ArgumentOutOfRangeException(nameof(destinationRegion), $"destination region {destinationRegion} is empty or outside the {destination.Width}x{destination.Height} image");
        if (ReferenceEquals(source, destination) || source.Data == destination.Data)
            throw new ArgumentException("a warp cannot write into its own source image", nameof(destination));
    }

    // Fixed-point sampling shared by every bilinear kernel (see FixedPointMap for positions).
    internal const int XWeightBits = 7;   // horizontal weights sum to 128: fit pmaddubsw's unsigned operand
    internal const int YWeightBits = 14;  // vertical weights sum to 16384: fit pmaddwd's signed operand
    internal const int XRound = 1 << (FixedPointMap.FractionBits - XWeightBits - 1);
    internal const int YRound = 1 << (FixedPointMap.FractionBits - YWeightBits - 1);
    internal const int ResultShift = XWeightBits + YWeightBits;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Split(int x, int y, out int sx, out int fx, out int sy, out int fy)
    {
        var xr = x + XRound;
        var yr = y + YRound;
        sx = xr >> FixedPointMap.FractionBits;
        sy = yr >> FixedPointMap.FractionBits;
        fx = (xr >> (FixedPointMap.FractionBits - XWeightBits)) & ((1 << XWeightBits) - 1);
        fy = (yr >> (FixedPointMap.FractionBits - YWeightBits)) & ((1 << YWeightBits) - 1);
    }

    /// <summary>The reference: one pixel, one channel at a time, borders handled per neighbour.</summary>
    internal static void RunScalar(PixelBuffer source, PixelBuffer destination, RectI region, Affine2x3 destinationToSource,
        BorderMode border, byte borderValue)
    {
        using var map = new FixedPointMap(destinationToSource, region.X, region.Width);
        var dst = destination.Pixels;
        for (var y = region.Y; y < region.Bottom; y++)
        {
            map.Row(y, out var rowX, out var rowY, out _);
            var drow = dst.Slice(y * destination.Stride + region.X * 3, region.Width * 3);
            for (var j = 0; j < region.Width; j++)
            {
                map.At(rowX, rowY, j, out var x, out var yy);
                SamplePixel(source, 3, x, yy, border, borderValue, drow.Slice(j * 3, 3));
            }
        }
    }

    /// <summary>Bilinear sample of one pixel with per-neighbour border handling (any channel count).</summary>
    internal static void SamplePixel(PixelBuffer source, int channels, int x, int y, BorderMode border, byte borderValue, Span<byte> output) =>
        SamplePixel(source.Data, source.Width, source.Height, channels, x, y, border, borderValue, output);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void SamplePixel(ReadOnlySpan<byte> src, int width, int height, int channels, int x, int y,
        BorderMode border, byte borderValue, Span<byte> output)
    {
        Split(x, y, out var sx, out var fx, out var sy, out var fy);
        int wx0 = (1 << XWeightBits) - fx, wy0 = (1 << YWeightBits) - fy;
        var stride = width * channels;
        for (var c = 0; c < channels; c++)
        {
            int p00 = Fetch(src, width, height, stride, channels, sx, sy, c, border, borderValue);
            int p01 = Fetch(src, width, height, stride, channels, sx + 1, sy, c, border, borderValue);
            int p10 = Fetch(src, width, height, stride, channels, sx, sy + 1, c, border, borderValue);
            int p11 = Fetch(src, width, height, stride, channels, sx + 1, sy + 1, c, border, borderValue);
            var h0 = wx0 * p00 + fx * p01;
            var h1 = wx0 * p10 + fx * p11;
            output[c] = (byte)((wy0 * h0 + fy * h1 + (1 << (ResultShift - 1))) >> ResultShift);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Fetch(ReadOnlySpan<byte> src, int width, int height, int stride, int channels, int x, int y, int c,
        BorderMode border, byte borderValue)
    {
        if ((uint)x >= (uint)width || (uint)y >= (uint)height)
        {
            if (border == BorderMode.Constant) return borderValue;
            if (border == BorderMode.Reflect)
            {
                x = BorderIndex.Reflect101(x, width);
                y = BorderIndex.Reflect101(y, height);
            }
            else
            {
                x = Math.Clamp(x, 0, width - 1);
                y = Math.Clamp(y, 0, height - 1);
            }
        }
        return src[y * stride + x * channels + c];
    }

    /// <summary>
    /// SIMD in two passes per row. Pass 1 (AVX2, 8 pixels at a time) turns fixed-point positions into
    /// source offsets and packed weights, marking pixels whose 2x2 neighbourhood leaves the image.
    /// Pass 2 (SSSE3, a pixel per 128-bit vector): two 8-byte loads hold the neighbourhood; one shuffle
    /// pairs neighbours, pmaddubsw blends across (weights unsigned, pixels biased to signed), pmaddwd
    /// blends the two rows. Marked pixels take the scalar path.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void RunSimd(PixelBuffer source, PixelBuffer destination, RectI region, Affine2x3 destinationToSource,
        BorderMode border, byte borderValue)
    {
        if (!Ssse3.IsSupported)
        {
            RunScalar(source, destination, region, destinationToSource, border, borderValue);
            return;
        }
        using var map = new FixedPointMap(destinationToSource, region.X, region.Width);
        using var taps = new SampleTaps(region.Width);
        var src = source.Data;
        fixed (byte* srcBase = src)
        fixed (byte* dstBase = destination.Data)
        fixed (int* offsets = taps.Offsets)
        fixed (int* xWeights = taps.XWeights)
        fixed (int* yWeights = taps.YWeights)
        {
            for (var y = region.Y; y < region.Bottom; y++)
            {
                map.Row(y, out var rowX, out var rowY, out var unclamped);
                taps.Compute(map, rowX, rowY, unclamped, source.Width, source.Height, 3, src.Length);
                var drow = dstBase + (long)y * destination.Stride + region.X * 3;
                // The last pixel's 4-byte store would spill past the row: leave it to the scalar pass.
                offsets[region.Width - 1] = -1;
                InterpolateRow3(srcBase, source.Stride, offsets, xWeights, yWeights, drow, region.Width);
                for (var j = 0; j < region.Width; j++)
                {
                    if (offsets[j] >= 0) continue;
                    map.At(rowX, rowY, j, out var x, out var yy);
                    SamplePixel(src, source.Width, source.Height, 3, x, yy, border, borderValue, new Span<byte>(drow + j * 3, 3));
                }
            }
        }
    }

    /// <summary>
    /// Pass 2 for 3-channel pixels with a non-negative offset, two pixels per 256-bit vector (one per
    /// 128-bit lane; AVX2), else one per 128-bit vector. No calls inside, so the JIT keeps the loop in
    /// registers. Each pixel is stored as 4 bytes; the 4th lands on the next pixel, which is written
    /// later (here, or by the scalar pass that follows).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void InterpolateRow3(byte* src, int stride, int* offsets, int* xWeights, int* yWeights, byte* dst, int count)
    {
        if (Avx2.IsSupported) InterpolatePairs3(src, stride, offsets, xWeights, yWeights, dst, count);
        else InterpolateSingles3(src, stride, offsets, xWeights, yWeights, dst, count);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void InterpolatePairs3(byte* src, int stride, int* offsets, int* xWeights, int* yWeights, byte* dst, int count)
    {
        var pairs = Vector256.Create((byte)0, 3, 8, 11, 1, 4, 9, 12, 2, 5, 10, 13, 0x80, 0x80, 0x80, 0x80,
            0, 3, 8, 11, 1, 4, 9, 12, 2, 5, 10, 13, 0x80, 0x80, 0x80, 0x80);
        var signFlip = Vector256.Create((byte)0x80);
        var round = Vector256.Create((1 << 28) + (1 << (ResultShift - 1)));
        var spread = Vector256.Create(0, 0, 0, 0, 1, 1, 1, 1);
        var below = (nint)stride;
        var end = offsets + (count & ~1);
        for (; offsets < end; offsets += 2, xWeights += 2, yWeights += 2, dst += 6)
        {
            nint ofs0 = offsets[0], ofs1 = offsets[1];
            if ((ofs0 | ofs1) < 0)
            {
                // One of the two takes the scalar path: do the other alone.
                if (ofs0 >= 0) InterpolateSingles3(src, stride, offsets, xWeights, yWeights, dst, 1);
                else if (ofs1 >= 0) InterpolateSingles3(src, stride, offsets + 1, xWeights + 1, yWeights + 1, dst + 3, 1);
                continue;
            }
            var a = Sse2.UnpackLow(Sse2.LoadScalarVector128((ulong*)(src + ofs0)), Sse2.LoadScalarVector128((ulong*)(src + ofs0 + below)));
            var b = Sse2.UnpackLow(Sse2.LoadScalarVector128((ulong*)(src + ofs1)), Sse2.LoadScalarVector128((ulong*)(src + ofs1 + below)));
            var px = Avx2.Xor(Avx2.Shuffle(Vector256.Create(a, b).AsByte(), pairs), signFlip);
            var wx = Avx2.PermuteVar8x32(Vector256.CreateScalarUnsafe(*(long*)xWeights).AsInt32(), spread);
            var wy = Avx2.PermuteVar8x32(Vector256.CreateScalarUnsafe(*(long*)yWeights).AsInt32(), spread);
            var h = Avx2.MultiplyAddAdjacent(wx.AsByte(), px.AsSByte());
            var v = Avx2.ShiftRightArithmetic(Avx2.Add(Avx2.MultiplyAddAdjacent(h, wy.AsInt16()), round), ResultShift);
            var packed = Avx2.PackUnsignedSaturate(Avx2.PackSignedSaturate(v, v), v.AsInt16()).AsUInt32();
            *(uint*)dst = packed.ToScalar();
            *(uint*)(dst + 3) = packed.GetUpper().ToScalar();
        }
        if ((count & 1) != 0) InterpolateSingles3(src, stride, offsets, xWeights, yWeights, dst, 1);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void InterpolateSingles3(byte* src, int stride, int* offsets, int* xWeights, int* yWeights, byte* dst, int count)
    {
        var pairs = Vector128.Create((byte)0, 3, 8, 11, 1, 4, 9, 12, 2, 5, 10, 13, 0x80, 0x80, 0x80, 0x80);
        var signFlip = Vector128.Create((byte)0x80);
        var round = Vector128.Create((1 << 28) + (1 << (ResultShift - 1)));
        var below = (nint)stride;
        for (var j = 0; j < count; j++)
        {
            nint ofs = offsets[j];
            if (ofs < 0) continue;
            var top = Sse2.LoadScalarVector128((ulong*)(src + ofs));
            var bottom = Sse2.LoadScalarVector128((ulong*)(src + ofs + below));
            var px = Sse2.Xor(Ssse3.Shuffle(Sse2.UnpackLow(top, bottom).AsByte(), pairs), signFlip);
            var h = Ssse3.MultiplyAddAdjacent(Vector128.Create(xWeights[j]).AsByte(), px.AsSByte());
            var v = Sse2.ShiftRightArithmetic(Sse2.Add(Sse2.MultiplyAddAdjacent(h, Vector128.Create(yWeights[j]).AsInt16()), round), ResultShift);
            var packed = Sse2.PackUnsignedSaturate(Sse2.PackSignedSaturate(v, v), v.AsInt16());
            *(uint*)(dst + j * 3) = packed.AsUInt32().ToScalar();
        }
    }
}
