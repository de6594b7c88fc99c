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
        var columns = AxisTaps(sourceRegion.Width, destinationRegion.Width, mode);
        var rows = AxisTaps(sourceRegion.Height, destinationRegion.Height, mode);
        ResizeScalar(source, sourceRegion, destination, destinationRegion, columns, rows);
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
}
