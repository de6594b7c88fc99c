using Rational = SwapTalk.Core.Media.Rational;
using System.Numerics;
using System.Text.Json;

namespace SwapTalk.Tests.Jobs;

public class RationalTests
{
    [Theory]
    [InlineData("25", 25, 1)]
    [InlineData("30000/1001", 30000, 1001)]
    [InlineData("50/2", 25, 1)]
    [InlineData(" 24000/1001 ", 24000, 1001)]
    public void Parses_and_normalises(string text, long num, long den)
    {
        var rate = Rational.Parse(text);
        rate.Numerator.Should().Be(num);
        rate.Denominator.Should().Be(den);
    }

    [Theory]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("25/0")]
    [InlineData("-25")]
    [InlineData("29.97")]
    [InlineData("1/2/3")]
    [InlineData("abc")]
    public void Rejects_what_is_not_a_positive_rate(string text)
    {
        Rational.TryParse(text, out _).Should().BeFalse();
        var act = () => Rational.Parse(text);
        act.Should().Throw<FormatException>().WithMessage($"*'{text}'*");
    }

    [Fact]
    public void Frame_times_are_exact_over_hours_without_drift()
    {
        var ntsc = new Rational(30000, 1001);
        foreach (var index in new long[] { 0, 1, 29, 30, 1001, 107_892, 10_000_000 })
        {
            // Exact: index * 1001 / 30000 seconds, in ticks, rounded half up.
            var exact = new BigInteger(index) * 1001 * TimeSpan.TicksPerSecond;
            var expected = (long)((2 * exact + 30000) / (2 * 30000));
            ntsc.FrameTicks(index).Should().Be(expected);
        }
        // Accumulating a double frame duration drifts; the rational does not.
        ntsc.FrameTime(108_000).Should().Be(TimeSpan.FromTicks(36_036_000_000));
        new Rational(25, 1).FrameTime(90_000).Should().Be(TimeSpan.FromHours(1));
    }

    [Fact]
    public void Frames_in_a_duration_round_to_the_nearest_frame()
    {
        var pal = new Rational(25, 1);
        pal.FramesIn(11.0).Should().Be(275);
        pal.FramesIn(0.019).Should().Be(0);
        pal.FramesIn(0.02).Should().Be(1);
        pal.FramesIn(3.0).Should().Be(75);
        new Rational(30000, 1001).FramesIn(3600).Should().Be(107_892);
        var act = () => pal.FramesIn(double.NaN);
        act.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void Maps_frame_starts_to_sample_indices_of_another_rate()
    {
        var pal = new Rational(25, 1);
        var features = new Rational(50, 1);
        pal.SampleAtFrameStart(10, features).Should().Be(20);
        var ntsc = new Rational(30000, 1001);
        // Frame 1 starts at 0.033366 s: feature 1.668 -> floor 1, ceil 2.
        ntsc.SampleAtFrameStart(1, features).Should().Be(1);
        ntsc.SampleAtOrAfterFrameStart(1, features).Should().Be(2);
        ntsc.SampleAtOrAfterFrameStart(0, features).Should().Be(0);
    }

    [Fact]
    public void Json_form_is_the_ffprobe_string()
    {
        JsonSerializer.Serialize(new Rational(30000, 1001)).Should().Be("\"30000/1001\"");
        JsonSerializer.Serialize(new Rational(25, 1)).Should().Be("\"25\"");
        JsonSerializer.Deserialize<Rational>("\"24000/1001\"").Should().Be(new Rational(24000, 1001));
        JsonSerializer.Deserialize<Rational>("30").Should().Be(new Rational(30, 1));
        var bad = () => JsonSerializer.Deserialize<Rational>("\"0/1\"");
        bad.Should().Throw<JsonException>().WithMessage("*positive rate*");
    }

    [Fact]
    public void Default_is_not_a_valid_rate()
    {
        default(Rational).IsValid.Should().BeFalse();
        new Rational(1, 1).IsValid.Should().BeTrue();
        var act = () => new Rational(25, 0);
        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*25/0*");
    }
}

public class RationalMediaBehaviourTests
{
    [Fact]
    public void The_unknown_rate_round_trips_through_json_and_measured_rates_snap_to_a_denominator()
    {
        // ffprobe prints "0/0" for a rate it does not know; MediaInfo keeps it as default and must survive JSON.
        JsonSerializer.Serialize(default(Rational)).Should().Be("\"0/0\"");
        JsonSerializer.Deserialize<Rational>("\"0/0\"").IsValid.Should().BeFalse();
        Rational.FromDouble(29.97002997, 1000).Should().Be(new Rational(29970, 1000));
        Rational.FromDouble(0.0001).IsValid.Should().BeFalse();
        new Rational(1, 90000).Inverse().Should().Be(new Rational(90000, 1));
        default(Rational).Value.Should().Be(double.NaN);
        var times = () => default(Rational).FrameTime(1);
        times.Should().Throw<InvalidOperationException>().WithMessage("*unknown*");
    }
}
