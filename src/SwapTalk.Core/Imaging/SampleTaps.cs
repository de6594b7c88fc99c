using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SwapTalk.Core.Imaging;

/// <summary>
/// One row's bilinear taps for the SIMD kernels: per destination pixel the byte offset of its
/// top-left source neighbour (-1 where the 2x2 neighbourhood is not wholly and safely inside the
/// source: the scalar path takes it), and the fixed-point weight pairs packed for pmaddubsw
/// (horizontal, [128 - fx, fx] as bytes, twice) and pmaddwd (vertical, [16384 - fy, fy] as shorts).
/// </summary>
internal sealed class SampleTaps : IDisposable
{
    private int[]? _offsets, _xWeights, _yWeights;

    public SampleTaps(int width)
    {
        // Rounded up to whole vectors so the 8-wide pass never needs a tail.
        var n = (width + 7) & ~7;
        _offsets = ArrayPool<int>.Shared.Rent(n);
        _xWeights = ArrayPool<int>.Shared.Rent(n);
        _yWeights = ArrayPool<int>.Shared.Rent(n);
        Width = width;
    }

    public int Width { get; }
    public int[] Offsets => _offsets!;
    public int[] XWeights => _xWeights!;
    public int[] YWeights => _yWeights!;

    /// <param name="dataLength">the source array's length: 8-byte loads of the lower row must end inside it</param>
    public void Compute(FixedPointMap map, long rowX, long rowY, bool unclamped, int width, int height, int channels, int dataLength) =>
        Compute(map, rowX, rowY, unclamped, 0, Width, width, height, channels, dataLength);

    /// <summary>Taps for columns [<paramref name="from"/>, <paramref name="to"/>) of the row only.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public unsafe void Compute(FixedPointMap map, long rowX, long rowY, bool unclamped, int from, int to,
        int width, int height, int channels, int dataLength)
    {
        if (from < 0 || to > Width || from > to) throw new ArgumentOutOfRangeException(nameof(from), $"columns [{from}, {to}) outside a row of {Width}");
        if (channels is not (3 or 4)) throw new ArgumentOutOfRangeException(nameof(channels), "bilinear taps serve 3- or 4-channel images");
        var stride = width * channels;
        var maxOffset = dataLength - 8 - stride;
        if (unclamped && Avx2.IsSupported)
        {
            fixed (int* dx = map.DxInt!, dy = map.DyInt!, ofs = _offsets, wxs = _xWeights, wys = _yWeights)
            {
                var x0 = Vector256.Create((int)rowX + AffineWarp.XRound);
                var y0 = Vector256.Create((int)rowY + AffineWarp.YRound);
                var maxX = Vector256.Create(width - 2).AsUInt32();
                var maxY = Vector256.Create(height - 2).AsUInt32();
                var maxOfs = Vector256.Create(maxOffset);
                var strideV = Vector256.Create(stride);
                var xMask = Vector256.Create((1 << AffineWarp.XWeightBits) - 1);
                var yMask = Vector256.Create((1 << AffineWarp.YWeightBits) - 1);
                var xOne = Vector256.Create(1 << AffineWarp.XWeightBits);
                var yOne = Vector256.Create(1 << AffineWarp.YWeightBits);
                var none = Vector256.Create(-1);
                var lanes = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
                const int xFracShift = FixedPointMap.FractionBits - AffineWarp.XWeightBits;
                const int yFracShift = FixedPointMap.FractionBits - AffineWarp.YWeightBits;
                // Whole vectors from an 8-aligned start stay inside the tables (rented in whole vectors).
                for (var j = from & ~7; j < to; j += 8)
                {
                    // Lanes past the row's end read stale table entries; they are marked outside below.
                    var xr = Avx2.Add(x0, Avx.LoadVector256(dx + j));
                    var yr = Avx2.Add(y0, Avx.LoadVector256(dy + j));
                    var sx = Avx2.ShiftRightArithmetic(xr, FixedPointMap.FractionBits);
                    var sy = Avx2.ShiftRightArithmetic(yr, FixedPointMap.FractionBits);
                    var fx = Avx2.And(Avx2.ShiftRightArithmetic(xr, xFracShift), xMask);
                    var fy = Avx2.And(Avx2.ShiftRightArithmetic(yr, yFracShift), yMask);
                    var offset = Avx2.Add(Avx2.MultiplyLow(sy, strideV), channels == 3
                        ? Avx2.Add(Avx2.ShiftLeftLogical(sx, 1), sx)
                        : Avx2.ShiftLeftLogical(sx, 2));
                    var inside = Avx2.And(
                        Avx2.And(
                            Avx2.CompareEqual(Avx2.Min(sx.AsUInt32(), maxX), sx.AsUInt32()).AsInt32(),
                            Avx2.CompareEqual(Avx2.Min(sy.AsUInt32(), maxY), sy.AsUInt32()).AsInt32()),
                        Avx2.AndNot(Avx2.CompareGreaterThan(offset, maxOfs),
                            Avx2.CompareGreaterThan(Vector256.Create(to - j), lanes)));
                    Avx.Store(ofs + j, Avx2.BlendVariable(none, offset, inside));
                    var wx = Avx2.Or(Avx2.Subtract(xOne, fx), Avx2.ShiftLeftLogical(fx, 8));
                    Avx.Store(wxs + j, Avx2.Or(wx, Avx2.ShiftLeftLogical(wx, 16)));
                    Avx.Store(wys + j, Avx2.Or(Avx2.Subtract(yOne, fy), Avx2.ShiftLeftLogical(fy, 16)));
                }
            }
            return;
        }
        for (var j = from; j < to; j++)
        {
            map.At(rowX, rowY, j, out var x, out var y);
            AffineWarp.Split(x, y, out var sx, out var fx, out var sy, out var fy);
            var offset = (long)sy * stride + (long)sx * channels;
            var inside = (uint)sx <= (uint)(width - 2) && (uint)sy <= (uint)(height - 2) && offset <= maxOffset;
            _offsets![j] = inside ? (int)offset : -1;
            var wx = ((1 << AffineWarp.XWeightBits) - fx) | (fx << 8);
            _xWeights![j] = wx | (wx << 16);
            _yWeights![j] = ((1 << AffineWarp.YWeightBits) - fy) | (fy << 16);
        }
    }

    public void Dispose()
    {
        if (_offsets is not null) ArrayPool<int>.Shared.Return(_offsets);
        if (_xWeights is not null) ArrayPool<int>.Shared.Return(_xWeights);
        if (_yWeights is not null) ArrayPool<int>.Shared.Return(_yWeights);
        _offsets = _xWeights = _yWeights = null;
    }
}
