using System.Buffers.Binary;
using OpenCvSharp;

namespace SwapTalk.Core.Engines.Geometric.Mouth;

/// <summary>The 15 visemes of the Oculus set, in the order of the HeadAudio model's viseme ids.</summary>
public enum Viseme
{
    Aa, E, I, O, U, PP, SS, TH, DD, FF, Kk, Nn, RR, CH, Sil,
}

/// <summary>
/// The HeadAudio audio-to-viseme model (npm <c>@met4citizen/headaudio@0.1.0</c>, MIT; read here from its record
/// layout, not its code): Gaussian prototypes, one or more per viseme (one per phoneme), each a mean of 12 MFCCs and
/// the lower triangle of an inverse covariance; a frame's viseme is its nearest prototype by Mahalanobis distance
/// (silence's distance divided by 1.2, the package's default sensitivity).
/// Front end as the package states it: 16 kHz, pre-emphasis 0.97, 512-sample Hamming frames, power spectrum over N,
/// 40 triangular mel filters on FFT bins between 30 and 7800 Hz, log10, DCT-II coefficients 1..12 (scale sqrt(2/40)),
/// lifter 22, tanh. Frames here are centred on each 20 ms feature row (the package hops 256 samples; the rows are the
/// pipeline's 50 Hz grid).
/// </summary>
public sealed class VisemeModel
{
    public const string FileName = "headaudio_model_en_mixed.bin";

    /// <summary>Where the model may be named explicitly.</summary>
    public const string PathVariable = "SWAPTALK_VISEME_MODEL";

    public const int Visemes = 15;
    public const int SampleRate = 16000;
    public const int FrameSamples = 512;
    private const int Coefficients = 12;
    private const int MelBands = 40;
    private const int Lifter = 22;
    private const int TriangleLength = Coefficients * (Coefficients + 1) / 2;
    private const int RecordFloats = 2 + Coefficients + TriangleLength;
    private const float SilenceSensitivity = 1.2f;

    private readonly (int Viseme, float[] Mean, float[] InverseLower)[] _prototypes;
    private static readonly float[] Hamming = [.. Enumerable.Range(0, FrameSamples).Select(i => (float)(0.54 - 0.46 * Math.Cos(2 * Math.PI * i / (FrameSamples - 1))))];
    private static readonly float[][] Mel = MelFilters();
    private static readonly float[][] Dct = [.. Enumerable.Range(1, Coefficients).Select(i =>
        Enumerable.Range(0, MelBands).Select(j => (float)(Math.Sqrt(2.0 / MelBands) * Math.Cos(Math.PI * i * (j + 0.5) / MelBands)
            * (1 + Lifter / 2.0 * Math.Sin(Math.PI * i / Lifter)))).ToArray())];

    private VisemeModel((int, float[], float[])[] prototypes) => _prototypes = prototypes;

    public int Prototypes => _prototypes.Length;

