using System.Globalization;

namespace SwapTalk.Core.Media;

/// <summary>An exact ratio (frame rates, time bases), written the way ffmpeg reads it: "30000/1001".</summary>
public readonly record struct Rational(long Num, long Den)
{
    public double Value => Den == 0 ? double.NaN : (double)Num / Den;
    public bool IsValid => Num > 0 && Den > 0;
    public Rational Inverse => new(Den, Num);

    public Rational Reduce()
    {
        if (Den == 0) return this;
        var g = Gcd(Math.Abs(Num), Math.Abs(Den));
        return g <= 1 ? this : new Rational(Num / g, Den / g);
    }

    /// <summary>Parses "num/den" or an integer, as ffprobe prints them ("0/0" parses, but is not valid).</summary>
    public static Rational Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return default;
        var parts = text.Split('/', ':');
        if (parts.Length == 1 && long.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var whole))
            return new Rational(whole, 1);
        if (parts.Length == 2
            && long.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var n)
            && long.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var d))
            return new Rational(n, d);
        throw new FormatException($"'{text}' is not a ratio like 30000/1001");
    }

    /// <summary>The nearest ratio with the given denominator (used for rates measured from timestamps).</summary>
    public static Rational FromDouble(double value, long denominator = 1000) =>
        new Rational((long)Math.Round(value * denominator, MidpointRounding.AwayFromZero), denominator).Reduce();

    public override string ToString() => Den == 1 ? Num.ToString(CultureInfo.InvariantCulture) : $"{Num.ToString(CultureInfo.InvariantCulture)}/{Den.ToString(CultureInfo.InvariantCulture)}";

    private static long Gcd(long a, long b)
    {
        while (b != 0) (a, b) = (b, a % b);
        return a;
    }
}
