using System.Numerics;

namespace SwapTalk.Core.Models.Probes;

/// <summary>
/// The maths of the probe models, in C#: the ONNX graphs <see cref="ProbeModels"/> writes compute
/// exactly this, and tests compare ONNX Runtime's output with it.
///
/// Latent: each 16x16 cell of the 512x512 RGB image (values in [-1, 1]) is a 768-vector projected
/// onto 256 orthonormal basis vectors: an orthonormal colour basis (luma (1,1,1)/sqrt3 and two
/// chroma axes) times the lowest-frequency 2-D DCT-II patterns, 160 for luma and 48 for each
/// chroma axis. The decoder applies the transpose, so decode(encode(x)) is the projection of x
/// onto that subspace: a low-pass copy. Channels 0, 160 and 208 are the cell's mean luma and
/// mean chroma ("mean-colour terms").
/// </summary>
public static class ProbeMaths
{
    public const int Channels = 256;
    public const int Cell = 16;
    public const int Grid = 32;
    public const int ImageSize = Cell * Grid;
    public const int CellValues = 3 * Cell * Cell;
    public const int LumaCoefficients = 160;
    public const int ChromaCoefficients = 48;

    /// <summary>Latent channels holding each cell's mean luma and mean chroma.</summary>
    public static readonly int[] MeanColourChannels = [0, LumaCoefficients, LumaCoefficients + ChromaCoefficients];

    public const int SampleRate = 16000;
    public const int Hop = 320;
    public const int FeatureDim = 768;
    public const int Window = 10;

    /// <summary>The window position holding the feature at the frame's own time (see <see cref="AudioWindow"/>).</summary>
    public const int WindowCenter = 5;

    /// <summary>
    /// Lip-sync probe: a frame's lower-half brightness rises by this much (in [-1, 1] units, i.e.
    /// 127.5 grey levels per unit) per unit of its own audio feature energy (mean square of the
    /// waveform in [-1, 1]). A sine of amplitude 0.25 (energy 1/32) lifts the lower half by 0.125,
    /// about 16 grey levels.
    /// </summary>
    public const float BrightnessGain = 4f;

    /// <summary>Latent units added to the luma-mean channel per unit of energy: one unit there adds 1/(16*sqrt3) to every pixel value.</summary>
    public static readonly float LumaDcPerEnergy = BrightnessGain * Cell * MathF.Sqrt(3f);

    private static readonly Lazy<float[]> BasisLazy = new(BuildBasis);

    /// <summary>The 256 x 768 basis, row k = latent channel k, laid out [3][16][16] like a Conv weight.</summary>
    public static ReadOnlySpan<float> Basis => BasisLazy.Value;

    internal static float[] BasisArray => BasisLazy.Value;

    private static float[] BuildBasis()
    {
        // Orthonormal colour axes: luma, red-blue, green-magenta.
        double[][] colour =
        [
            [1 / Math.Sqrt(3), 1 / Math.Sqrt(3), 1 / Math.Sqrt(3)],
            [1 / Math.Sqrt(2), 0, -1 / Math.Sqrt(2)],
            [1 / Math.Sqrt(6), -2 / Math.Sqrt(6), 1 / Math.Sqrt(6)],
        ];
        // Frequencies ordered by total frequency, then vertical: the zig-zag order of JPEG, roughly.
        var frequencies = (from u in Enumerable.Range(0, Cell) from v in Enumerable.Range(0, Cell) select (u, v))
            .OrderBy(f => f.u + f.v).ThenBy(f => f.u).ToArray();
        var basis = new float[Channels * CellValues];
        var k = 0;
        foreach (var (axis, count) in new[] { (0, LumaCoefficients), (1, ChromaCoefficients), (2, ChromaCoefficients) })
        {
            for (var f = 0; f < count; f++, k++)
            {
                var (u, v) = frequencies[f];
                for (var c = 0; c < 3; c++)
                for (var y = 0; y < Cell; y++)
                for (var x = 0; x < Cell; x++)
                    basis[k * CellValues + (c * Cell + y) * Cell + x] = (float)(colour[axis][c] * Dct(u, y) * Dct(v, x));
            }
        }
        return basis;
    }

    /// <summary>Orthonormal DCT-II basis function u of length 16 at sample x.</summary>
    private static double Dct(int u, int x) =>
        (u == 0 ? Math.Sqrt(1.0 / Cell) : Math.Sqrt(2.0 / Cell)) * Math.Cos(Math.PI * (2 * x + 1) * u / (2.0 * Cell));

    /// <summary>image [N,3,512,512] -> latent [N,256,32,32].</summary>
    public static float[] Encode(ReadOnlySpan<float> image)
    {
        var n = CheckLength(image.Length, 3 * ImageSize * ImageSize, "image");
        var latent = new float[n * Channels * Grid * Grid];
        var basis = BasisArray;
        var cell = new float[CellValues];
        for (var b = 0; b < n; b++)
        for (var i = 0; i < Grid; i++)
        for (var j = 0; j < Grid; j++)
        {
            for (var c = 0; c < 3; c++)
            for (var y = 0; y < Cell; y++)
                image.Slice(((b * 3 + c) * ImageSize + i * Cell + y) * ImageSize + j * Cell, Cell).CopyTo(cell.AsSpan((c * Cell + y) * Cell, Cell));
            for (var k = 0; k < Channels; k++)
                latent[((b * Channels + k) * Grid + i) * Grid + j] = Dot(basis.AsSpan(k * CellValues, CellValues), cell);
        }
        return latent;
    }

