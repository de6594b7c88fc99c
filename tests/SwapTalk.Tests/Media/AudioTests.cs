using SwapTalk.Core.Media;
using SwapTalk.Tests.Support;

namespace SwapTalk.Tests.Media;

public class AudioTests(MediaClips clips)
{
    [Fact]
    public async Task Speech_wav_at_16k_mono_comes_back_sample_exact()
    {
        var path = SharedData.Speech;
        var (expected, rate, channels) = WavFile.Read(path);
        (rate, channels).Should().Be((16000, 1));
        var samples = await clips.Engine.ReadSpeechAsync(path);
        samples.Should().HaveCount(expected.Length);
        samples.Should().Equal(expected, "16-bit PCM converts to float as x / 32768 on both sides");
        (samples.Length / 16000.0).Should().BeApproximately(11.0, 0.1);
    }

    [Fact]
    public async Task A_videos_stereo_44k_track_is_resampled_and_mixed_to_16k_mono()
    {
        var media = await clips.Engine.ProbeAsync(SharedData.GridClip());
        var samples = await clips.Engine.ReadSpeechAsync(SharedData.GridClip());
        // The container's duration ends at the last packet's start; decoding adds that MP2 frame (1152 samples at 44.1 kHz).
        (samples.Length / 16000.0).Should().BeApproximately(media.RequireAudio().Duration + 1152 / 44100.0, 0.002);
        // Channels are averaged, so full-scale stereo stays near full scale (resampling may overshoot a little).
        samples.Max(Math.Abs).Should().BeInRange(0.9f, 1.02f);
        Rms(samples).Should().BeGreaterThan(0.005f, "GRID clips contain speech");
    }

    [Fact]
    public async Task A_tone_keeps_its_pitch_and_level_through_resampling_and_downmix()
    {
        var path = clips.NewPath("tone48k.wav");
        // 1 kHz at amplitude 1/8 on both channels of a 48 kHz stereo file.
        await MediaClips.Ff("-f", "lavfi", "-i", "aevalsrc=0.125*sin(2*PI*1000*t)|0.125*sin(2*PI*1000*t):s=48000:d=1", "-c:a", "pcm_f32le", path);
        var samples = await clips.Engine.ReadSpeechAsync(path);
        samples.Should().HaveCount(16000);
        var crossings = 0;
        for (var i = 1; i < samples.Length; i++) if (samples[i - 1] < 0 != samples[i] < 0) crossings++;
        crossings.Should().BeInRange(1990, 2010, "a 1 kHz tone crosses zero twice per cycle");
        Rms(samples.AsSpan(100, 15800)).Should().BeApproximately(0.125f / MathF.Sqrt(2), 0.002f, "the mono mix averages identical channels: same level");
    }

    [Fact]
    public async Task Wav_writer_round_trips_float32_exactly_and_pcm16_within_a_step()
    {
        var samples = Enumerable.Range(0, 1600).Select(i => MathF.Sin(i * 0.05f) * 0.7f).ToArray();
        var f32 = clips.NewPath("f32.wav");
        WavFile.WriteFloat32(f32, samples, 16000);
        (await clips.Engine.ReadSpeechAsync(f32)).Should().Equal(samples, "ffmpeg reads the float WAV as written");
        WavFile.Read(f32).Samples.Should().Equal(samples);
        var s16 = clips.NewPath("s16.wav");
        WavFile.WritePcm16(s16, samples, 16000);
        var (back, rate, channels) = WavFile.Read(s16);
        (rate, channels).Should().Be((16000, 1));
        back.Zip(samples).Should().OnlyContain(p => Math.Abs(p.First - p.Second) <= 1.5f / 32768);
        var notWav = clips.NewPath("fake.wav");
        await File.WriteAllTextAsync(notWav, "hello");
        var act = () => WavFile.Read(notWav);
        act.Should().Throw<MediaException>().WithMessage($"'{notWav}': is not a RIFF/WAVE file");
    }

    [Fact]
    public async Task Aac_encoding_for_muxing()
    {
        var output = clips.NewPath("speech.m4a");
        await clips.Engine.EncodeAacAsync(SharedData.Speech, output);
        var media = await clips.Engine.ProbeAsync(output);
        var audio = media.RequireAudio();
        (audio.Codec, audio.SampleRate, audio.Channels).Should().Be(("aac", 48000, 1));
        audio.Duration.Should().BeApproximately(11.0, 0.1);
        media.Video.Should().BeNull();
    }

    [Fact]
    public async Task A_file_without_audio_is_refused_by_name()
    {
        var act = () => clips.Engine.ReadSpeechAsync(clips.Odd);
        await act.Should().ThrowAsync<MediaException>().WithMessage($"'*{Path.GetFileName(clips.Odd)}': has no audio stream*");
    }

    private static float Rms(ReadOnlySpan<float> samples)
    {
        double sum = 0;
        foreach (var s in samples) sum += s * s;
        return (float)Math.Sqrt(sum / samples.Length);
    }
}
