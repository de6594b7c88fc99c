using SwapTalk.Core.Activities;
using SwapTalk.Core.Workflow;

namespace SwapTalk.Core.Execution;

/// <summary>Where a job stands, for a progress bar: segments and frames done, throughput and time left.</summary>
/// <param name="FramesPerSecond">Frames rendered (not reused) per second since rendering began.</param>
/// <param name="Eta">Time left for the remaining frames at that rate; null until a segment has rendered.</param>
public sealed record JobProgress(
    string Phase,
    int SegmentsDone,
    int SegmentsTotal,
    int SegmentsReused,
    int FramesDone,
    int FramesTotal,
    double? FramesPerSecond,
    TimeSpan? Eta,
    TimeSpan Elapsed,
    IReadOnlyList<int> SegmentsRunning);

/// <summary>
/// Turns the executor's events into <see cref="JobProgress"/> snapshots (segment started/finished, frames, fps,
/// ETA) for the CLI to render. Thread-safe: activities report from many threads.
/// </summary>
public sealed class JobProgressTracker : IProgress<ExecutionEvent>
{
    private readonly Action<JobProgress>? _onChange;
    private readonly TimeProvider _time;
    private readonly long _started;
    private readonly object _gate = new();
    private readonly SortedSet<int> _running = [];
    private string _phase = JobStatus.Planning;
    private int _segmentsTotal, _framesTotal, _segmentsDone, _segmentsReused, _framesDone, _framesReused;
    private long? _renderStarted;

    public JobProgressTracker(Action<JobProgress>? onChange = null, TimeProvider? time = null)
    {
        _onChange = onChange;
        _time = time ?? TimeProvider.System;
        _started = _time.GetTimestamp();
    }

    public JobProgress Current
    {
        get
        {
            lock (_gate) return Snapshot();
        }
    }

    public void Report(ExecutionEvent value)
    {
        JobProgress snapshot;
        lock (_gate)
        {
            switch (value)
            {
                case ActivitySucceeded { Output: PlanJobResult plan }:
                    _segmentsTotal = plan.SegmentCount;
                    _framesTotal = plan.OutputFrames;
                    break;
                case ActivityStarted { Input: RenderSegmentInput segment }:
                    _renderStarted ??= _time.GetTimestamp();
                    _running.Add(segment.SegmentIndex);
                    break;
                case ActivitySucceeded { Output: RenderSegmentResult segment }:
                    _running.Remove(segment.SegmentIndex);
                    _segmentsDone++;
                    _framesDone += segment.Frames;
                    if (segment.Reused)
                    {
                        _segmentsReused++;
                        _framesReused += segment.Frames;
                    }
                    break;
                case ActivityFailed { Input: RenderSegmentInput segment }:
                    _running.Remove(segment.SegmentIndex);
                    break;
                // The root's status is the job's phase; children (ids "{jobId}:render:NNNN") report their batch only.
                case CustomStatusChanged { Status: JobStatus status } when !value.InstanceId.Contains(':'):
                    _phase = status.Phase;
                    break;
                default:
                    return;
            }
            snapshot = Snapshot();
        }
        _onChange?.Invoke(snapshot);
    }

    private JobProgress Snapshot()
    {
        double? fps = null;
        TimeSpan? eta = null;
        var rendered = _framesDone - _framesReused;
        if (_renderStarted is { } start && rendered > 0)
        {
            var seconds = _time.GetElapsedTime(start).TotalSeconds;
            if (seconds > 0)
            {
                fps = rendered / seconds;
                eta = TimeSpan.FromSeconds(Math.Max(0, _framesTotal - _framesDone) / fps.Value);
            }
        }
        return new JobProgress(_phase, _segmentsDone, _segmentsTotal, _segmentsReused, _framesDone, _framesTotal, fps, eta,
            _time.GetElapsedTime(_started), _running.ToArray());
    }
}
