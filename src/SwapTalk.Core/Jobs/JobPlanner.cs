using SwapTalk.Core.Media;
namespace SwapTalk.Core.Jobs;

/// <summary>
/// Plans a job from probed facts. Pure: no I/O, no clock, the same plan for the same facts.
/// <list type="bullet">
/// <item>Self-driven: the output is the video, frame for frame, lips driven by its own audio.</item>
/// <item>Cross-driven, audio not longer than the video: the video is cut to the audio.</item>
/// <item>Cross-driven, audio longer: ping-pong loops the video, freeze holds its last frame (both as long
/// as the audio), trim cuts the audio to the video.</item>
/// </list>
/// The output frame count is the audio's length rounded to the nearest whole frame (or the video's).
/// Stitch then makes the video the truth (<see cref="MuxPlan"/>): the length policy has already been
/// applied to the frames, and the concatenated segments are not re-encoded, so the video is the truth and the
/// audio is trimmed (trim; a cut video; or up to half a frame of rounding) or padded with silence (up to half a
/// frame of rounding) to it.
/// </summary>
public static class JobPlanner
{
    /// <param name="video">The target video's facts.</param>
    /// <param name="drivingAudioSeconds">The driving audio's duration (cross-driven) or null (self-driven).</param>
    /// <param name="options">Segment length, length policy, face-track context.</param>
    /// <param name="features">The audio feature rate and window (model metadata).</param>
    public static JobPlan Plan(VideoFacts video, double? drivingAudioSeconds, JobOptions options, AudioFeatureLayout? features = null)
    {
        ArgumentNullException.ThrowIfNull(video);
        ArgumentNullException.ThrowIfNull(options);
        features ??= AudioFeatureLayout.Default;
        CheckFacts(video, drivingAudioSeconds, options, features);

        var mode = drivingAudioSeconds is null ? JobMode.SelfDriven : JobMode.CrossDriven;
        var rate = video.FrameRate;
        var n = video.FrameCount;
        var audioSeconds = drivingAudioSeconds ?? video.AudioDurationSeconds ?? video.DurationSeconds;

        int outputFrames;
        FrameRule rule;
        if (mode == JobMode.SelfDriven)
        {
            outputFrames = n;
            rule = FrameRule.Identity;
        }
        else
        {
            var audioFrames = rate.FramesIn(audioSeconds);
            if (audioFrames < 1)
                throw new BadInputException("audio", $"the driving audio lasts {audioSeconds:0.###} s, shorter than one video frame ({rate.FrameSeconds(1):0.###} s)");
            if (audioFrames <= n)
            {
                outputFrames = (int)audioFrames;
                rule = FrameRule.Identity;
            }
            else
            {
                if (audioFrames > int.MaxValue)
                    throw new BadInputException("audio", $"the driving audio lasts {audioSeconds:0.###} s, {audioFrames} frames at {rate} fps");
                (outputFrames, rule) = options.LengthPolicy switch
                {
                    LengthPolicy.PingPong => ((int)audioFrames, FrameRule.PingPong),
                    LengthPolicy.Freeze => ((int)audioFrames, FrameRule.Freeze),
                    LengthPolicy.Trim => (n, FrameRule.Identity),
                    _ => throw new BadInputException("options.lengthPolicy", $"'{options.LengthPolicy}' is not a length policy"),
                };
            }
        }

        var usedAudio = Math.Min(audioSeconds, rate.FrameSeconds(outputFrames));
        var featureCount = (int)Math.Max(1, Math.Floor((decimal)audioSeconds * features.Rate.Numerator / features.Rate.Denominator));
        var mapping = new FrameMapping(rule, n);
        var segments = Cut(outputFrames, options.SegmentFrames, mapping, n, options.FaceTrackContextFrames, rate, features, featureCount);

        return new JobPlan
        {
            Mode = mode,
            LengthPolicy = options.LengthPolicy,
            FrameRule = rule,
            FrameRate = rate,
            SourceFrameCount = n,
            Width = video.Width,
            Height = video.Height,
            OutputFrameCount = outputFrames,
            AudioSeconds = audioSeconds,
            UsedAudioSeconds = usedAudio,
            AudioFeatures = features,
            AudioFeatureCount = featureCount,
            FaceTrackContextFrames = options.FaceTrackContextFrames,
            Segments = segments,
            Quality = options.Quality ?? new OutputQuality(),
        };
    }

