namespace SwapTalk.Core.Engines.Geometric.Mouth;

/// <summary>
/// A band of the speech, streamed: two second-order high-passes at the low edge and two low-passes at the high edge
/// (Butterworth, Q 1/sqrt 2, the audio cookbook's biquads; the same chain as ffmpeg's
/// <c>highpass=f=LOW,lowpass=f=HIGH</c> twice, which `scripts/lips-bands.py` measures). The mouth drive uses
/// <see cref="DriveLow"/>-<see cref="DriveHigh"/> Hz.
/// </summary>
public sealed class FormantBand
{
    /// <summary>
    /// The opening drive's band, 1000-2500 Hz (the second formant's region): as the mouth opens, more of the voice's
    /// mid frequencies are radiated. Its loudness followed the three GRID speakers' own mouths with r 0.65 and velocity
    /// r 0.62 (every speaker better than the first-formant band 400-1000 Hz, 0.60 / 0.55, and the whole track, 0.51 /
    /// 0.51; one band, no fitted weights; table in docs/geometric.md).
    /// </summary>
    public const double DriveLow = 1000, DriveHigh = 2500;

    private readonly Biquad[] _stages;

    public FormantBand(int sampleRate, double low = DriveLow, double high = DriveHigh)
    {
        var hp = Biquad.HighPass(low, sampleRate);
        var lp = Biquad.LowPass(high, sampleRate);
        _stages = [hp, lp, hp.Fresh(), lp.Fresh()];
    }

    /// <summary>The next sample through the band (state carries over between calls, so chunks equal one pass).</summary>
    public float Next(float x)
    {
        double y = x;
        foreach (var s in _stages) y = s.Next(y);
        return (float)y;
    }

    private sealed class Biquad(double b0, double b1, double b2, double a1, double a2)
    {
        private double _x1, _x2, _y1, _y2;

        public Biquad Fresh() => new(b0, b1, b2, a1, a2);

        public double Next(double x)
        {
            var y = b0 * x + b1 * _x1 + b2 * _x2 - a1 * _y1 - a2 * _y2;
            _x2 = _x1; _x1 = x; _y2 = _y1; _y1 = y;
            return y;
        }

        private static Biquad Of(double f, int rate, bool high)
        {
            var w = 2 * Math.PI * f / rate;
            var cos = Math.Cos(w);
            var alpha = Math.Sin(w) / (2 * Math.Sqrt(0.5));
            var a0 = 1 + alpha;
            var (b0, b1) = high ? ((1 + cos) / 2, -(1 + cos)) : ((1 - cos) / 2, 1 - cos);
            return new Biquad(b0 / a0, b1 / a0, b0 / a0, -2 * cos / a0, (1 - alpha) / a0);
        }

        public static Biquad HighPass(double f, int rate) => Of(f, rate, high: true);

        public static Biquad LowPass(double f, int rate) => Of(f, rate, high: false);
    }
}
