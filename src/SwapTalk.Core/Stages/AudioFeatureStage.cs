using System.Buffers.Binary;
using System.Runtime.InteropServices;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Media;

namespace SwapTalk.Core.Stages;

/// <summary>How the audio encoder is run over a long track.</summary>
public sealed record AudioChunking
{
    /// <summary>Features each encoder run keeps (1500 = 30 s at 50 Hz).</summary>
    public int ChunkFeatures { get; init; } = 1500;

    /// <summary>Features of audio fed on each side of a chunk and then dropped (50 = 1 s), so a chunk's edges see their neighbourhood.</summary>
    public int ContextFeatures { get; init; } = 50;

    public static AudioChunking Default { get; } = new();
}

/// <summary>What the feature extraction produced.</summary>
public sealed record AudioFeatureSummary(long FeatureCount, long Samples, double Seconds, int Chunks);

/// <summary>
/// Speech features for a whole driving track, computed once: the first audio stream at 16 kHz mono (streamed
/// from ffmpeg, never held whole), the audio encoder run chunk by chunk, rows written to an
/// <see cref="AudioFeatureFile"/> as they come. Memory is bounded by one chunk whatever the track's length.
/// <para>
/// Chunk rule: chunk k keeps features [k F, (k+1) F) (F = <see cref="AudioChunking.ChunkFeatures"/>). It is fed
/// the samples of features [k F - C, (k+1) F + C) (C = <see cref="AudioChunking.ContextFeatures"/>, clipped to
/// the track), starting on a hop boundary, so its j-th output is feature (first fed feature + j). For an encoder
/// that looks only at its own hop (the probe) this is exactly the whole-track result; for HuBERT-like encoders
/// each kept feature sees at least C features (1 s) of real context on each side. The track has
/// floor(samples / hop) features; an encoder that returns fewer at the very end has its last one repeated.
/// </para>
/// </summary>
public sealed class AudioFeatureStage(MediaTools tools, LatentModels models, AudioChunking? chunking = null)
{
    private readonly AudioChunking _chunking = chunking ?? AudioChunking.Default;

    /// <exception cref="BadInputException">The file has no audio stream, or too little audio for one feature.</exception>
    public async Task<AudioFeatureSummary> ExtractAsync(string audioPath, string outputPath, StageClock clock, CancellationToken cancellationToken)
    {
        var spec = models.AudioFeatures;
        if (spec.SampleRate != MediaCommands.SpeechSampleRate)
            throw new NotSupportedException($"the audio encoder wants {spec.SampleRate} Hz; the media engine delivers speech at {MediaCommands.SpeechSampleRate} Hz");
        var hop = spec.Hop;
        var chunkFeatures = Math.Max(1, _chunking.ChunkFeatures);
        var context = Math.Max(0, _chunking.ContextFeatures);
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

        await using var output = new FileStream(outputPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.Asynchronous);
        await output.WriteAsync(AudioFeatureFile.Header(spec.FeatureDim, 0, spec.FeatureRate), cancellationToken);

        // Samples of features [bufferFirstFeature ...) are in memory[0 .. filled).
        var capacity = (chunkFeatures + 2 * context + 1) * hop;
        var memory = AlignedMemory.Floats(capacity); // chunks start on hop boundaries, so every chunk is aligned too
        var filled = 0;
        long bufferFirstFeature = 0;
        long totalSamples = 0;
        long written = 0;
        var chunks = 0;
        var ended = false;
        var bytes = new byte[1 << 16];
        var carry = 0; // bytes of a split float kept at the start of 'bytes'

        async Task EncodeChunk(long keepFrom, long keepTo, bool last)
        {
            // Feed the samples of [keepFrom - context, keepTo + context) clipped to what the buffer holds.
            var feedFirst = Math.Max(bufferFirstFeature, keepFrom - context);
            var startSample = (int)((feedFirst - bufferFirstFeature) * hop);
            var endSample = last ? filled : (int)Math.Min(filled, (keepTo + context - bufferFirstFeature) * hop);
            float[] features;
            int count;
            using (clock.Measure(PipelineStages.AudioEncode))
                features = models.EncodeAudio(memory.Slice(startSample, endSample - startSample), out count);
            var dim = spec.FeatureDim;
            var rows = new float[(keepTo - keepFrom) * dim];
            for (var f = keepFrom; f < keepTo; f++)
            {
                var j = (int)Math.Min(f - feedFirst, count - 1);
                if (j < 0) throw new InvalidOperationException($"audio_encoder returned no features for {endSample - startSample} samples");
                features.AsSpan(j * dim, dim).CopyTo(rows.AsSpan((int)(f - keepFrom) * dim, dim));
            }
            await output.WriteAsync(MemoryMarshal.AsBytes(rows.AsSpan()).ToArray(), cancellationToken);
            written += keepTo - keepFrom;
            chunks++;
        }

        void Drop(long features)
        {
            var samples = (int)Math.Min(filled, features * hop);
            memory.Span[samples..filled].CopyTo(memory.Span);
            filled -= samples;
            bufferFirstFeature += features;
        }

        var command = MediaCommands.ReadSpeechPcm(audioPath, streams.Audio[0].Index);
        await MediaProcess.RunAsync(tools, command, async (stdout, ct) =>
        {
            while (true)
            {
                int n;
                using (clock.Measure(PipelineStages.AudioDecode))
                    n = await stdout.ReadAsync(bytes.AsMemory(carry, Math.Min(bytes.Length - carry, (capacity - filled) * 4)), ct);
                if (n == 0) break;
                var have = carry + n;
                var whole = have / 4;
                MemoryMarshal.Cast<byte, float>(bytes.AsSpan(0, whole * 4)).CopyTo(memory.Span[filled..]);
                filled += whole;
                totalSamples += whole;
                carry = have - whole * 4;
                if (carry > 0) bytes.AsSpan(whole * 4, carry).CopyTo(bytes);
                // A full chunk with its right-hand context is here: encode it and slide the window.
                var keepFrom = written;
                var keepTo = written + chunkFeatures;
                if (filled >= (keepTo + context - bufferFirstFeature) * hop)
                {
                    await EncodeChunk(keepFrom, keepTo, last: false);
                    Drop(Math.Max(0, keepTo - context - bufferFirstFeature));
                }
            }
            ended = true;
        }, cancellationToken);

        if (!ended) throw new InvalidOperationException($"'{audioPath}': the speech stream did not end");
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("f32le PCM needs a little-endian machine");
        var total = totalSamples / hop;
        if (total < 1)
            throw new BadInputException("audio", $"'{audioPath}' holds {totalSamples} samples of speech at {spec.SampleRate} Hz, less than one {1000.0 * hop / spec.SampleRate:0.#} ms feature");
        while (written < total)
        {
            var keepTo = Math.Min(total, written + chunkFeatures);
            await EncodeChunk(written, keepTo, last: true);
            Drop(Math.Max(0, keepTo - context - bufferFirstFeature));
        }

        // The count is known only at the end: patch it into the header.
        var count = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(count, written);
        output.Seek(12, SeekOrigin.Begin);
        await output.WriteAsync(count, cancellationToken);
        await output.FlushAsync(cancellationToken);
        return new AudioFeatureSummary(written, totalSamples, (double)totalSamples / spec.SampleRate, chunks);
    }
}