    /// <exception cref="InvalidDataException">The file is not a model of this layout.</exception>
    public static VisemeModel Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var size = RecordFloats * 4;
        if (bytes.Length == 0 || bytes.Length % size != 0)
            throw new InvalidDataException($"'{path}' is {bytes.Length} bytes, not a whole number of {size}-byte viseme records");
        var prototypes = new (int, float[], float[])[bytes.Length / size];
        for (var r = 0; r < prototypes.Length; r++)
        {
            var record = bytes.AsSpan(r * size, size);
            var viseme = record[7]; // header: phoneme (4 bytes), 0, group, 0, viseme
            if (viseme >= Visemes) throw new InvalidDataException($"'{path}': record {r} names viseme {viseme}, the model has {Visemes}");
            float Float(int i) => BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(r * size + 8 + 4 * i, 4));
            prototypes[r] = (viseme, [.. Enumerable.Range(0, Coefficients).Select(Float)], [.. Enumerable.Range(Coefficients, TriangleLength).Select(Float)]);
        }
        return new VisemeModel(prototypes);
    }

    /// <summary>The model file: $SWAPTALK_VISEME_MODEL, else MODELS/visemes/, else the shared data's audio/visemes/ beside MODELS; null when none exists.</summary>
    public static string? Locate(string modelsDir, Func<string, string?>? environment = null)
    {
        var named = (environment ?? Environment.GetEnvironmentVariable)(PathVariable);
        if (!string.IsNullOrEmpty(named)) return named; // named explicitly: a missing file is an error, reported by Read
        foreach (var candidate in new[] { Path.Combine(modelsDir, "visemes", FileName), Path.Combine(modelsDir, "..", "audio", "visemes", FileName) })
            if (File.Exists(candidate)) return Path.GetFullPath(candidate);
        return null;
    }

    /// <summary>The pre-emphasis filter the model's features expect, streamed: <paramref name="previous"/> carries the last input sample.</summary>
    public static void Emphasise(ReadOnlySpan<float> samples, Span<float> output, ref float previous)
    {
        for (var i = 0; i < samples.Length; i++)
        {
            output[i] = samples[i] - 0.97f * previous;
            previous = samples[i];
        }
    }

    /// <summary>
    /// The distance of rows <paramref name="firstRow"/>.. (<paramref name="rows"/> of them, <paramref name="hop"/> samples
    /// each) to every viseme: the nearest of its prototypes, squared Mahalanobis. <paramref name="emphasised"/> holds the
    /// pre-emphasised 16 kHz speech from sample <paramref name="samplesStart"/>; a row's frame is centred on the row's
    /// middle, zeros where the samples do not reach.
    /// </summary>
    public float[] Distances(ReadOnlySpan<float> emphasised, long samplesStart, int hop, long firstRow, int rows)
    {
        var windowed = new float[rows * FrameSamples];
        for (var r = 0; r < rows; r++)
        {
            var start = (firstRow + r) * hop + hop / 2 - FrameSamples / 2 - samplesStart;
            for (var i = (int)Math.Max(0, -start); i < FrameSamples && start + i < emphasised.Length; i++)
                windowed[r * FrameSamples + i] = emphasised[(int)(start + i)] * Hamming[i];
        }
        using var frames = Mat.FromPixelData(rows, FrameSamples, MatType.CV_32FC1, windowed);
        using var spectrum = new Mat();
        Cv2.Dft(frames, spectrum, DftFlags.Rows | DftFlags.ComplexOutput);
        spectrum.GetArray(out Vec2f[] bins);

        var result = new float[rows * Visemes];
        Span<float> power = stackalloc float[FrameSamples / 2];
        Span<float> mfcc = stackalloc float[Coefficients];
        Span<float> energies = stackalloc float[MelBands];
        Span<float> diff = stackalloc float[Coefficients];
        for (var r = 0; r < rows; r++)
        {
            for (var k = 0; k < power.Length; k++)
            {
                var b = bins[r * FrameSamples + k];
                power[k] = (b.Item0 * b.Item0 + b.Item1 * b.Item1) / FrameSamples;
            }
            for (var m = 0; m < MelBands; m++)
            {
                double sum = 0;
                var filter = Mel[m];
                for (var k = 0; k < filter.Length; k++) sum += power[k] * filter[k];
                energies[m] = (float)Math.Log10(sum + 1e-10);
            }
            for (var c = 0; c < Coefficients; c++)
            {
                float sum = 0;
                for (var j = 0; j < MelBands; j++) sum += Dct[c][j] * energies[j];
                mfcc[c] = MathF.Tanh(sum);
            }
            var row = result.AsSpan(r * Visemes, Visemes);
            row.Fill(float.PositiveInfinity);
            foreach (var (viseme, mean, inverse) in _prototypes)
            {
                for (var i = 0; i < Coefficients; i++) diff[i] = mfcc[i] - mean[i];
                float d = 0;
                var at = 0;
                for (var i = 0; i < Coefficients; i++)
                {
                    for (var j = 0; j < i; j++) d += 2 * inverse[at++] * diff[i] * diff[j];
                    d += inverse[at++] * diff[i] * diff[i];
                }
                if (viseme == (int)Viseme.Sil) d /= SilenceSensitivity;
                if (d < row[viseme]) row[viseme] = d;
            }
        }
        return result;
    }

    /// <summary>How soft the viseme probabilities are: exp(-(d - nearest) / (2 * this)); 1 is the Gaussian's own likelihood.</summary>
    public const float Temperature = 1f;

    /// <summary>Distances (15 per row) to probabilities per row, in place.</summary>
    public static void ToProbabilities(Span<float> distances)
    {
        for (var r = 0; r + Visemes <= distances.Length; r += Visemes)
        {
            var row = distances.Slice(r, Visemes);
            var nearest = float.PositiveInfinity;
            foreach (var d in row) nearest = Math.Min(nearest, d);
            float sum = 0;
            for (var v = 0; v < Visemes; v++) sum += row[v] = float.IsFinite(row[v]) ? MathF.Exp(-(row[v] - nearest) / (2 * Temperature)) : 0;
            for (var v = 0; v < Visemes; v++) row[v] /= sum;
        }
    }

    private static float[][] MelFilters()
    {
        static double ToMel(double f) => 2595 * Math.Log10(1 + f / 700);
        static double FromMel(double m) => 700 * (Math.Pow(10, m / 2595) - 1);
        double low = ToMel(30), high = ToMel(7800);
        var bin = Enumerable.Range(0, MelBands + 2).Select(i => (int)Math.Floor(FromMel(low + (high - low) / (MelBands + 1) * i) / SampleRate * FrameSamples)).ToArray();
        var filters = new float[MelBands][];
        for (var i = 0; i < MelBands; i++)
        {
            var f = filters[i] = new float[FrameSamples / 2];
            for (var k = bin[i]; k < bin[i + 1]; k++) f[k] = (float)(k - bin[i]) / (bin[i + 1] - bin[i]);
            for (var k = bin[i + 1]; k < bin[i + 2]; k++) f[k] = (float)(bin[i + 2] - k) / (bin[i + 2] - bin[i + 1]);
        }
        return filters;
    }
}

/// <summary>The viseme model a models folder implies, read once per process and path.</summary>
public static class VisemeModels
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, VisemeModel> Loaded = new(StringComparer.Ordinal);

    /// <summary>The model <see cref="VisemeModel.Locate"/> finds, or null (the mouth then follows loudness only).</summary>
    /// <exception cref="BadInputException">$SWAPTALK_VISEME_MODEL names a file that is missing or not a viseme model.</exception>
    public static VisemeModel? Load(string modelsDir)
    {
        var path = VisemeModel.Locate(modelsDir);
        if (path is null) return null;
        try
        {
            return Loaded.GetOrAdd(path, VisemeModel.Read);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            throw new Jobs.BadInputException("visemes", $"the viseme model '{path}' ({VisemeModel.PathVariable}) cannot be read: {e.Message}");
        }
    }
}
