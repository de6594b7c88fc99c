using SwapTalk.Core.Media;
using Rational = SwapTalk.Core.Media.Rational;
using System.Text.Json;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Storage;

namespace SwapTalk.Tests.Jobs;

public class FrameMappingTests
{
    [Fact]
    public void Ping_pong_walks_back_and_forth_without_repeating_the_turn_frames()
    {
        var map = new FrameMapping(FrameRule.PingPong, 4);
        Enumerable.Range(0, 14).Select(map.SourceFrameOf).Should().Equal(0, 1, 2, 3, 2, 1, 0, 1, 2, 3, 2, 1, 0, 1);
        var two = new FrameMapping(FrameRule.PingPong, 2);
        Enumerable.Range(0, 5).Select(two.SourceFrameOf).Should().Equal(0, 1, 0, 1, 0);
        var one = new FrameMapping(FrameRule.PingPong, 1);
        Enumerable.Range(0, 3).Select(one.SourceFrameOf).Should().Equal(0, 0, 0);
    }

    [Fact]
    public void Freeze_holds_the_last_frame_and_identity_stops_at_the_end()
    {
        var freeze = new FrameMapping(FrameRule.Freeze, 3);
        Enumerable.Range(0, 6).Select(freeze.SourceFrameOf).Should().Equal(0, 1, 2, 2, 2, 2);
        var identity = new FrameMapping(FrameRule.Identity, 3);
        identity.SourceFrameOf(2).Should().Be(2);
        var past = () => identity.SourceFrameOf(3);
        past.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*past the 3-frame source*");
        var negative = () => freeze.SourceFrameOf(-1);
        negative.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void Ping_pong_stays_exact_far_into_a_long_output()
    {
        var map = new FrameMapping(FrameRule.PingPong, 75);
        // Period 148: frame 148*1000 + 74 is the far turn, +75 steps back.
        map.SourceFrameOf(148_000 + 74).Should().Be(74);
        map.SourceFrameOf(148_000 + 75).Should().Be(73);
        map.SourceFrameOf(148_000 + 147).Should().Be(1);
        map.SourceFrameOf(148_000 + 148).Should().Be(0);
    }
}

public class JobPlannerTests
{
    private static VideoFacts Video(int frames, Rational rate, bool hasAudio = true, double? audioSeconds = null) =>
        new(frames, rate, 360, 288, rate.FrameSeconds(frames), hasAudio, audioSeconds ?? rate.FrameSeconds(frames));

    private static JobOptions Options(int segmentFrames = 100, LengthPolicy policy = LengthPolicy.PingPong, int context = 4) =>
        new() { SegmentFrames = segmentFrames, LengthPolicy = policy, FaceTrackContextFrames = context };

    [Fact]
    public void Grid_clip_driven_by_eleven_seconds_of_speech()
    {
        var grid = Video(75, new Rational(25, 1));
        var pingPong = JobPlanner.Plan(grid, 11.0, Options(segmentFrames: 50));
        pingPong.Mode.Should().Be(JobMode.CrossDriven);
        pingPong.OutputFrameCount.Should().Be(275);
        pingPong.FrameRule.Should().Be(FrameRule.PingPong);
        pingPong.Segments.Should().HaveCount(6);
        pingPong.Segments.Select(s => s.FrameCount).Should().Equal(46, 46, 46, 46, 46, 45);
        pingPong.UsedAudioSeconds.Should().Be(11.0);

        var freeze = JobPlanner.Plan(grid, 11.0, Options(policy: LengthPolicy.Freeze));
        freeze.OutputFrameCount.Should().Be(275);
        freeze.SourceFrameOf(274).Should().Be(74);

        var trim = JobPlanner.Plan(grid, 11.0, Options(policy: LengthPolicy.Trim));
        trim.OutputFrameCount.Should().Be(75);
        trim.FrameRule.Should().Be(FrameRule.Identity);
        trim.UsedAudioSeconds.Should().Be(3.0, "trim cuts the audio to the video");
    }

    [Fact]
    public void Self_driven_follows_the_video_and_shorter_audio_cuts_it()
    {
        var clip = Video(75, new Rational(25, 1));
        var self = JobPlanner.Plan(clip, null, Options());
        self.Mode.Should().Be(JobMode.SelfDriven);
        self.OutputFrameCount.Should().Be(75);
        self.AudioSeconds.Should().Be(3.0);

        foreach (var policy in Enum.GetValues<LengthPolicy>())
        {
            var cut = JobPlanner.Plan(clip, 1.0, Options(policy: policy));
            cut.OutputFrameCount.Should().Be(25, $"audio shorter than the video cuts the video ({policy})");
            cut.FrameRule.Should().Be(FrameRule.Identity);
        }
    }

