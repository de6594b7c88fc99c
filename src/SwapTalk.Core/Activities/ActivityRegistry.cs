using System.Diagnostics;
using SwapTalk.Core.Telemetry;

namespace SwapTalk.Core.Activities;

/// <summary>
/// One activity: the unit of work an orchestration calls by name. Activities may do I/O; they must be idempotent
/// (deterministic blob names, <see cref="Storage.BlobStoreExtensions">ProduceOnceAsync</see>), because any engine may
/// run one twice. Throw <see cref="Jobs.BadInputException"/> for bad input (never retried); any other exception
/// is treated as transient and retried with backoff. The cancellation token is why this is not the SDK's
/// TaskActivity (which has none): Ctrl-C, a Functions host shutting down or a worker draining stop the ffmpeg
/// and inference work in flight.
/// </summary>
public interface IActivity<in TInput, TOutput>
{
    Task<TOutput> RunAsync(TInput input, CancellationToken cancellationToken);
}

/// <summary>An activity as an engine sees it: typed input and output, invoked with a deserialized input.</summary>
public sealed record ActivityRegistration(
    string Name,
    Type InputType,
    Type OutputType,
    Func<object?, CancellationToken, Task<object?>> InvokeAsync);

/// <summary>
/// Activities by name: what the embedded executor runs and what the Functions app's [ActivityTrigger] functions
/// and the SDK's DurableTaskRegistry (test host, workers) wrap. The CLI registers the real ones; tests may wrap them.
/// </summary>
public sealed class ActivityRegistry
{
    private readonly Dictionary<string, ActivityRegistration> _byName = new(StringComparer.Ordinal);

    public IReadOnlyCollection<string> Names => _byName.Keys;

    public ActivityRegistry Add<TInput, TOutput>(string name, IActivity<TInput, TOutput> activity)
    {
        ArgumentNullException.ThrowIfNull(activity);
        return Add<TInput, TOutput>(name, activity.RunAsync);
    }

    public ActivityRegistry Add<TInput, TOutput>(string name, Func<TInput, CancellationToken, Task<TOutput>> run)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(run);
        if (_byName.ContainsKey(name)) throw new ArgumentException($"activity '{name}' is registered twice", nameof(name));
        _byName[name] = new ActivityRegistration(name, typeof(TInput), typeof(TOutput),
            async (input, ct) => await run((TInput)input!, ct));
        return this;
    }

    /// <summary>Replaces a registered activity by a wrapper around it (tests inject failures this way).</summary>
    public ActivityRegistry Wrap<TInput, TOutput>(string name, Func<Func<TInput, CancellationToken, Task<TOutput>>, Func<TInput, CancellationToken, Task<TOutput>>> wrap)
    {
        var inner = Get(name);
        if (inner.InputType != typeof(TInput) || inner.OutputType != typeof(TOutput))
            throw new ArgumentException($"activity '{name}' is {inner.InputType.Name} -> {inner.OutputType.Name}, not {typeof(TInput).Name} -> {typeof(TOutput).Name}", nameof(name));
        var wrapped = wrap(async (input, ct) => (TOutput)(await inner.InvokeAsync(input, ct))!);
        _byName[name] = new ActivityRegistration(name, typeof(TInput), typeof(TOutput), async (input, ct) => await wrapped((TInput)input!, ct));
        return this;
    }

    /// <summary>
    /// Runs a registered activity with its typed input, in a span like the embedded executor's (the Functions app's
    /// activity triggers call this; Durable engines do the retrying).
    /// </summary>
    public async Task<TOutput> RunAsync<TInput, TOutput>(string name, TInput input, CancellationToken cancellationToken)
    {
        var registration = Get(name);
        if (registration.InputType != typeof(TInput) || registration.OutputType != typeof(TOutput))
            throw new InvalidOperationException(
                $"activity '{name}' is registered as {registration.InputType.Name} -> {registration.OutputType.Name}, but is called as {typeof(TInput).Name} -> {typeof(TOutput).Name}");
        using var span = SwapTalkTelemetry.Source.StartActivity($"activity {name}", ActivityKind.Internal);
        span?.SetTag(SwapTalkTelemetry.Tags.Activity, name);
        if (input is IJobScoped job) span?.SetTag(SwapTalkTelemetry.Tags.JobId, job.JobId);
        if (input is ISegmentScoped segment) span?.SetTag(SwapTalkTelemetry.Tags.SegmentIndex, segment.SegmentIndex);
        try
        {
            var output = (TOutput)(await registration.InvokeAsync(input, cancellationToken))!;
            span?.SetTag(SwapTalkTelemetry.Tags.Outcome, SwapTalkTelemetry.Outcomes.Succeeded);
            return output;
        }
        catch (Exception ex)
        {
            SwapTalkTelemetry.RecordFailure(span, ex);
            throw;
        }
    }

    public bool Contains(string name) => _byName.ContainsKey(name);

    public ActivityRegistration Get(string name) =>
        _byName.TryGetValue(name, out var registration)
            ? registration
            : throw new InvalidOperationException($"no activity named '{name}' is registered (known: {string.Join(", ", _byName.Keys.Order())})");
}
