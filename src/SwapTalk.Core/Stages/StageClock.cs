using System.Diagnostics;
using SwapTalk.Core.Telemetry;

namespace SwapTalk.Core.Stages;

/// <summary>The pipeline stages' names, as telemetry and the report spell them.</summary>
public static class PipelineStages
{
    public const string Portrait = "portrait";
    public const string Reference = "reference";
    public const string AudioDecode = "audio-decode";
    public const string AudioEncode = "audio-encode";
    /// <summary>The geometric engine's viseme front end (MFCCs and the viseme model over the driving speech).</summary>
    public const string Visemes = "visemes";
    /// <summary>Waiting for decoded frames (ffmpeg runs ahead in its own process).</summary>
    public const string Decode = "decode";
    /// <summary>Face detection, landmarks and smoothing over the segment's frames (pass 1).</summary>
    public const string Track = "track";
    public const string Align = "align";
    public const string Encode = "encode";
    public const string Swap = "swap";
    public const string Sync = "sync";
    public const string DecodeVq = "decode-vq";
    public const string Paste = "paste";
    /// <summary>Handing frames to the encoder (ffmpeg encodes in its own process).</summary>
    public const string Write = "write";
    public const string Stitch = "stitch";
    /// <summary>Probing the target video (frame grid, keyframes): once per process and video, cached.</summary>
    public const string Probe = "probe";

    /// <summary>The render stages in pipeline order (the report and the benchmark list them so).</summary>
    public static IReadOnlyList<string> Render { get; } = [Decode, Track, Align, Encode, Swap, Sync, DecodeVq, Paste, Write];
}

/// <summary>Time in one stage: seconds of work, calls (batches or frames) and items (frames) it handled.</summary>
public sealed record StageTime(string Stage, double Seconds, int Calls, int Frames);

/// <summary>
/// Times a unit of work's stages: each <see cref="Measure"/> call is a span ("stage {name}", tagged with the job
/// and segment) and a <see cref="SwapTalkTelemetry.StageDuration"/> measurement, and adds to the totals
/// <see cref="Totals"/> returns. <see cref="Add"/> accumulates fine-grained waits (per frame) without a span each;
/// <see cref="Flush"/> records them as one measurement per stage. Not thread-safe: one clock per segment.
/// </summary>
public sealed class StageClock(string jobId, int? segmentIndex = null)
{
    private readonly Dictionary<string, (double Seconds, int Calls, int Frames)> _totals = new(StringComparer.Ordinal);
    private readonly Dictionary<string, double> _unflushed = new(StringComparer.Ordinal);

    public string JobId { get; } = jobId;
    public int? SegmentIndex { get; } = segmentIndex;

    /// <summary>Starts a stage call; dispose the scope when it ends.</summary>
    public Scope Measure(string stage, int frames = 0) =>
        new(this, stage, frames, SwapTalkTelemetry.StartStage(stage, JobId, SegmentIndex));

    /// <summary>Adds time measured elsewhere (e.g. waiting for one frame) to a stage, recorded at the next <see cref="Flush"/>.</summary>
    public void Add(string stage, TimeSpan elapsed, int frames = 1)
    {
        Accumulate(stage, elapsed.TotalSeconds, 1, frames);
        _unflushed[stage] = _unflushed.GetValueOrDefault(stage) + elapsed.TotalSeconds;
    }

    /// <summary>Records the time added since the last flush as one measurement per stage.</summary>
    public void Flush()
    {
        foreach (var (stage, seconds) in _unflushed)
            Record(stage, seconds);
        _unflushed.Clear();
    }

    public IReadOnlyList<StageTime> Totals()
    {
        Flush();
        return _totals.Select(t => new StageTime(t.Key, t.Value.Seconds, t.Value.Calls, t.Value.Frames)).ToArray();
    }

    public double SecondsOf(string stage) => _totals.TryGetValue(stage, out var t) ? t.Seconds : 0;

    private void Accumulate(string stage, double seconds, int calls, int frames)
    {
        var t = _totals.GetValueOrDefault(stage);
        _totals[stage] = (t.Seconds + seconds, t.Calls + calls, t.Frames + frames);
    }

    private void Record(string stage, double seconds)
    {
        var tags = SwapTalkTelemetry.JobTags(JobId, SegmentIndex);
        tags.Add(SwapTalkTelemetry.Tags.Stage, stage);
        SwapTalkTelemetry.StageDuration.Record(seconds, tags);
    }

    public readonly struct Scope : IDisposable
    {
        private readonly StageClock _clock;
        private readonly string _stage;
        private readonly int _frames;
        private readonly Activity? _span;
        private readonly long _started;

        internal Scope(StageClock clock, string stage, int frames, Activity? span)
        {
            _clock = clock;
            _stage = stage;
            _frames = frames;
            _span = span;
            _started = Stopwatch.GetTimestamp();
        }

        public void Dispose()
        {
            var seconds = Stopwatch.GetElapsedTime(_started).TotalSeconds;
            _clock.Accumulate(_stage, seconds, 1, _frames);
            _clock.Record(_stage, seconds);
            _span?.Dispose();
        }
    }
}