    /// <summary>latent [N,256,32,32] -> image [N,3,512,512] (the encoder's transpose).</summary>
    public static float[] Decode(ReadOnlySpan<float> latent)
    {
        var n = CheckLength(latent.Length, Channels * Grid * Grid, "latent");
        var image = new float[n * 3 * ImageSize * ImageSize];
        var basis = BasisArray;
        var cell = new float[CellValues];
        for (var b = 0; b < n; b++)
        for (var i = 0; i < Grid; i++)
        for (var j = 0; j < Grid; j++)
        {
            Array.Clear(cell);
            for (var k = 0; k < Channels; k++)
            {
                var w = latent[((b * Channels + k) * Grid + i) * Grid + j];
                var row = basis.AsSpan(k * CellValues, CellValues);
                for (var e = 0; e < CellValues; e++) cell[e] += w * row[e];
            }
            for (var c = 0; c < 3; c++)
            for (var y = 0; y < Cell; y++)
                cell.AsSpan((c * Cell + y) * Cell, Cell).CopyTo(image.AsSpan(((b * 3 + c) * ImageSize + i * Cell + y) * ImageSize + j * Cell, Cell));
        }
        return image;
    }

    /// <summary>
    /// source, target [N,256,32,32] -> target whose mean-colour channels are shifted so their
    /// average over the grid equals the source's: the face keeps the target's structure and takes
    /// the source portrait's mean colour.
    /// </summary>
    public static float[] Swap(ReadOnlySpan<float> source, ReadOnlySpan<float> target)
    {
        var n = CheckLength(target.Length, Channels * Grid * Grid, "target");
        if (source.Length != target.Length) throw new ArgumentException("source and target latents differ in size");
        var swapped = target.ToArray();
        const int plane = Grid * Grid;
        for (var b = 0; b < n; b++)
            foreach (var k in MeanColourChannels)
            {
                var offset = (b * Channels + k) * plane;
                var shift = Mean(source.Slice(offset, plane)) - Mean(target.Slice(offset, plane));
                for (var p = 0; p < plane; p++) swapped[offset + p] += shift;
            }
        return swapped;
    }

    /// <summary>waveform [1,S] (16 kHz, [-1, 1]) -> features [1,T,768], T = floor(S/320): each 20 ms frame's energy (mean square), repeated over D.</summary>
    public static float[] AudioFeatures(ReadOnlySpan<float> waveform)
    {
        var frames = waveform.Length / Hop;
        var features = new float[frames * FeatureDim];
        for (var t = 0; t < frames; t++)
        {
            var window = waveform.Slice(t * Hop, Hop);
            var energy = Dot(window, window) / Hop;
            features.AsSpan(t * FeatureDim, FeatureDim).Fill(energy);
        }
        return features;
    }

    /// <summary>
    /// target [N,256,32,32], audio [N,W,D] -> lower half [N,256,16,32]: the target's rows 16..31 with
    /// the luma-mean channel raised by <see cref="LumaDcPerEnergy"/> x (mean over D of the window's
    /// centre feature). Only the frame's own feature counts, so each frame answers to its own audio.
    /// </summary>
    public static float[] LipSync(ReadOnlySpan<float> target, ReadOnlySpan<float> audio)
    {
        var n = CheckLength(target.Length, Channels * Grid * Grid, "target");
        CheckLength(audio.Length, Window * FeatureDim, "audio");
        if (audio.Length != n * Window * FeatureDim) throw new ArgumentException("audio batch differs from target batch");
        const int half = Grid / 2;
        var lower = new float[n * Channels * half * Grid];
        for (var b = 0; b < n; b++)
        {
            var energy = Mean(audio.Slice((b * Window + WindowCenter) * FeatureDim, FeatureDim));
            for (var k = 0; k < Channels; k++)
            {
                var src = target.Slice(((b * Channels + k) * Grid + half) * Grid, half * Grid);
                var dst = lower.AsSpan((b * Channels + k) * half * Grid, half * Grid);
                src.CopyTo(dst);
                if (k == 0)
                    for (var p = 0; p < dst.Length; p++) dst[p] += LumaDcPerEnergy * energy;
            }
        }
        return lower;
    }

    private static int CheckLength(int length, int per, string what)
    {
        if (length == 0 || length % per != 0) throw new ArgumentException($"{what}: {length} values is not a whole number of {per}-value items");
        return length / per;
    }

    private static float Mean(ReadOnlySpan<float> values)
    {
        double sum = 0;
        foreach (var v in values) sum += v;
        return (float)(sum / values.Length);
    }

    private static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var acc = Vector<float>.Zero;
        var i = 0;
        for (; i <= a.Length - Vector<float>.Count; i += Vector<float>.Count)
            acc += new Vector<float>(a[i..]) * new Vector<float>(b[i..]);
        var sum = Vector.Sum(acc);
        for (; i < a.Length; i++) sum += a[i] * b[i];
        return sum;
    }
}
