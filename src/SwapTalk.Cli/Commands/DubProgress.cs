using System.Globalization;
using Spectre.Console;
using SwapTalk.Core.Activities;
using SwapTalk.Core.Execution;

namespace SwapTalk.Cli.Commands;

/// <summary>
/// Shows a dub's progress: a live Spectre.Console bar (segments, frames/s, ETA) when stdout is a terminal, plain
/// lines otherwise (one per phase change and per finished segment), so logs and pipes stay readable.
/// </summary>
internal sealed class DubProgress(TextWriter writer, bool interactive) : IDisposable
{
    private readonly object _gate = new();
    private JobProgress? _last;
    private string? _lastLine;
    private ProgressTask? _bar;
    private Task? _live;
    private TaskCompletionSource? _done;

    public void Start(string workDirectory)
    {
        if (!interactive)
        {
            writer.WriteLine($"dub: work folder {workDirectory}");
            return;
        }
        _done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _live = AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async ctx =>
            {
                lock (_gate) _bar = ctx.AddTask("planning", maxValue: 1);
                started.TrySetResult();
                await _done.Task;
                lock (_gate)
                {
                    if (_last is { } p) Apply(p);
                    _bar.StopTask();
                }
            });
        started.Task.Wait();
    }

    /// <summary>The executor's events, shown here; the root workflow's start names the job (its children are "{jobId}:render:NNNN").</summary>
    public IProgress<ExecutionEvent> Events(Action<string> onJobId)
    {
        var tracker = new JobProgressTracker(Update);
        return new InOrder(e =>
        {
            if (e is WorkflowStarted started && !started.InstanceId.Contains(':')) onJobId(started.InstanceId);
            tracker.Report(e);
        });
    }

    /// <summary>Shows progress while <paramref name="run"/> runs (from the work folder's line on), and stops showing it however it ends.</summary>
    public async Task<T> FollowAsync<T>(string workDirectory, Func<Task<T>> run)
    {
        Start(workDirectory);
        try
        {
            using (this)
                return await run();
        }
        finally
        {
            Stop();
        }
    }

    /// <summary>The tracker's callback (any thread).</summary>
    public void Update(JobProgress progress)
    {
        lock (_gate)
        {
            _last = progress;
            if (interactive)
            {
                Apply(progress);
                return;
            }
            var line = Line(progress);
            if (line == _lastLine) return;
            _lastLine = line;
            writer.WriteLine(line);
        }
    }

    public void Stop()
    {
        _done?.TrySetResult();
        try { _live?.Wait(); } catch (AggregateException) { }
        _live = null;
    }

    public void Dispose() => Stop();

    private void Apply(JobProgress p)
    {
        if (_bar is null) return;
        _bar.MaxValue = Math.Max(1, p.FramesTotal);
        _bar.Value = Math.Min(p.FramesDone, _bar.MaxValue);
        _bar.Description = Markup.Escape(Describe(p));
    }

    internal static string Line(JobProgress p) => $"dub: {Describe(p)}";

    private static string Describe(JobProgress p)
    {
        if (p.SegmentsTotal == 0) return p.Phase;
        var text = FormattableString.Invariant($"{p.Phase}: {p.SegmentsDone}/{p.SegmentsTotal} segments, {p.FramesDone}/{p.FramesTotal} frames");
        if (p.SegmentsReused > 0) text += FormattableString.Invariant($" ({p.SegmentsReused} reused)");
        if (p.FramesPerSecond is { } fps) text += FormattableString.Invariant($", {fps:0.0} frames/s");
        if (p.Eta is { } eta && p.SegmentsDone < p.SegmentsTotal) text += $", ETA {eta:hh\\:mm\\:ss}";
        return text;
    }

    /// <summary>The closing lines: where the output and report are, what was made, and where the time went.</summary>
    public static void Summary(TextWriter writer, JobReport report, string output, string reportPath, TimeSpan elapsed, string? telemetryPath)
    {
        var c = CultureInfo.InvariantCulture;
        writer.WriteLine(string.Format(c, "dub: {0}: {1} frames ({2:0.00} s at {3} fps, {4}x{5}), {6} with a face; {7} segments rendered, {8} reused; {9:0.0} s",
            output, report.OutputFrames, report.OutputSeconds ?? 0, report.FrameRate, report.Width, report.Height, report.FramesWithFace,
            report.SegmentsRendered, report.SegmentsReused, elapsed.TotalSeconds));
        if (report.RenderStages.Count > 0)
        {
            var total = report.RenderStages.Sum(s => s.Seconds);
            writer.WriteLine("dub: render stages (work seconds, share): " + string.Join(", ",
                report.RenderStages.Select(s => string.Format(c, "{0} {1:0.00} ({2:0%})", s.Stage, s.Seconds, total > 0 ? s.Seconds / total : 0))));
        }
        if (report.SegmentRecords.Any(s => s.Worker is not null))
            writer.WriteLine("dub: rendered by: " + string.Join(", ", report.SegmentRecords.GroupBy(s => s.Worker ?? "?").OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => string.Format(c, "{0} {1} segment(s)", g.Key, g.Count()))));
        foreach (var note in report.Notes) writer.WriteLine($"dub: note: {note}");
        writer.WriteLine($"dub: report: {reportPath}");
        if (telemetryPath is not null) writer.WriteLine($"dub: telemetry: {telemetryPath}");
    }

    /// <summary>Forwards executor events synchronously (System.Progress would post them to the thread pool, out of order).</summary>
    private sealed class InOrder(Action<ExecutionEvent> report) : IProgress<ExecutionEvent>
    {
        public void Report(ExecutionEvent value) => report(value);
    }
}
