using SwapTalk.Core.Workflow;

namespace SwapTalk.Core.Activities;

/// <summary>Where an activity runs: its name, the workflow instance that called it, and which attempt this is.</summary>
public sealed record ActivityCallContext(string Name, string InstanceId, int Attempt);

/// <summary>
/// One activity: the unit of work a workflow calls by name. Activities may do I/O; they must be idempotent
/// (deterministic blob names, <see cref="Storage.BlobStoreExtensions.ProduceOnceAsync"/>), because any host may
/// run one twice. Throw <see cref="Jobs.BadInputException"/> for bad input (never retried); any other exception
/// is treated as transient and retried with backoff.
/// </summary>
public interface IActivity<in TInput, TOutput>
{
    Task<TOutput> RunAsync(TInput input, ActivityCallContext context, CancellationToken cancellationToken);
}

/// <summary>An activity as the executor sees it: typed input and output, invoked with a deserialized input.</summary>
public sealed record ActivityRegistration(
    string Name,
    Type InputType,
    Type OutputType,
    Func<object?, ActivityCallContext, CancellationToken, Task<object?>> InvokeAsync);

/// <summary>Activities by name. The CLI registers the real ones; tests register deterministic stand-ins.</summary>
public sealed class ActivityRegistry
{
    private readonly Dictionary<string, ActivityRegistration> _byName = new(StringComparer.Ordinal);

    public IReadOnlyCollection<string> Names => _byName.Keys;

    public ActivityRegistry Add<TInput, TOutput>(string name, IActivity<TInput, TOutput> activity)
    {
        ArgumentNullException.ThrowIfNull(activity);
        return Add<TInput, TOutput>(name, activity.RunAsync);
    }

    public ActivityRegistry Add<TInput, TOutput>(string name, Func<TInput, ActivityCallContext, CancellationToken, Task<TOutput>> run)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(run);
        if (_byName.ContainsKey(name)) throw new ArgumentException($"activity '{name}' is registered twice", nameof(name));
        _byName[name] = new ActivityRegistration(name, typeof(TInput), typeof(TOutput),
            async (input, context, ct) => await run((TInput)input!, context, ct));
        return this;
    }

    public bool Contains(string name) => _byName.ContainsKey(name);

    public ActivityRegistration Get(string name) =>
        _byName.TryGetValue(name, out var registration)
            ? registration
            : throw new UnknownWorkflowTaskException($"no activity named '{name}' is registered (known: {string.Join(", ", _byName.Keys.Order())})");
}
