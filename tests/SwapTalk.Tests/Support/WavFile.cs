using System.Buffers.Binary;
using System.Runtime.InteropServices;
using SwapTalk.Core.Files;
using SwapTalk.Core.Media;

namespace SwapTalk.Tests.Support;

/// <summary>Minimal RIFF/WAVE: writes float32 or 16-bit PCM (atomically), reads both back. Test fixtures only (the pipeline reads audio through ffmpeg).</summary>
public static class WavFile
{
    public static void WriteFloat32(string path, ReadOnlySpan<float> samples, int sampleRate, int channels = 1) =>
        AtomicFile.Write(path, Encode(samples, sampleRate, channels, pcm16: false));

    public static void WritePcm16(string path, ReadOnlySpan<float> samples, int sampleRate, int channels = 1) =>
        AtomicFile.Write(path, Encode(samples, sampleRate, channels, pcm16: true));

    public static byte[] Encode(ReadOnlySpan<float> samples, int sampleRate, int channels, bool pcm16)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleRate, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        if (samples.Length % channels != 0) throw new ArgumentException($"{samples.Length} samples do not divide into {channels} channels", nameof(samples));
        var bytesPerSample = pcm16 ? 2 : 4;
        var dataBytes = samples.Length * bytesPerSample;
        var wav = new byte[44 + dataBytes];
        var s = wav.AsSpan();
        "RIFF"u8.CopyTo(s);
        BinaryPrimitives.WriteInt32LittleEndian(s[4..], 36 + dataBytes);
        "WAVEfmt "u8.CopyTo(s[8..]);
        BinaryPrimitives.WriteInt32LittleEndian(s[16..], 16);
        BinaryPrimitives.WriteInt16LittleEndian(s[20..], (short)(pcm16 ? 1 : 3)); // 1 = PCM, 3 = IEEE float
        BinaryPrimitives.WriteInt16LittleEndian(s[22..], (short)channels);
        BinaryPrimitives.WriteInt32LittleEndian(s[24..], sampleRate);
        BinaryPrimitives.WriteInt32LittleEndian(s[28..], sampleRate * channels * bytesPerSample);
        BinaryPrimitives.WriteInt16LittleEndian(s[32..], (short)(channels * bytesPerSample));
        BinaryPrimitives.WriteInt16LittleEndian(s[34..], (short)(bytesPerSample * 8));
        "data"u8.CopyTo(s[36..]);
        BinaryPrimitives.WriteInt32LittleEndian(s[40..], dataBytes);
        var data = s[44..];
        for (var i = 0; i < samples.Length; i++)
        {
            if (pcm16)
                BinaryPrimitives.WriteInt16LittleEndian(data[(i * 2)..], (short)Math.Clamp(MathF.Round(samples[i] * 32767f), -32768f, 32767f));
            else
                BinaryPrimitives.WriteSingleLittleEndian(data[(i * 4)..], samples[i]);
        }
        return wav;
    }

    /// <summary>Reads a PCM16 or float32 WAV: interleaved samples as floats in [-1, 1].</summary>
    public static (float[] Samples, int SampleRate, int Channels) Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var s = bytes.AsSpan();
        if (s.Length < 12 || !s[..4].SequenceEqual("RIFF"u8) || !s.Slice(8, 4).SequenceEqual("WAVE"u8))
            throw new MediaException(path, "is not a RIFF/WAVE file") { IsBadInput = true };
        int format = 0, channels = 0, rate = 0, bits = 0;
        for (var pos = 12; pos + 8 <= s.Length;)
        {
            var id = s.Slice(pos, 4);
            var size = BinaryPrimitives.ReadInt32LittleEndian(s[(pos + 4)..]);
            var body = s.Slice(pos + 8, Math.Min(size, s.Length - pos - 8));
            if (id.SequenceEqual("fmt "u8))
            {
                format = BinaryPrimitives.ReadInt16LittleEndian(body);
                channels = BinaryPrimitives.ReadInt16LittleEndian(body[2..]);
                rate = BinaryPrimitives.ReadInt32LittleEndian(body[4..]);
                bits = BinaryPrimitives.ReadInt16LittleEndian(body[14..]);
            }
            else if (id.SequenceEqual("data"u8))
            {
                if (format == 3 && bits == 32)
                    return (MemoryMarshal.Cast<byte, float>(body[..(body.Length / 4 * 4)]).ToArray(), rate, channels);
                if (format == 1 && bits == 16)
                {
                    var pcm = MemoryMarshal.Cast<byte, short>(body[..(body.Length / 2 * 2)]);
                    var samples = new float[pcm.Length];
                    for (var i = 0; i < pcm.Length; i++) samples[i] = pcm[i] / 32768f;
                    return (samples, rate, channels);
                }
                throw new MediaException(path, $"WAV format {format} with {bits}-bit samples is not supported (PCM16 and float32 are)") { IsBadInput = true };
            }
            pos += 8 + size + (size & 1);
        }
        throw new MediaException(path, "has no WAV data chunk") { IsBadInput = true };
    }
}
