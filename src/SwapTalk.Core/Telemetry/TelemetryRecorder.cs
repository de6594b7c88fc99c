using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace SwapTalk.Core.Telemetry;

/// <summary>A finished span as recorded.</summary>
public sealed record SpanRecord(
    string Name,
    string TraceId,
    string SpanId,
    string? ParentSpanId,
    DateTime StartUtc,
    double DurationSeconds,
    string Status,
    string? StatusDescription,
    IReadOnlyDictionary<string, string?> Tags);

/// <summary>A metric aggregated per instrument and tag set: count, sum, min and max of the measurements.</summary>
public sealed record MetricRecord(
    string Instrument,
    string? Unit,
    string Kind,
    IReadOnlyDictionary<string, string?> Tags,
    long Count,
    double Sum,
    double Min,
    double Max);

public sealed record TelemetrySnapshot(IReadOnlyList<SpanRecord> Spans, IReadOnlyList<MetricRecord> Metrics);

/// <summary>
/// Listens to the SwapTalk ActivitySource and Meter with the BCL's own listeners and keeps what it hears, so
/// the CLI can print or save spans and metrics as JSON. Not OpenTelemetry's in-memory exporter: that would put the
/// OpenTelemetry SDK into the core for one CLI option (the hosts export through OpenTelemetry themselves), and its
/// metric points would still need this aggregation. Optionally keeps only one job's telemetry (by the swaptalk.job.id tag).
/// </summary>
public sealed class TelemetryRecorder : IDisposable
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private readonly string? _jobId;
    private readonly ActivityListener _spans;
    private readonly MeterListener _metrics;
    private readonly object _gate = new();
    private readonly List<SpanRecord> _finished = [];
    private readonly Dictionary<string, Aggregate> _aggregates = new(StringComparer.Ordinal);

    /// <param name="jobId">Keep only telemetry tagged with this job id; null keeps everything from SwapTalk.</param>
    public TelemetryRecorder(string? jobId = null)
    {
        _jobId = jobId;
        _ = SwapTalkTelemetry.ActivityDuration; // the instruments exist before the listener starts

        _spans = new ActivityListener
        {
            ShouldListenTo = source => source.Name == SwapTalkTelemetry.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = OnSpanStopped,
        };
        ActivitySource.AddActivityListener(_spans);

        _metrics = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == SwapTalkTelemetry.MeterName) listener.EnableMeasurementEvents(instrument);
            },
        };
        _metrics.SetMeasurementEventCallback<long>((i, v, tags, _) => OnMeasurement(i, v, tags));
        _metrics.SetMeasurementEventCallback<int>((i, v, tags, _) => OnMeasurement(i, v, tags));
        _metrics.SetMeasurementEventCallback<double>((i, v, tags, _) => OnMeasurement(i, v, tags));
        _metrics.Start();
    }

    public TelemetrySnapshot Snapshot()
    {
        lock (_gate)
        {
            var metrics = _aggregates.Values
                .Select(a => new MetricRecord(a.Instrument, a.Unit, a.Kind, a.Tags, a.Count, a.Sum, a.Min, a.Max))
                .OrderBy(m => m.Instrument, StringComparer.Ordinal).ThenBy(m => TagKey(m.Tags), StringComparer.Ordinal)
                .ToArray();
            return new TelemetrySnapshot(_finished.OrderBy(s => s.StartUtc).ToArray(), metrics);
        }
    }

    /// <summary>Saves the snapshot as JSON, atomically (temp file + rename).</summary>
    public async Task SaveAsync(string path, CancellationToken cancellationToken = default)
    {
        var full = Path.GetFullPath(path);
        var temp = $"{full}.{Environment.ProcessId}.tmp";
        try
        {
            await using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            {
                await JsonSerializer.SerializeAsync(file, Snapshot(), Json, cancellationToken);
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>A short human-readable summary: time per span name, then every metric.</summary>
    public string Summary()
    {
        var snapshot = Snapshot();
        var text = new StringBuilder();
        text.AppendLine("spans (name: count, total s, max s)");
        foreach (var group in snapshot.Spans.GroupBy(s => s.Name).OrderByDescending(g => g.Sum(s => s.DurationSeconds)))
            text.AppendLine(CultureInfo.InvariantCulture,
                $"  {group.Key}: {group.Count()}, {group.Sum(s => s.DurationSeconds):0.###}, {group.Max(s => s.DurationSeconds):0.###}");
        text.AppendLine("metrics (instrument {tags}: count, sum, min, max)");
        foreach (var m in snapshot.Metrics)
            text.AppendLine(CultureInfo.InvariantCulture,
                $"  {m.Instrument} {{{TagKey(m.Tags)}}}: {m.Count}, {m.Sum:0.###}, {m.Min:0.###}, {m.Max:0.###}");
        return text.ToString();
    }

    public void Dispose()
    {
        _spans.Dispose();
        _metrics.Dispose();
    }

    private void OnSpanStopped(Activity activity)
    {
        var tags = activity.TagObjects.ToDictionary(t => t.Key, t => Format(t.Value), StringComparer.Ordinal);
        if (_jobId is not null && !(tags.TryGetValue(SwapTalkTelemetry.Tags.JobId, out var job) && job == _jobId)) return;
        var record = new SpanRecord(
            activity.DisplayName,
            activity.TraceId.ToHexString(),
            activity.SpanId.ToHexString(),
            activity.ParentSpanId == default ? null : activity.ParentSpanId.ToHexString(),
            activity.StartTimeUtc,
            activity.Duration.TotalSeconds,
            activity.Status.ToString(),
            activity.StatusDescription,
            tags);
        lock (_gate) _finished.Add(record);
    }

    private void OnMeasurement(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tagSpan)
    {
        var tags = new SortedDictionary<string, string?>(StringComparer.Ordinal);
        foreach (var tag in tagSpan) tags[tag.Key] = Format(tag.Value);
        if (_jobId is not null && !(tags.TryGetValue(SwapTalkTelemetry.Tags.JobId, out var job) && job == _jobId)) return;
        var key = instrument.Name + "|" + TagKey(tags);
        lock (_gate)
        {
            if (!_aggregates.TryGetValue(key, out var aggregate))
            {
                var kind = instrument.GetType().Name.StartsWith("Histogram", StringComparison.Ordinal) ? "histogram" : "counter";
                _aggregates[key] = aggregate = new Aggregate(instrument.Name, instrument.Unit, kind, tags);
            }
            aggregate.Add(value);
        }
    }

    private static string? Format(object? value) => value switch
    {
        null => null,
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    private static string TagKey(IEnumerable<KeyValuePair<string, string?>> tags) =>
        string.Join(",", tags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key}={t.Value}"));

    private sealed class Aggregate(string instrument, string? unit, string kind, IReadOnlyDictionary<string, string?> tags)
    {
        public string Instrument { get; } = instrument;
        public string? Unit { get; } = unit;
        public string Kind { get; } = kind;
        public IReadOnlyDictionary<string, string?> Tags { get; } = tags;
        public long Count { get; private set; }
        public double Sum { get; private set; }
        public double Min { get; private set; } = double.PositiveInfinity;
        public double Max { get; private set; } = double.NegativeInfinity;

        public void Add(double value)
        {
            Count++;
            Sum += value;
            Min = Math.Min(Min, value);
            Max = Math.Max(Max, value);
        }
    }
}
