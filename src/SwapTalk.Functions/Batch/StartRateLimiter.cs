namespace SwapTalk.Functions.Batch;

/// <summary>
/// A token bucket for job starts: at most <c>startsPerMinute</c> per minute on average, bursts of up to
/// <c>burst</c> at once. Each start schedules GPU work for minutes to hours; spreading a large batch keeps it from
/// claiming every replica at once and from tripping scheduler or storage throttling. The clock is injectable so
/// tests see exact timings without waiting. Not System.Threading.RateLimiting's TokenBucketRateLimiter: it adds whole
/// tokens at replenishment ticks (its own timer, or TryReplenish calls), so the wait after a burst depends on the tick's
/// phase instead of being 60/rate seconds from the last start, and its RetryAfter is a period, not the time left.
/// </summary>
public sealed class StartRateLimiter
{
    private const double Tolerance = 1e-9;
    private readonly TimeProvider _time;
    private readonly double _tokensPerSecond;
    private readonly double _burst;
    private double _tokens;
    private long _last;

    public StartRateLimiter(int startsPerMinute, int burst, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(startsPerMinute, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(burst, 1);
        _time = time ?? TimeProvider.System;
        _tokensPerSecond = startsPerMinute / 60.0;
        _burst = burst;
        _tokens = burst;
        _last = _time.GetTimestamp();
    }

    /// <summary>Takes a token if one is there.</summary>
    /// <returns><see cref="TimeSpan.Zero"/> when a token was taken; otherwise how long until the next one.</returns>
    public TimeSpan TryAcquire()
    {
        lock (this)
        {
            var now = _time.GetTimestamp();
            _tokens = Math.Min(_burst, _tokens + _time.GetElapsedTime(_last, now).TotalSeconds * _tokensPerSecond);
            _last = now;
            // A hair of tolerance: waiting exactly the time a token takes must find the token.
            if (_tokens >= 1 - Tolerance)
            {
                _tokens = Math.Max(0, _tokens - 1);
                return TimeSpan.Zero;
            }
            // Whole milliseconds, rounded up (after dropping floating-point dust) so the next try finds the token.
            return TimeSpan.FromMilliseconds(Math.Ceiling(Math.Round((1 - _tokens) / _tokensPerSecond * 1000, 6)));
        }
    }

    /// <summary>Waits (on the injected clock) until a token is taken.</summary>
    public async Task AcquireAsync(CancellationToken cancellationToken)
    {
        for (var wait = TryAcquire(); wait > TimeSpan.Zero; wait = TryAcquire())
            await Task.Delay(wait, _time, cancellationToken);
    }
}
