using System.Runtime.InteropServices;
using SwapTalk.Core.Engines.Geometric.Mouth;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Media;
using SwapTalk.Core.Models;
using SwapTalk.Core.Stages;

namespace SwapTalk.Core.Engines.Geometric;

/// <summary>
/// The geometric engine's audio features per feature hop (20 ms at the manifest's 50 Hz): speech loudness scaled
/// to [0, 1] between the track's quiet floor (10th percentile in dB) and its loud speech (97th percentile), and with
/// a viseme model the 15 viseme probabilities (<see cref="VisemeModel"/>), written as rows of an
/// <see cref="AudioFeatureFile"/> (<see cref="Dim"/> or <see cref="VisemeDim"/> values, the opening drive's score last, <see cref="DriveScores"/>), so segments read them with the same rows and
/// windows as the latent engine's features. Streams the track (memory: the rows, 64 bytes per 20 ms, and one chunk).
/// </summary>
public sealed class MouthDriveStage(MediaTools tools, AudioWindow window, VisemeModel? visemes = null)
{
    /// <summary>Loudness, the width drive's score and the opening drive's score (no viseme model).</summary>
    public const int Dim = 3;

    /// <summary>Loudness, the 15 viseme probabilities, the width drive's score and the opening drive's score.</summary>
    public const int VisemeDim = 3 + VisemeModel.Visemes;

    /// <summary>Rows written before the width score (loudness and the opening score, with or without visemes): the width from the viseme map.</summary>
    public const int OpeningScoreDim = 2, OpeningScoreVisemeDim = 2 + VisemeModel.Visemes;

    /// <summary>Rows written before the drive's score column (loudness only, or loudness and visemes): still read, the loudness drive.</summary>
    public const int LegacyDim = 1, LegacyVisemeDim = 1 + VisemeModel.Visemes;

    /// <summary>Whether rows of <paramref name="dim"/> values carry the opening drive's score (always the last value).</summary>
    public static bool HasScore(int dim) => dim is Dim or VisemeDim or OpeningScoreDim or OpeningScoreVisemeDim;

    /// <summary>Whether rows of <paramref name="dim"/> values carry the width drive's score (the last but one value).</summary>
    public static bool HasWidthScore(int dim) => dim is Dim or VisemeDim;

    /// <summary>Whether rows of <paramref name="dim"/> values carry the 15 viseme probabilities (from the second value on).</summary>
    public static bool HasVisemes(int dim) => dim is VisemeDim or OpeningScoreVisemeDim or LegacyVisemeDim;

    /// <summary>Rows classified at once while the track streams.</summary>
    private const int ChunkRows = 512;

