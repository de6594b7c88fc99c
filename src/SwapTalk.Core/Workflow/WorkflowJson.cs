using System.Text.Json;

namespace SwapTalk.Core.Workflow;

/// <summary>
/// How orchestration and activity inputs and outputs are serialized: System.Text.Json with web defaults. Enums and
/// rates carry their own converters, so the records read the same under any options (the SDK's default converter too).
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
