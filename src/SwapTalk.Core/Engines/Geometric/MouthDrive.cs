using System.Runtime.InteropServices;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Media;
using SwapTalk.Core.Models;
using SwapTalk.Core.Stages;

namespace SwapTalk.Core.Engines.Geometric;

/// <summary>
/// The geometric engine's audio features: speech loudness per feature hop (20 ms at the manifest's 50 Hz), scaled
/// to [0, 1] between the track's quiet floor (10th percentile in dB) and its loud speech (97th percentile), written
/// as one-value rows of an <see cref="AudioFeatureFile"/>, so segments read them with the same rows and windows as
/// the latent engine's features. Streams the track (memory: the rows, 4 bytes per 20 ms).
/// </summary>
public sealed class MouthDriveStage(MediaTools tools, AudioWindow window)
{
    public const int Dim = 1;

    public async Task<AudioFeatureSummary> ExtractAsync(string audioPath, string outputPath, StageClock clock, CancellationToken cancellationToken)
    {
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
        double sum = 0;
        var inHop = 0;
        long samples = 0;
        var bytes = new byte[1 << 16];
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
                    foreach (var s in MemoryMarshal.Cast<byte, float>(bytes.AsSpan(0, whole * 4)))
                    {
                        sum += (double)s * s;
                        if (++inHop == hop)
                        {
                            decibels.Add(ToDecibels(sum / hop));
                            sum = 0;
                            inHop = 0;
                        }
                    }
                    samples += whole;
                    carry = have - whole * 4;
                    if (carry > 0) bytes.AsSpan(whole * 4, carry).CopyTo(bytes);
                }
            }, cancellationToken);
        if (decibels.Count < 1)
            throw new BadInputException("audio", $"'{audioPath}' holds {samples} samples of speech at {rate} Hz, less than one {1000.0 * hop / rate:0.#} ms feature");

        var rows = Normalise(decibels);
        await using var output = new FileStream(outputPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
        await output.WriteAsync(AudioFeatureFile.Header(Dim, rows.Length, window.FeatureRate), cancellationToken);
        await output.WriteAsync(MemoryMarshal.AsBytes(rows.AsSpan()).ToArray(), cancellationToken);
        return new AudioFeatureSummary(rows.Length, samples, (double)samples / rate, 1);
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
    public static float Opening(SegmentAudio audio, AudioWindow window, Rational frameRate, int outputFrame)
    {
        var duration = frameRate.Inverse().Value;
        var own = window.OwnFeature(frameRate.FrameSeconds(outputFrame), duration);
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
