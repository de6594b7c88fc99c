using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SwapTalk.Core.Imaging;

/// <summary>Channel order changes (RGB and BGR), in place or into another buffer.</summary>
public static class ColorConversion
{
    /// <summary>
    /// Writes <paramref name="source"/> into <paramref name="destination"/> (the same buffer is allowed)
    /// in channel order <paramref name="order"/>, swapping red and blue when the orders differ.
    /// </summary>
    public static void Convert(PixelBuffer source, PixelBuffer destination, ColorOrder order)
    {
        if (source.Width != destination.Width || source.Height != destination.Height)
            throw new ArgumentException($"colour conversion needs equal sizes: source {source.Width}x{source.Height}, destination {destination.Width}x{destination.Height}");
        if (source.Order == order)
        {
            if (source.Data != destination.Data) source.Pixels.CopyTo(destination.Pixels);
        }
        else
        {
            SwapRedBlue(source.Pixels, destination.Pixels);
        }
        destination.Order = order;
    }

    internal static void SwapRedBlue(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        var done = Ssse3.IsSupported ? SwapRedBlueSimd(source, destination) : 0;
        SwapRedBlueScalar(source[done..], destination[done..]);
    }

    internal static void SwapRedBlueScalar(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        for (var i = 0; i + 2 < source.Length; i += 3)
        {
            // Read all three first: source and destination may be the same bytes.
            byte r = source[i], g = source[i + 1], b = source[i + 2];
            destination[i] = b;
            destination[i + 1] = g;
            destination[i + 2] = r;
        }
    }

    /// <summary>
    /// Five pixels per 16-byte shuffle; the 16th byte is copied unchanged and rewritten by the next
    /// step, which also keeps in-place conversion correct. Returns the bytes done (a multiple of 15).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe int SwapRedBlueSimd(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (!Ssse3.IsSupported) return 0;
        var swap = Vector128.Create((byte)2, 1, 0, 5, 4, 3, 8, 7, 6, 11, 10, 9, 14, 13, 12, 15);
        var n = source.Length;
        var i = 0;
        fixed (byte* s = source, d = destination)
        {
            for (; i + 16 <= n; i += 15)
                Sse2.Store(d + i, Ssse3.Shuffle(Sse2.LoadVector128(s + i), swap));
        }
        return i;
    }
}
