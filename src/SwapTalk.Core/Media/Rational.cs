using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace SwapTalk.Core.Media;

/// <summary>
/// An exact positive ratio: frame rates such as 30000/1001, time bases such as 1/90000. Always reduced.
/// Frame times are computed from it with integer arithmetic, so a one-hour clip has no drift from
/// accumulated floating-point error. <c>default(Rational)</c> (printed "0/0", as ffprobe prints an unknown
/// rate) is the only value that is not a rate; <see cref="IsValid"/> tells it apart.
/// JSON form: the string "30000/1001" (or "25"), the way ffprobe prints rates.
/// </summary>
[JsonConverter(typeof(RationalJsonConverter))]
public readonly record struct Rational
{
    public Rational(long numerator, long denominator)
    {
        if (denominator == 0) throw new ArgumentOutOfRangeException(nameof(denominator), $"rate {numerator}/0 has a zero denominator");
        if (numerator <= 0 || denominator < 0)
            throw new ArgumentOutOfRangeException(nameof(numerator), $"rate {numerator}/{denominator} is not positive");
        var g = Gcd(numerator, denominator);
        Numerator = numerator / g;
        Denominator = denominator / g;
    }

    public long Numerator { get; }
    public long Denominator { get; }

    /// <summary>False for <c>default(Rational)</c>, which is not a rate.</summary>
    public bool IsValid => Numerator > 0 && Denominator > 0;

    public double Value => IsValid ? (double)Numerator / Denominator : double.NaN;

    /// <summary>Denominator/Numerator: a frame's duration from a frame rate, and the other way round (a method, so structural comparisons do not recurse).</summary>
    public Rational Inverse() => IsValid ? new Rational(Denominator, Numerator) : default;

    /// <summary>Ticks (100 ns) per second, the unit of <see cref="TimeSpan"/>.</summary>
    private const long TicksPerSecond = TimeSpan.TicksPerSecond;

    /// <summary>The start time of frame <paramref name="index"/> at this rate, rounded to the nearest tick.</summary>
    public TimeSpan FrameTime(long index) => TimeSpan.FromTicks(FrameTicks(index));

    /// <summary>index * Denominator / Numerator seconds in ticks, exact to the nearest tick.</summary>
    public long FrameTicks(long index)
    {
        if (index < 0) throw new ArgumentOutOfRangeException(nameof(index), $"frame index {index} is negative");
        RequireValid();
        return (long)DivRound((Int128)index * Denominator * TicksPerSecond, Numerator);
    }

    /// <summary>Seconds of frame <paramref name="index"/> as a double (for reports and ffmpeg arguments).</summary>
    public double FrameSeconds(long index)
    {
        RequireValid();
        return (double)((decimal)index * Denominator / Numerator);
    }

    /// <summary>
    /// The index of the sample of a <paramref name="sampleRate"/> stream that is playing at the start of
    /// frame <paramref name="frameIndex"/>: floor(frameIndex * Den * rateNum / (Num * rateDen)).
    /// </summary>
    public long SampleAtFrameStart(long frameIndex, Rational sampleRate) =>
        (long)FloorDiv((Int128)frameIndex * Denominator * sampleRate.Numerator, (Int128)Numerator * sampleRate.Denominator);

    /// <summary>The smallest sample index at or after the start of frame <paramref name="frameIndex"/>.</summary>
    public long SampleAtOrAfterFrameStart(long frameIndex, Rational sampleRate) =>
        (long)CeilDiv((Int128)frameIndex * Denominator * sampleRate.Numerator, (Int128)Numerator * sampleRate.Denominator);

    /// <summary>How many whole frames at this rate <paramref name="seconds"/> lasts, rounded to the nearest frame.</summary>
    public long FramesIn(double seconds)
    {
        if (!double.IsFinite(seconds) || seconds < 0)
            throw new ArgumentOutOfRangeException(nameof(seconds), $"duration {seconds} s is not a finite non-negative number");
        RequireValid();
        // One conversion from the probed duration; decimal keeps 28 digits, so 30000/1001 over hours stays exact.
        var frames = (decimal)seconds * Numerator / Denominator;
        return (long)decimal.Round(frames, MidpointRounding.AwayFromZero);
    }

    /// <summary>The nearest ratio with the given denominator (rates measured from timestamps); default when that is not positive.</summary>
    public static Rational FromDouble(double value, long denominator = 1000)
    {
        if (denominator <= 0) throw new ArgumentOutOfRangeException(nameof(denominator), $"denominator {denominator} is not positive");
        if (!double.IsFinite(value)) return default;
        var numerator = Math.Round(value * denominator, MidpointRounding.AwayFromZero);
        return numerator >= 1 && numerator <= long.MaxValue ? new Rational((long)numerator, denominator) : default;
    }

    /// <summary>Parses "num/den" or a whole number ("25", " 24000/1001 "); anything that is not a positive rate is a <see cref="FormatException"/>.</summary>
    public static Rational Parse(string? text) =>
        TryParse(text, out var rate) ? rate : throw new FormatException($"'{text}' is not a positive rate such as 25 or 30000/1001");

    public static bool TryParse(string? text, out Rational rate)
    {
        rate = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var parts = text.Trim().Split('/');
        if (parts.Length > 2) return false;
        if (!long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var num)) return false;
        long den = 1;
        if (parts.Length == 2 && !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out den)) return false;
        if (num <= 0 || den <= 0) return false;
        rate = new Rational(num, den);
        return true;
    }

    public override string ToString() =>
        Denominator == 1 ? Numerator.ToString(CultureInfo.InvariantCulture) : $"{Numerator.ToString(CultureInfo.InvariantCulture)}/{Denominator.ToString(CultureInfo.InvariantCulture)}";

    private void RequireValid()
    {
        if (!IsValid) throw new InvalidOperationException("the rate is unknown (0/0); frame times need a positive rate");
    }

    private static Int128 DivRound(Int128 a, Int128 b) => (2 * a + b) / (2 * b);
    private static Int128 FloorDiv(Int128 a, Int128 b) => a >= 0 ? a / b : -((-a + b - 1) / b);
    private static Int128 CeilDiv(Int128 a, Int128 b) => a >= 0 ? (a + b - 1) / b : -((-a) / b);

    private static long Gcd(long a, long b)
    {
        while (b != 0) (a, b) = (b, a % b);
        return Math.Abs(a);
    }
}

/// <summary>JSON as the ffprobe string ("30000/1001", "25"); "0/0" stands for the unknown rate (default).</summary>
public sealed class RationalJsonConverter : JsonConverter<Rational>
{
    public override Rational Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var whole) && whole > 0)
            return new Rational(whole, 1);
        if (reader.TokenType == JsonTokenType.String)
        {
            var text = reader.GetString();
            if (text == "0/0") return default;
            if (Rational.TryParse(text, out var rate)) return rate;
        }
        throw new JsonException("expected a positive rate such as \"25\" or \"30000/1001\"");
    }

    public override void Write(Utf8JsonWriter writer, Rational value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString());
}
