using SwapTalk.Core.Media;
using System.Text.Json.Serialization;

namespace SwapTalk.Core.Jobs;

/// <summary>How an output frame index maps to a source (target video) frame index.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<FrameRule>))]
public enum FrameRule
{
    /// <summary>Output frame i is source frame i (self-driven; audio not longer than the video; trim).</summary>
    [JsonStringEnumMemberName("identity")] Identity,
    /// <summary>0..n-1, n-2..1, 0..: the period is 2n-2 and the turn frames (0 and n-1) are not repeated.</summary>
    [JsonStringEnumMemberName("ping-pong")] PingPong,
    /// <summary>0..n-1, then n-1 held.</summary>
    [JsonStringEnumMemberName("freeze")] Freeze,
}

/// <summary>The pure output-to-source frame map; the same function for the planner and the segment renderer.</summary>
public readonly record struct FrameMapping(FrameRule Rule, int SourceFrameCount)
{
    public int SourceFrameOf(int outputIndex)
    {
        if (outputIndex < 0) throw new ArgumentOutOfRangeException(nameof(outputIndex), $"output frame {outputIndex} is negative");
        var n = SourceFrameCount;
        switch (Rule)
        {
            case FrameRule.Identity:
                if (outputIndex >= n)
                    throw new ArgumentOutOfRangeException(nameof(outputIndex), $"output frame {outputIndex} is past the {n}-frame source");
                return outputIndex;
            case FrameRule.Freeze:
                return Math.Min(outputIndex, n - 1);
            case FrameRule.PingPong:
                if (n == 1) return 0;
                var period = 2L * n - 2;
                var p = (int)(outputIndex % period);
                return p < n ? p : (int)(period - p);
            default:
                throw new ArgumentOutOfRangeException(nameof(Rule), Rule, "unknown frame rule");
        }
    }
}

/// <summary>
/// One unit of render work: output frames <paramref name="Output"/>, which need source frames
/// <paramref name="Source"/>; the renderer reads <paramref name="Read"/> (the face-track context on each side,
/// clamped to the clip) and audio features [AudioFeatureStart, AudioFeatureEnd).
/// Times are the presentation times of the first frame and of the frame after the last one.
/// </summary>
public sealed record SegmentSpec(
    int Index,
    FrameRange Output,
    FrameRange Source,
    FrameRange Read,
    TimeSpan StartTime,
    TimeSpan EndTime,
    int AudioFeatureStart,
    int AudioFeatureEnd)
{
    [JsonIgnore] public int FrameCount => (int)Output.Count;
}

/// <summary>
/// The whole job's timing: how many output frames, which source frame each shows, when it is presented,
/// how the frames are cut into segments and how Stitch muxes the audio. Pure data, computed by
/// <see cref="JobPlanner"/> from probed facts; the plan blob (work/plan.json) holds it.
/// </summary>
public sealed record JobPlan
{
    /// <summary>2: segments hold frame ranges (output, source, read) instead of start/end pairs.</summary>
    public const int CurrentVersion = 2;

    public int Version { get; init; } = CurrentVersion;
    public required JobMode Mode { get; init; }
    public required LengthPolicy LengthPolicy { get; init; }
    public required FrameRule FrameRule { get; init; }
    public required Rational FrameRate { get; init; }
    public required int SourceFrameCount { get; init; }
    public required int Width { get; init; }
    public required int Height { get; init; }
    public required int OutputFrameCount { get; init; }

    /// <summary>The duration of the audio that drives the lips (driving track, or the video's own).</summary>
    public required double AudioSeconds { get; init; }

    /// <summary>Seconds of that audio the output uses (the output's length; the rest is cut by the mux).</summary>
    public required double UsedAudioSeconds { get; init; }

    public required AudioFeatureLayout AudioFeatures { get; init; }
    public required int AudioFeatureCount { get; init; }
    public required int FaceTrackContextFrames { get; init; }
    public required IReadOnlyList<SegmentSpec> Segments { get; init; }

    /// <summary>How segments and the output are encoded (the job's option, kept with the plan every segment reads).</summary>
    public OutputQuality Quality { get; init; } = new();

    [JsonIgnore] public FrameMapping Mapping => new(FrameRule, SourceFrameCount);
    [JsonIgnore] public TimeSpan OutputDuration => FrameRate.FrameTime(OutputFrameCount);

    public int SourceFrameOf(int outputIndex)
    {
        if (outputIndex >= OutputFrameCount)
            throw new ArgumentOutOfRangeException(nameof(outputIndex), $"output frame {outputIndex} is past the planned {OutputFrameCount}");
        return Mapping.SourceFrameOf(outputIndex);
    }

    public TimeSpan PresentationTime(int outputIndex) => FrameRate.FrameTime(outputIndex);

    public SegmentSpec Segment(int index) =>
        index >= 0 && index < Segments.Count
            ? Segments[index]
            : throw new ArgumentOutOfRangeException(nameof(index), $"segment {index} is not in the plan's {Segments.Count} segments");
}