    [Fact]
    public void Segments_carry_exact_ranges_times_context_and_audio_features()
    {
        var plan = JobPlanner.Plan(Video(100, new Rational(25, 1)), null, Options(segmentFrames: 40, context: 3));
        plan.Segments.Select(s => s.Output).Should().Equal(new FrameRange(0, 34), new FrameRange(34, 67), new FrameRange(67, 100));
        var middle = plan.Segments[1];
        middle.Source.Should().Be(new FrameRange(34, 67));
        middle.Read.Should().Be(new FrameRange(31, 70));
        middle.StartTime.Should().Be(TimeSpan.FromSeconds(1.36));
        middle.EndTime.Should().Be(TimeSpan.FromSeconds(2.68));
        // 50 Hz features: frame 34 -> 68, frame 67 -> 134; window +-8.
        middle.AudioFeatureStart.Should().Be(60);
        middle.AudioFeatureEnd.Should().Be(142);
        plan.Segments[0].Read.Start.Should().Be(0, "context is clamped to the clip");
        plan.Segments[2].Read.End.Should().Be(100);
        plan.Segments[2].AudioFeatureEnd.Should().Be(plan.AudioFeatureCount).And.Be(200);
    }

    [Fact]
    public void An_hour_at_ntsc_rate_plans_without_drift()
    {
        var rate = new Rational(30000, 1001);
        var plan = JobPlanner.Plan(Video(107_892, rate), null, Options(segmentFrames: 120));
        plan.Segments.Should().HaveCount(900);
        plan.Segments[^1].EndTime.Should().Be(rate.FrameTime(107_892));
        plan.OutputDuration.Ticks.Should().Be(35_999_964_000);
        for (var i = 1; i < plan.Segments.Count; i++)
            plan.Segments[i].StartTime.Should().Be(plan.Segments[i - 1].EndTime);
        JsonSerializer.SerializeToUtf8Bytes(plan, StoredJson.Options).Length.Should().BeLessThan(300_000, "the plan blob stays small");
    }

    [Fact]
    public void Plan_round_trips_through_its_json_blob_form()
    {
        var plan = JobPlanner.Plan(Video(75, new Rational(30000, 1001)), 7.3, Options(segmentFrames: 16, policy: LengthPolicy.Freeze));
        var json = JsonSerializer.Serialize(plan, StoredJson.Options);
        var back = JsonSerializer.Deserialize<JobPlan>(json, StoredJson.Options)!;
        back.Segments.Should().Equal(plan.Segments);
        back.FrameRate.Should().Be(plan.FrameRate);
        back.AudioFeatures.Should().Be(plan.AudioFeatures);
        back.Should().BeEquivalentTo(plan, o => o.Excluding(p => p.Segments));
        json.Should().Contain("\"frameRule\": \"freeze\"").And.Contain("\"frameRate\": \"30000/1001\"")
            .And.Contain("\"output\": [0, 16]", "frame ranges are stored as [start, end]");
    }

    [Fact]
    public void Bad_facts_are_bad_input_naming_the_input()
    {
        var clip = Video(75, new Rational(25, 1));
        var tooShort = () => JobPlanner.Plan(clip, 0.01, Options());
        tooShort.Should().Throw<BadInputException>().WithMessage("*audio*shorter than one video frame*");
        var silent = () => JobPlanner.Plan(clip, 0, Options());
        silent.Should().Throw<BadInputException>().WithMessage("*audio*positive duration*");
        var noFrames = () => JobPlanner.Plan(clip with { FrameCount = 0 }, 2, Options());
        noFrames.Should().Throw<BadInputException>().WithMessage("*video*0 frames*");
        var noOwnAudio = () => JobPlanner.Plan(clip with { HasAudio = false }, null, Options());
        noOwnAudio.Should().Throw<BadInputException>().WithMessage("*self-driven*no audio stream*");
        var noSegments = () => JobPlanner.Plan(clip, null, Options(segmentFrames: 0));
        noSegments.Should().Throw<BadInputException>().WithMessage("*options.segmentFrames*");
    }

    private static void Fail(string message) => throw new Xunit.Sdk.XunitException(message);