    public async Task<AudioFeatureSummary> ExtractAsync(string audioPath, string outputPath, StageClock clock, CancellationToken cancellationToken)
    {
        const int bytes1 = 1 << 16;
        var rate = MediaCommands.SpeechSampleRate;
        var hop = (int)Math.Round(rate / window.FeatureRate);
        MediaInfo streams;
        try
        {
            using (clock.Measure(PipelineStages.AudioDecode))
                streams = await new MediaProbe(tools).ProbeStreamsAsync(audioPath, cancellationToken);
        }
        catch (MediaException e) when (e.IsBadInput)
        {
            throw new BadInputException("audio", e.Message);
        }
        if (streams.Audio.Count == 0) throw new BadInputException("audio", $"'{audioPath}' has no audio stream to drive the lips");

        var decibels = new List<float>();
        var bandDecibels = new List<float>();
        var band = new FormantBand(rate);
        double bandSum = 0;
        var (tiltLow, tiltHigh) = (new FormantBand(rate, TiltLow.Low, TiltLow.High), new FormantBand(rate, TiltHigh.Low, TiltHigh.High));
        var tilt = new List<float>();
        double lowSum = 0, highSum = 0;
        var probabilities = new List<float>();
        var pending = new List<float>(); // pre-emphasised samples from sample 'pendingStart' on, not yet classified
        long pendingStart = 0;
        var previous = 0f;
        var emphasised = new float[bytes1 / 4];
        var visemeTime = TimeSpan.Zero;
        void Classify(bool end)
        {
            if (visemes is null) return;
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            try { ClassifyReady(end); }
            finally { visemeTime += System.Diagnostics.Stopwatch.GetElapsedTime(started); }
        }
        void ClassifyReady(bool end)
        {
            var firstRow = probabilities.Count / VisemeModel.Visemes;
            while (true)
            {
                // A row's frame reaches half a frame past the row's middle.
                var ready = end ? decibels.Count - firstRow
                    : (int)Math.Min(ChunkRows, Math.Max(0, (pendingStart + pending.Count - VisemeModel.FrameSamples / 2 - hop / 2) / hop - firstRow));
                if (ready <= 0 || (!end && ready < ChunkRows)) return;
                var rows = visemes.Distances(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(pending), pendingStart, hop, firstRow, ready);
                VisemeModel.ToProbabilities(rows);
                probabilities.AddRange(rows);
                firstRow += ready;
                var keep = firstRow * (long)hop + hop / 2 - VisemeModel.FrameSamples / 2; // the next row's first sample
                var drop = (int)Math.Clamp(keep - pendingStart, 0, pending.Count);
                pending.RemoveRange(0, drop);
                pendingStart += drop;
                if (end) return;
            }
        }
        double sum = 0;
        var inHop = 0;
        long samples = 0;
        var bytes = new byte[bytes1];
        var carry = 0;
        using (clock.Measure(PipelineStages.AudioDecode))
            await MediaProcess.RunAsync(tools, MediaCommands.ReadSpeechPcm(audioPath, streams.Audio[0].Index), async (stdout, ct) =>
            {
                while (true)
                {
                    var n = await stdout.ReadAsync(bytes.AsMemory(carry), ct);
                    if (n == 0) break;
                    var have = carry + n;
                    var whole = have / 4;
                    var read = MemoryMarshal.Cast<byte, float>(bytes.AsSpan(0, whole * 4));
                    if (visemes is not null)
                    {
                        VisemeModel.Emphasise(read, emphasised, ref previous);
                        pending.AddRange(emphasised.AsSpan(0, whole));
                    }
                    foreach (var s in read)
                    {
                        sum += (double)s * s;
                        var b = band.Next(s);
                        bandSum += (double)b * b;
                        var lo = tiltLow.Next(s);
                        lowSum += (double)lo * lo;
                        var hi = tiltHigh.Next(s);
                        highSum += (double)hi * hi;
                        if (++inHop == hop)
                        {
                            decibels.Add(ToDecibels(sum / hop));
                            bandDecibels.Add(ToDecibels(bandSum / hop));
                            tilt.Add(ToDecibels(highSum / hop) - ToDecibels(lowSum / hop));
                            sum = 0;
                            bandSum = 0;
                            lowSum = 0;
                            highSum = 0;
                            inHop = 0;
                        }
                    }
                    samples += whole;
                    carry = have - whole * 4;
                    if (carry > 0) bytes.AsSpan(whole * 4, carry).CopyTo(bytes);
                    Classify(end: false);
                }
            }, cancellationToken);
        if (decibels.Count < 1)
            throw new BadInputException("audio", $"'{audioPath}' holds {samples} samples of speech at {rate} Hz, less than one {1000.0 * hop / rate:0.#} ms feature");

        var loudness = Normalise(decibels);
        var dim = Dim;
        float[]? visemeRows = null;
        if (visemes is not null)
        {
            Classify(end: true);
            clock.Add(PipelineStages.Visemes, visemeTime, frames: 0);
            clock.Flush();
            dim = VisemeDim;
            visemeRows = [.. probabilities];
        }
        var scores = DriveScores(Normalise(bandDecibels), visemeRows);
        var widths = WidthScores(loudness, tilt, visemeRows, scores);
        var rows = new float[loudness.Length * dim];
        for (var i = 0; i < loudness.Length; i++)
        {
            rows[i * dim] = loudness[i];
            if (visemeRows is not null) Array.Copy(visemeRows, i * VisemeModel.Visemes, rows, i * dim + 1, VisemeModel.Visemes);
            rows[i * dim + dim - 2] = widths[i];
            rows[i * dim + dim - 1] = scores[i];
        }
        await using var output = new FileStream(outputPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
        await output.WriteAsync(AudioFeatureFile.Header(dim, loudness.Length, window.FeatureRate), cancellationToken);
        await output.WriteAsync(MemoryMarshal.AsBytes(rows.AsSpan()).ToArray(), cancellationToken);
        return new AudioFeatureSummary(loudness.Length, samples, (double)samples / rate, dim);
    }

    /// <summary>A drive that does not vary over the track (silence, a steady tone) scores this: closed.</summary>
    public const float Flat = -10;

    /// <summary>
    /// The opening drive per row, standardised over the whole track (minus its mean, over its standard deviation): the
    /// 1000-2500 Hz band's loudness (normalised like the loudness, <see cref="FormantBand"/>) blended 1-2-3-2-1 over
    /// +-2 rows, times, with visemes, the generic viseme map's opening factor of the sound one row later (closures for
    /// PP and FF; the lips reach a sound's shape before it is heard). Standardised so that the renderer can put it on
    /// the target's own range of openings (<see cref="Mouth.MouthRange"/>) whatever the speaker's level; an affine map,
    /// because it keeps the drive's correlation with a real mouth and its frame-to-frame changes (a rank transform
    /// measured r 0.62 but velocity r 0.47 against 0.60 / 0.55 for the band itself, docs/geometric.md).
    /// </summary>
    public static float[] DriveScores(IReadOnlyList<float> band, float[]? visemeRows)
    {
        var n = band.Count;
        ReadOnlySpan<float> weights = [1, 2, 3, 2, 1];
        var drive = new double[n];
        for (var i = 0; i < n; i++)
        {
            float loud = 0, factor = 0, total = 0;
            for (var k = -2; k <= 2; k++)
            {
                var w = weights[k + 2];
                if (i + k >= 0 && i + k < n) loud += w * band[i + k];
                var v = i + 1 + k;
                if (visemeRows is null || v < 0 || v >= n) continue;
                total += w;
                for (var j = 0; j < VisemeModel.Visemes; j++) factor += w * visemeRows[v * VisemeModel.Visemes + j] * MouthStyle.GenericShapes[j].Open;
            }
            drive[i] = loud / 9f * (visemeRows is null ? 1 : total > 0 ? factor / total : 0);
        }
        var mean = n > 0 ? drive.Average() : 0;
        var deviation = n > 1 ? Math.Sqrt(drive.Sum(d => (d - mean) * (d - mean)) / n) : 0;
        var scores = new float[n];
        for (var i = 0; i < n; i++) scores[i] = deviation > 1e-4 ? (float)((drive[i] - mean) / deviation) : Flat;
        return scores;
    }

    /// <summary>
    /// The bands whose balance says how spread the lips are (<see cref="WidthScores"/>): spreading the lips ("ee")
    /// shortens the vocal tract's front cavity and raises the second formant, rounding ("oo") lengthens it and lowers
    /// it, so the energy above 1800 Hz against 500-1200 Hz rises with the width.
    /// </summary>
    public static readonly (double Low, double High) TiltLow = (500, 1200), TiltHigh = (1800, 3200);

    /// <summary>Rows louder than this (normalised loudness) are voiced enough for the spectral tilt to mean a lip shape.</summary>
    public const float Voiced = 0.15f;

    /// <summary>
    /// The mouth's width drive per row, standardised over the track: the sum of three standardised parts with equal
    /// weights (none fitted): the viseme map's width change blended 1-2-3-2-1 about the next row (rounded O/U/RR/CH,
    /// spread E/I/SS; <see cref="MouthStyle.GenericShapes"/>), the spectral tilt of voiced rows (<see cref="TiltHigh"/>
    /// over <see cref="TiltLow"/> in dB, standardised over the voiced rows, 0 elsewhere, blended 1-2-3-2-1), and minus
    /// the opening score (the dropping jaw draws the corners in). On the three GRID speakers' own audio against their
    /// own mouths (`scripts/lips-width.py`, no rendering) the sum follows the real width with r 0.40 (per speaker 0.31,
    /// 0.40, 0.48) against 0.36 (0.41, 0.49, 0.17) for the viseme map minus the jaw's narrowing alone: the tilt and the
    /// visemes carry the speaker who rounds and spreads (pwij3p), the jaw the speakers whose width follows the opening.
    /// </summary>
    public static float[] WidthScores(IReadOnlyList<float> loudness, IReadOnlyList<float> tiltDecibels, float[]? visemeRows, IReadOnlyList<float> openingScores)
    {
        var n = loudness.Count;
        var scores = new float[n];
        if (n == 0) return scores;
        float[] weights = [1, 2, 3, 2, 1];
        double[] Blend(Func<int, double> row, int centre)
        {
            var result = new double[n];
            for (var i = 0; i < n; i++)
                for (var k = -2; k <= 2; k++) result[i] += weights[k + 2] * row(Math.Clamp(i + centre + k, 0, n - 1)) / 9;
            return result;
        }
        static double[] Standardise(double[] x)
        {
            var mean = x.Average();
            var deviation = Math.Sqrt(x.Sum(v => (v - mean) * (v - mean)) / x.Length);
            return [.. x.Select(v => deviation > 1e-6 ? (v - mean) / deviation : 0)];
        }
        var voiced = Enumerable.Range(0, n).Where(i => loudness[i] > Voiced).ToArray();
        var voicedTilt = new double[n];
        if (voiced.Length > 1)
        {
            var z = Standardise([.. voiced.Select(i => (double)tiltDecibels[i])]);
            for (var k = 0; k < voiced.Length; k++) voicedTilt[voiced[k]] = z[k];
        }
        var tilt = Blend(i => voicedTilt[i], 0);
        var visemes = visemeRows is null ? new double[n] : Standardise(Blend(i =>
        {
            double spread = 0;
            for (var v = 0; v < VisemeModel.Visemes; v++) spread += visemeRows[i * VisemeModel.Visemes + v] * MouthStyle.GenericShapes[v].Spread;
            return spread;
        }, 1));
        var sum = new double[n];
        for (var i = 0; i < n; i++) sum[i] = visemes[i] + tilt[i] - (openingScores[i] == Flat ? 0 : openingScores[i]);
        var width = Standardise(sum);
        for (var i = 0; i < n; i++) scores[i] = (float)width[i];
        return scores;
    }

    private static float ToDecibels(double meanSquare) => (float)(10 * Math.Log10(meanSquare + 1e-10));

    /// <summary>Loudness in dB to [0, 1] between the track's 10th and 97th percentiles (a silent track stays 0).</summary>
    public static float[] Normalise(IReadOnlyList<float> decibels)
    {
        var sorted = decibels.Order().ToArray();
        var floor = sorted[(int)(0.10 * (sorted.Length - 1))];
        var peak = sorted[(int)(0.97 * (sorted.Length - 1))];
        var range = Math.Max(peak - floor, 6f); // a track without dynamics must not turn its noise into speech
        var rows = new float[decibels.Count];
        for (var i = 0; i < rows.Length; i++) rows[i] = Math.Clamp((decibels[i] - floor) / range, 0f, 1f);
        return rows;
    }

    /// <summary>
    /// The mouth opening (share of the eye distance) an output frame shows: its own feature (the one holding the
    /// frame's midpoint) and its two neighbours each side, weighted 1-2-3-2-1 (the mouth moves smoothly, not per 20 ms),
    /// gated below 0.12 (a quiet mouth is closed), and eased so that loud speech opens fully.
    /// </summary>
    public static float Opening(SegmentAudio audio, AudioWindow window, Rational frameRate, int outputFrame) =>
        Opening(audio, window, frameRate, outputFrame, 0);

    /// <summary>As <see cref="Opening(SegmentAudio, AudioWindow, Rational, int)"/>, centred <paramref name="offset"/> rows from the frame's own feature.</summary>
    public static float Opening(SegmentAudio audio, AudioWindow window, Rational frameRate, int outputFrame, int offset)
    {
        var duration = frameRate.Inverse().Value;
        var own = window.OwnFeature(frameRate.FrameSeconds(outputFrame), duration) + offset;
        ReadOnlySpan<float> weights = [1, 2, 3, 2, 1];
        float sum = 0;
        for (var k = -2; k <= 2; k++)
        {
            var index = own + k;
            if (index < 0 || index >= audio.TrackFeatures) continue; // beyond the track: silence
            var local = index - audio.First;
            if (local < 0 || local >= audio.Count)
                throw new InvalidOperationException($"output frame {outputFrame} needs audio feature {index}, outside the rows read [{audio.First}, {audio.First + audio.Count})");
            sum += weights[k + 2] * audio.Rows[(int)(local * audio.Dim)];
        }
        var loudness = sum / 9f; // silence beyond the track counts as zero
        var gated = Math.Max(0, (loudness - 0.12f) / 0.88f);
        return MouthShaper.MaxOpening * MathF.Pow(gated, 0.8f);
    }
}
