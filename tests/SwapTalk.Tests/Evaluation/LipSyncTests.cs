using SwapTalk.Core.Evaluation;

namespace SwapTalk.Tests.Evaluation;

/// <summary>The lip-sync arithmetic on series whose answer is known: Pearson's r, the lag and its sign, detrending, loudness.</summary>
public sealed class LipSyncTests
{
    private static double?[] Syllables(int n, int delay = 0) =>
        [.. Enumerable.Range(0, n).Select(t => (double?)(Math.Sin(2 * Math.PI * (t - delay) / 6.3) + 0.3 * Math.Sin(2 * Math.PI * (t - delay) / 17)))];

    [Fact]
    public void A_series_against_itself_correlates_1_at_lag_0()
    {
        var x = Syllables(75);
        var c = LipSync.ByLag(x, x);
        c.AtLag0.Should().BeApproximately(1, 1e-12);
        c.BestLag.Should().Be(0);
        c.ByLag.Should().HaveCount(2 * LipSync.MaxLag + 1);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(-4)]
    public void Loudness_that_comes_k_frames_late_gives_lag_plus_k(int k)
    {
        var mouth = Syllables(75);
        var loudness = Syllables(75, delay: k); // loudness[t + k] = mouth[t]
        LipSync.ByLag(mouth, loudness).BestLag.Should().Be(k);
        LipSync.Correlate(mouth, loudness, 25).BestLag.Should().Be(k);
    }

    [Fact]
    public void Missing_values_are_skipped_and_too_few_pairs_give_no_correlation()
    {
        LipSync.Pearson([(1, 2), (2, 4), (3, 7)]).Should().BeNull();
        LipSync.Pearson(Enumerable.Range(0, 20).Select(i => ((double)i, 5.0)).ToList()).Should().BeNull("a constant series has no correlation");
        var x = Syllables(40);
        x[10] = null;
        x[11] = null;
        var c = LipSync.ByLag(x, Syllables(40));
        c.AtLag0.Should().BeApproximately(1, 1e-12);
    }

    [Fact]
    public void Detrending_removes_a_slow_ramp_and_keeps_fast_motion()
    {
        var ramp = Enumerable.Range(0, 50).Select(t => (double?)t).ToArray();
        LipSync.Detrend(ramp, 3).Skip(3).SkipLast(3).Should().AllSatisfy(v => v.Should().BeApproximately(0, 1e-12));
        var fast = Enumerable.Range(0, 50).Select(t => (double?)(t % 2 == 0 ? 1 : -1)).ToArray();
        LipSync.Detrend(fast, 3).Skip(3).SkipLast(3).Should().AllSatisfy(v => Math.Abs(v!.Value).Should().BeGreaterThan(0.8));
    }

    [Fact]
    public void Loudness_is_the_rms_of_each_frames_samples_and_null_past_the_audio()
    {
        // 16 kHz at 25 fps: 640 samples a frame. Frame 0 silent, frame 1 a square wave of amplitude 0.5.
        var samples = new float[640 * 2 + 100];
        for (var i = 640; i < 1280; i++) samples[i] = i % 2 == 0 ? 0.5f : -0.5f;
        var l = LipSync.LoudnessPerFrame(samples, 16000, 25, 4);
        l[0].Should().Be(0);
        l[1].Should().BeApproximately(0.5, 1e-9);
        l[2].Should().BeNull("frame 2 needs samples up to 1920");
        l[3].Should().BeNull();
    }
}
