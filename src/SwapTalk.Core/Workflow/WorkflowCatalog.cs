using System.Text.Json;

namespace SwapTalk.Core.Workflow;

/// <summary>
/// How workflow and activity inputs and outputs are serialized: System.Text.Json with web defaults, as Durable
/// serializes them. Enums and rates carry their own converters, so the records read the same under any options.
/// </summary>
public static class WorkflowJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public static string? Serialize(object? value) =>
        value is null ? null : JsonSerializer.Serialize(value, value.GetType(), Options);

    public static object? Deserialize(string? json, Type type) =>
        json is null ? null : JsonSerializer.Deserialize(json, type, Options);

    public static T? Deserialize<T>(string? json) =>
        json is null ? default : JsonSerializer.Deserialize<T>(json, Options);
}

/// <summary>A workflow as the runtime sees it: run it against a context with its input JSON, get its output JSON.</summary>
public sealed record WorkflowDefinition(string Name, Type InputType, Type OutputType, Func<IWorkflowContext, Task<object?>> RunAsync);

/// <summary>Workflows by name; <see cref="Default"/> holds the dub workflow and its segment-batch child.</summary>
public sealed class WorkflowCatalog
{
    private readonly Dictionary<string, WorkflowDefinition> _byName = new(StringComparer.Ordinal);

    public static WorkflowCatalog Default { get; } = new WorkflowCatalog()
        .Add<DubJobInput, DubJobResult>(WorkflowNames.DubJob, DubJobWorkflow.RunAsync)
        .Add<RenderSegmentsInput, RenderSegmentsResult>(WorkflowNames.RenderSegments, RenderSegmentsWorkflow.RunAsync);

    public IReadOnlyCollection<string> Names => _byName.Keys;

    public WorkflowCatalog Add<TInput, TOutput>(string name, Func<IWorkflowContext, TInput, Task<TOutput>> run)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (_byName.ContainsKey(name)) throw new ArgumentException($"workflow '{name}' is registered twice", nameof(name));
        _byName[name] = new WorkflowDefinition(name, typeof(TInput), typeof(TOutput), async context =>
        {
            var input = context.GetInput<TInput>() ?? throw new ArgumentException($"workflow '{name}' needs an input of type {typeof(TInput).Name}");
            return await run(context, input);
        });
        return this;
    }

    /// <summary>A copy with one more workflow (the default catalog is shared and stays unchanged).</summary>
    public WorkflowCatalog With<TInput, TOutput>(string name, Func<IWorkflowContext, TInput, Task<TOutput>> run)
    {
        var copy = new WorkflowCatalog();
        foreach (var (key, value) in _byName) copy._byName[key] = value;
        return copy.Add(name, run);
    }

    public WorkflowDefinition Get(string name) =>
        _byName.TryGetValue(name, out var definition)
            ? definition
            : throw new UnknownWorkflowTaskException($"no workflow named '{name}' is registered (known: {string.Join(", ", _byName.Keys.Order())})");
}

public static class WorkflowNames
{
    public const string DubJob = "DubJob";
    public const string RenderSegments = "RenderSegments";
}