    /// <summary>
    /// The seam properties over many lengths, segment sizes, frame rates, policies and context sizes: every output
    /// frame belongs to exactly one segment, the count follows the policy, source ranges are tight, times chain.
    /// </summary>
    [Fact]
    public void Every_output_frame_belongs_to_exactly_one_segment_for_any_shape()
    {
        Rational[] rates = [new(25, 1), new(30000, 1001), new(24000, 1001), new(60, 1), new(25, 2), new(60000, 1001)];
        var random = new Random(20240508);
        for (var trial = 0; trial < 1500; trial++)
        {
            var rate = rates[random.Next(rates.Length)];
            var frames = random.Next(4) == 0 ? random.Next(1, 4) : random.Next(1, 2000);
            var policy = (LengthPolicy)random.Next(3);
            var segmentFrames = random.Next(4) switch { 0 => 1, 1 => random.Next(1, 8), _ => random.Next(8, 400) };
            var context = random.Next(0, 9);
            double? audio = random.Next(3) switch
            {
                0 => null,
                1 => rate.FrameSeconds(frames) * (0.05 + random.NextDouble()),
                _ => rate.FrameSeconds(frames) * (1 + 3 * random.NextDouble()),
            };
            if (audio is < 0.05) audio = 0.05;
            var video = Video(frames, rate);
            var plan = JobPlanner.Plan(video, audio, Options(segmentFrames, policy, context));
            string shape = $"trial {trial}: {frames} frames at {rate}, audio {audio}, {policy}, segments of {segmentFrames}, context {context}";

            long expected = audio is null ? frames
                : rate.FramesIn(audio.Value) <= frames ? rate.FramesIn(audio.Value)
                : policy == LengthPolicy.Trim ? frames : rate.FramesIn(audio.Value);
            if (plan.OutputFrameCount != expected || JobPlanner.OutputFrameCount(video, audio, policy) != expected)
                Fail($"{shape}: {plan.OutputFrameCount} output frames, expected {expected}");

            var owner = new int[plan.OutputFrameCount];
            Array.Fill(owner, -1);
            var sizes = plan.Segments.Select(s => s.FrameCount).ToList();
            if (plan.Segments.Count != (plan.OutputFrameCount + segmentFrames - 1) / segmentFrames) Fail($"{shape}: {plan.Segments.Count} segments");
            if (sizes.Max() - sizes.Min() > 1 || sizes.Max() > segmentFrames || sizes.Min() < 1) Fail($"{shape}: segment sizes {sizes.Min()}..{sizes.Max()}");

            for (var k = 0; k < plan.Segments.Count; k++)
            {
                var s = plan.Segments[k];
                if (s.Index != k) Fail($"{shape}: segment {k} has index {s.Index}");
                if (s.StartTime != rate.FrameTime(s.Output.Start) || s.EndTime != rate.FrameTime(s.Output.End)) Fail($"{shape}: segment {k} times");
                if (k > 0 && s.Output.Start != plan.Segments[k - 1].Output.End) Fail($"{shape}: gap or overlap before segment {k}");

                // Plain checks per frame (an assertion library call per frame would dominate the run time).
                int lo = int.MaxValue, hi = -1;
                for (var i = (int)s.Output.Start; i < s.Output.End; i++)
                {
                    if (owner[i] != -1) Fail($"{shape}: frame {i} is in segments {owner[i]} and {k}");
                    owner[i] = k;
                    var src = plan.SourceFrameOf(i);
                    if (src < 0 || src >= frames) Fail($"{shape}: frame {i} maps to source {src}");
                    lo = Math.Min(lo, src);
                    hi = Math.Max(hi, src);
                    if (i > 0 && frames > 1 && plan.FrameRule == FrameRule.PingPong && Math.Abs(src - plan.SourceFrameOf(i - 1)) != 1)
                        Fail($"{shape}: ping-pong repeats or skips at frame {i}");

                    var centre = rate.SampleAtFrameStart(i, plan.AudioFeatures.Rate);
                    if (Math.Max(0, centre - plan.AudioFeatures.WindowBefore) < s.AudioFeatureStart
                        || Math.Min(plan.AudioFeatureCount, centre + plan.AudioFeatures.WindowAfter + 1) > s.AudioFeatureEnd)
                        Fail($"{shape}: frame {i}'s audio window is outside segment {k}'s feature span");
                }
                if (s.Source != new FrameRange(lo, hi + 1)) Fail($"{shape}: segment {k} source range {s.Source} is not [{lo}, {hi + 1})");
                if (s.Read != new FrameRange(Math.Max(0, lo - context), Math.Min(frames, hi + 1 + context))) Fail($"{shape}: segment {k} read range");
            }
            if (Array.IndexOf(owner, -1) is var orphan and >= 0) Fail($"{shape}: frame {orphan} has no segment");
            if (plan.Segments[^1].Output.End != plan.OutputFrameCount || plan.Segments[^1].EndTime != plan.OutputDuration)
                Fail($"{shape}: the last segment does not end the output");
        }
    }
}
