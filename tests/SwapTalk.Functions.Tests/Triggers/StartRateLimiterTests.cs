using SwapTalk.Functions.Batch;

using SwapTalk.Functions.Tests.Host;

namespace SwapTalk.Functions.Tests.Triggers;

public class StartRateLimiterTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly DateTimeOffset Start = new(2026, 11, 21, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_full_bucket_allows_a_burst_then_hands_out_one_start_per_interval()
    {
        var time = new ManualTime(Start);
        var limiter = new StartRateLimiter(startsPerMinute: 6, burst: 3, time);

        Enumerable.Range(0, 3).Select(_ => limiter.TryAcquire()).ToList().Should().AllSatisfy(w => w.Should().Be(TimeSpan.Zero));
        limiter.TryAcquire().Should().Be(TimeSpan.FromSeconds(10), "6 per minute is one every 10 s");
        time.Advance(TimeSpan.FromSeconds(4));
        limiter.TryAcquire().Should().Be(TimeSpan.FromSeconds(6));
        time.Advance(TimeSpan.FromSeconds(6));
        limiter.TryAcquire().Should().Be(TimeSpan.Zero);
    }

    [Fact]
    public void An_idle_bucket_refills_only_up_to_the_burst()
    {
        var time = new ManualTime(Start);
        var limiter = new StartRateLimiter(60, 2, time);
        limiter.TryAcquire();
        limiter.TryAcquire();
        time.Advance(TimeSpan.FromHours(1));
        limiter.TryAcquire().Should().Be(TimeSpan.Zero);
        limiter.TryAcquire().Should().Be(TimeSpan.Zero);
        limiter.TryAcquire().Should().Be(TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task Acquiring_waits_on_the_injected_clock_so_n_starts_take_the_expected_time()
    {
        var time = new ManualTime(Start);
        var limiter = new StartRateLimiter(startsPerMinute: 12, burst: 1, time);
        var at = new List<TimeSpan>();
        for (var i = 0; i < 5; i++)
        {
            await limiter.AcquireAsync(Ct);
            at.Add(time.GetUtcNow() - Start);
        }
        at.Should().Equal(TimeSpan.Zero, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(20));
        time.Delays.Should().HaveCount(4);
    }

    [Fact]
    public void Rates_and_bursts_below_one_are_refused()
    {
        var rate = () => new StartRateLimiter(0, 1);
        rate.Should().Throw<ArgumentOutOfRangeException>();
        var burst = () => new StartRateLimiter(1, 0);
        burst.Should().Throw<ArgumentOutOfRangeException>();
    }
}
