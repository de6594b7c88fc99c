using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SwapTalk.Core.Imaging;

/// <summary>
/// Per-pixel alpha blend of 3-channel images through an 8-bit mask:
/// out = round((fg * a + bg * (255 - a)) / 255). a = 0 leaves the background pixel as it was,
/// a = 255 takes the foreground exactly. Integer maths: the SIMD kernel and its reference agree exactly.
/// </summary>
public static class AlphaBlend
{
    /// <summary>Blends <paramref name="foreground"/> into <paramref name="background"/> where <paramref name="alpha"/> says.</summary>
    public static void Run(PixelBuffer foreground, MaskBuffer alpha, PixelBuffer background)
    {
        if (foreground.Width != background.Width || foreground.Height != background.Height || alpha.Width != background.Width || alpha.Height != background.Height)
            throw new ArgumentException($"alpha blend needs equal sizes: foreground {foreground.Width}x{foreground.Height}, mask {alpha.Width}x{alpha.Height}, background {background.Width}x{background.Height}");
        if (foreground.Order != background.Order)
            throw new ArgumentException($"alpha blend needs one channel order: foreground is {foreground.Order}, background {background.Order}");
        BlendRow(foreground.Pixels, alpha.Pixels, background.Pixels);
    }

    /// <summary>Blends a run of pixels: 3-byte foreground and background pixels, one alpha byte each.</summary>
    internal static void BlendRow(ReadOnlySpan<byte> foreground, ReadOnlySpan<byte> alpha, Span<byte> background)
    {
        var pixels = alpha.Length;
        if (foreground.Length < pixels * 3 || background.Length < pixels * 3)
            throw new ArgumentException($"blend row of {pixels} pixels needs {pixels * 3} bytes of foreground and background");
        var done = Ssse3.IsSupported ? BlendRowSimd(foreground, alpha, background) : 0;
        BlendRowScalar(foreground[(done * 3)..], alpha[done..], background[(done * 3)..]);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void BlendRowScalar(ReadOnlySpan<byte> foreground, ReadOnlySpan<byte> alpha, Span<byte> background)
    {
        for (var i = 0; i < alpha.Length; i++)
        {
            int a = alpha[i];
            if (a == 0) continue;
            for (var c = 0; c < 3; c++)
            {
                var k = i * 3 + c;
                background[k] = (byte)((foreground[k] * a + background[k] * (255 - a) + 127) / 255);
            }
        }
    }

    /// <summary>16 pixels per step (SSSE3); returns how many pixels it blended (a multiple of 16).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe int BlendRowSimd(ReadOnlySpan<byte> foreground, ReadOnlySpan<byte> alpha, Span<byte> background)
    {
        if (!Ssse3.IsSupported) return 0;
        var blocks = alpha.Length / 16;
        fixed (byte* fg = foreground, a = alpha, bg = background)
        {
            var spread0 = Vector128.Create((byte)0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5);
            var spread1 = Vector128.Create((byte)5, 5, 6, 6, 6, 7, 7, 7, 8, 8, 8, 9, 9, 9, 10, 10);
            var spread2 = Vector128.Create((byte)10, 11, 11, 11, 12, 12, 12, 13, 13, 13, 14, 14, 14, 15, 15, 15);
            for (var b = 0; b < blocks; b++)
            {
                var a16 = Sse2.LoadVector128(a + b * 16);
                if (a16 == Vector128<byte>.Zero) continue;
                byte* f = fg + b * 48, d = bg + b * 48;
                Sse2.Store(d, Blend16(Sse2.LoadVector128(f), Sse2.LoadVector128(d), Ssse3.Shuffle(a16, spread0)));
                Sse2.Store(d + 16, Blend16(Sse2.LoadVector128(f + 16), Sse2.LoadVector128(d + 16), Ssse3.Shuffle(a16, spread1)));
                Sse2.Store(d + 32, Blend16(Sse2.LoadVector128(f + 32), Sse2.LoadVector128(d + 32), Ssse3.Shuffle(a16, spread2)));
            }
        }
        return blocks * 16;
    }

    /// <summary>16 bytes: round((fg * a + bg * (255 - a)) / 255) via t = x + 128, (t + (t >> 8)) >> 8, exact for x <= 65025.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Blend16(Vector128<byte> fg, Vector128<byte> bg, Vector128<byte> a)
    {
        var ia = Sse2.Xor(a, Vector128<byte>.AllBitsSet); // 255 - a
        var zero = Vector128<byte>.Zero;
        var lo = Mix(Sse2.UnpackLow(fg, zero).AsUInt16(), Sse2.UnpackLow(bg, zero).AsUInt16(),
            Sse2.UnpackLow(a, zero).AsUInt16(), Sse2.UnpackLow(ia, zero).AsUInt16());
        var hi = Mix(Sse2.UnpackHigh(fg, zero).AsUInt16(), Sse2.UnpackHigh(bg, zero).AsUInt16(),
            Sse2.UnpackHigh(a, zero).AsUInt16(), Sse2.UnpackHigh(ia, zero).AsUInt16());
        return Sse2.PackUnsignedSaturate(lo.AsInt16(), hi.AsInt16());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<ushort> Mix(Vector128<ushort> fg, Vector128<ushort> bg, Vector128<ushort> a, Vector128<ushort> ia)
    {
        var t = Sse2.Add(Sse2.Add(Sse2.MultiplyLow(fg, a), Sse2.MultiplyLow(bg, ia)), Vector128.Create((ushort)128));
        return Sse2.ShiftRightLogical(Sse2.Add(t, Sse2.ShiftRightLogical(t, 8)), 8);
    }
}
