using System.Buffers;
using System.Runtime.CompilerServices;

namespace SwapTalk.Core.Imaging;

/// <summary>
/// Where each destination pixel of a region samples its source, in 16.16 fixed point, computed the
/// same way for every warp kernel (scalar reference and SIMD alike), so their results agree bit for bit.
/// Like OpenCV's warpAffine, the per-column terms are tabulated once and each row adds its own
/// offset: x_src(j, y) = round(S * m11 * j) + round(S * (m11 * x0 + m12 * y + m13)), no error build-up
/// along a row. Coordinates are clamped to +-<see cref="LimitPixels"/>; for images narrower than that,
/// any sample clamped there lies wholly outside the image, so the clamp never changes a pixel.
/// </summary>
internal sealed class FixedPointMap : IDisposable
{
    public const int FractionBits = 16;
    public const int One = 1 << FractionBits;
    public const int LimitPixels = 1 << 13;
    private const long Limit = (long)LimitPixels << FractionBits;

    /// <summary>Images up to this size in either dimension can be sampled exactly.</summary>
    public const int MaxImageSize = LimitPixels - 2;

    private readonly Affine2x3 _destinationToSource;
    private readonly int _x0;
    private long[]? _dx;
    private long[]? _dy;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public FixedPointMap(Affine2x3 destinationToSource, int regionX, int regionWidth)
    {
        if (!destinationToSource.IsFinite)
            throw new ArgumentException($"warp matrix {destinationToSource} is not finite", nameof(destinationToSource));
        _destinationToSource = destinationToSource;
        _x0 = regionX;
        Width = regionWidth;
        _dx = ArrayPool<long>.Shared.Rent(regionWidth);
        _dy = ArrayPool<long>.Shared.Rent(regionWidth);
        for (var j = 0; j < regionWidth; j++)
        {
            _dx[j] = ToFixed(destinationToSource.M11 * j);
            _dy[j] = ToFixed(destinationToSource.M21 * j);
        }
        // A row can skip clamping when both its ends are in range: the tables are monotone in j.
        var spanX = Math.Abs(_dx[regionWidth - 1]);
        var spanY = Math.Abs(_dy[regionWidth - 1]);
        ColumnsFitInt = spanX <= 2 * Limit && spanY <= 2 * Limit;
        if (ColumnsFitInt)
        {
            // Whole 8-lane vectors: the SIMD pass reads past the row's end (and ignores those lanes).
            DxInt = ArrayPool<int>.Shared.Rent((regionWidth + 7) & ~7);
            DyInt = ArrayPool<int>.Shared.Rent((regionWidth + 7) & ~7);
            for (var j = 0; j < regionWidth; j++) { DxInt[j] = (int)_dx[j]; DyInt[j] = (int)_dy[j]; }
        }
    }

    public int Width { get; }
    public bool ColumnsFitInt { get; }
    public int[]? DxInt { get; private set; }
    public int[]? DyInt { get; private set; }

    /// <summary>The row's fixed-point offsets; <paramref name="unclamped"/> when no pixel of the row needs clamping.</summary>
    public void Row(int y, out long x, out long yy, out bool unclamped)
    {
        var m = _destinationToSource;
        x = ToFixed(m.M11 * _x0 + m.M12 * y + m.M13);
        yy = ToFixed(m.M21 * _x0 + m.M22 * y + m.M23);
        var last = Width - 1;
        unclamped = ColumnsFitInt &&
            InRange(x) && InRange(x + _dx![last]) && InRange(yy) && InRange(yy + _dy![last]);
    }

    /// <summary>The clamped fixed-point source position of column <paramref name="j"/> of a row.</summary>
    public void At(long rowX, long rowY, int j, out int x, out int y)
    {
        x = (int)Math.Clamp(rowX + _dx![j], -Limit, Limit);
        y = (int)Math.Clamp(rowY + _dy![j], -Limit, Limit);
    }

    private static bool InRange(long v) => v >= -Limit && v <= Limit;

    private static long ToFixed(double v)
    {
        // Terms are not clamped (a clamped term could cancel against another); absurd matrices are refused.
        var f = Math.Round(v * One, MidpointRounding.AwayFromZero);
        if (!(Math.Abs(f) <= MaxTerm))
            throw new ArgumentException($"warp maps a pixel to {v:G4}, beyond the {MaxTerm / One:G3}-pixel range a warp can represent; the matrix is degenerate");
        return (long)f;
    }

    private const double MaxTerm = 1L << 52;

    public void Dispose()
    {
        if (_dx is not null) ArrayPool<long>.Shared.Return(_dx);
        if (_dy is not null) ArrayPool<long>.Shared.Return(_dy);
        if (DxInt is not null) ArrayPool<int>.Shared.Return(DxInt);
        if (DyInt is not null) ArrayPool<int>.Shared.Return(DyInt);
        _dx = _dy = null;
        DxInt = DyInt = null;
    }
}
