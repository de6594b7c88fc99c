using System.Runtime.InteropServices;
using SwapTalk.Core.Files;

namespace SwapTalk.Core.Media;

/// <summary>
/// Audio in and out: any input's first audio track (an audio file or a video's track) as 16 kHz
/// mono float32 samples for the speech encoder, and AAC encoding for final files.
/// </summary>
public sealed class AudioPcm(MediaTools tools)
{
    private readonly MediaProbe _probe = new(tools);

    /// <summary>The first audio track resampled to 16 kHz, mixed down to mono, as float32 in [-1, 1].</summary>
    public async Task<float[]> ReadSpeechAsync(string path, CancellationToken cancellationToken = default)
    {
        var media = await _probe.ProbeStreamsAsync(path, cancellationToken).ConfigureAwait(false);
        var audio = media.RequireAudio();
        var expected = double.IsFinite(audio.Duration) && audio.Duration > 0 ? (int)Math.Min(int.MaxValue / 8, audio.Duration * MediaCommands.SpeechSampleRate * 4 + 4096) : 1 << 20;
        using var collected = new MemoryStream(expected);
        await MediaProcess.RunAsync(tools, MediaCommands.ReadSpeechPcm(path, audio.Index),
            (stdout, ct) => stdout.CopyToAsync(collected, 1 << 16, ct), cancellationToken).ConfigureAwait(false);
        if (collected.Length % 4 != 0)
            throw new MediaException(path, $"ffmpeg returned {collected.Length} bytes of float32 PCM, not a whole number of samples");
        if (collected.Length == 0)
            throw new MediaException(path, "has an audio track that decodes to no samples") { IsBadInput = true };
        var samples = new float[collected.Length / 4];
        collected.GetBuffer().AsSpan(0, (int)collected.Length).CopyTo(MemoryMarshal.AsBytes(samples.AsSpan()));
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("f32le PCM needs a little-endian machine");
        return samples;
    }

    /// <summary>Encodes the first audio track of <paramref name="inputPath"/> to AAC (48 kHz) in an M4A/MP4 file, atomically.</summary>
    public async Task EncodeAacAsync(string inputPath, string outputPath, int bitrateKbps = 128, CancellationToken cancellationToken = default)
    {
        var media = await _probe.ProbeStreamsAsync(inputPath, cancellationToken).ConfigureAwait(false);
        var audio = media.RequireAudio();
        await AtomicFile.WriteAsync(outputPath, temp =>
            FFMpegCoreRun.RunAsync(tools, MediaCommands.EncodeAac(inputPath, audio.Index, audio.Channels, temp, bitrateKbps), inputPath, cancellationToken)).ConfigureAwait(false);
    }
}