    /// <summary>
    /// The number of output frames a job will have, without cutting segments (for up-front limit checks).
    /// </summary>
    public static long OutputFrameCount(VideoFacts video, double? drivingAudioSeconds, LengthPolicy policy)
    {
        if (drivingAudioSeconds is null) return video.FrameCount;
        var audioFrames = video.FrameRate.FramesIn(drivingAudioSeconds.Value);
        return audioFrames <= video.FrameCount || policy != LengthPolicy.Trim ? audioFrames : video.FrameCount;
    }

    /// <summary>
    /// Balanced segments: ceil(N / S) segments whose sizes differ by at most one frame (never a 3-frame tail).
    /// </summary>
    private static SegmentSpec[] Cut(
        int outputFrames, int segmentFrames, FrameMapping mapping, int sourceFrames, int context,
        Rational rate, AudioFeatureLayout features, int featureCount)
    {
        var count = (int)(((long)outputFrames + segmentFrames - 1) / segmentFrames);
        var baseSize = outputFrames / count;
        var larger = outputFrames % count;
        var segments = new SegmentSpec[count];
        var start = 0;
        for (var i = 0; i < count; i++)
        {
            var end = start + baseSize + (i < larger ? 1 : 0);
            var (lo, hi) = SourceSpan(mapping, start, end);
            var featureStart = rate.SampleAtFrameStart(start, features.Rate) - features.WindowBefore;
            var featureEnd = rate.SampleAtOrAfterFrameStart(end, features.Rate) + features.WindowAfter;
            segments[i] = new SegmentSpec(
                Index: i,
                Output: new FrameRange(start, end),
                Source: new FrameRange(lo, hi),
                Read: new FrameRange(Math.Max(0, lo - context), Math.Min(sourceFrames, (long)hi + context)),
                StartTime: rate.FrameTime(start),
                EndTime: rate.FrameTime(end),
                AudioFeatureStart: (int)Math.Clamp(featureStart, 0, featureCount),
                AudioFeatureEnd: (int)Math.Clamp(featureEnd, 0, featureCount));
            start = end;
        }
        return segments;
    }

    /// <summary>The smallest source range [lo, hi) that holds every source frame of output frames [start, end).</summary>
    private static (int Lo, int Hi) SourceSpan(FrameMapping mapping, int start, int end)
    {
        var n = mapping.SourceFrameCount;
        switch (mapping.Rule)
        {
            case FrameRule.Identity:
                return (start, end);
            case FrameRule.Freeze:
                return (Math.Min(start, n - 1), Math.Min(end - 1, n - 1) + 1);
            default:
                // A ping-pong window of 2n-2 or more frames covers the whole clip; otherwise walk it (at most 2n frames).
                if (n == 1 || end - start >= 2L * n - 2) return (0, n);
                int lo = int.MaxValue, hi = int.MinValue;
                for (var i = start; i < end; i++)
                {
                    var s = mapping.SourceFrameOf(i);
                    if (s < lo) lo = s;
                    if (s > hi) hi = s;
                }
                return (lo, hi + 1);
        }
    }

    private static void CheckFacts(VideoFacts video, double? audioSeconds, JobOptions options, AudioFeatureLayout features)
    {
        var errors = new List<JobInputError>();
        if (video.FrameCount < 1) errors.Add(new("video", $"has {video.FrameCount} frames; a video needs at least one"));
        if (!video.FrameRate.IsValid) errors.Add(new("video", "has no frame rate"));
        if (audioSeconds is { } a && (!double.IsFinite(a) || a <= 0))
            errors.Add(new("audio", $"the driving audio lasts {a} s; it needs a positive duration"));
        if (audioSeconds is null && !video.HasAudio)
            errors.Add(new("video", "self-driven mode needs the video's own audio, but the video has no audio stream"));
        if (options.SegmentFrames < 1) errors.Add(new("options.segmentFrames", $"{options.SegmentFrames} is not a positive frame count"));
        if (options.FaceTrackContextFrames < 0)
            errors.Add(new("options.faceTrackContextFrames", $"{options.FaceTrackContextFrames} is negative"));
        if (!features.Rate.IsValid || features.WindowBefore < 0 || features.WindowAfter < 0)
            errors.Add(new("models", $"audio feature layout {features} is not valid"));
        if (errors.Count > 0) throw new BadInputException(errors);
    }
}
