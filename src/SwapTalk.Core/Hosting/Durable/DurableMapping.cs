using System.Diagnostics;
using System.Text.Json;
using SwapTalk.Core.Activities;
using SwapTalk.Core.Telemetry;
using SwapTalk.Core.Workflow;

namespace SwapTalk.Core.Hosting.Durable;

/// <summary>
/// The decisions the Durable adapter needs, kept here so the adapter in src/SwapTalk.Functions is member-by-member
/// delegation (checked by a test reading its source) and every branch is tested here:
/// retries follow <see cref="WorkflowRetryPolicy"/> (never retrying bad input), failures map link by link, and
/// activities run through the same <see cref="ActivityRegistry"/> the local executor uses.
/// </summary>
public static class DurableMapping
{
    /// <summary>
    /// The body of Durable's custom retry handler: after <paramref name="attemptsMade"/> failed attempts, retry if the
    /// policy says so, first waiting the policy's backoff on <paramref name="delay"/> (a durable timer in an orchestration).
    /// </summary>
    /// <returns>True to make another attempt.</returns>
    public static async Task<bool> RetryAsync(
        WorkflowRetryPolicy policy, int attemptsMade, WorkflowFailureDetails lastFailure, TimeSpan elapsed, Func<TimeSpan, Task> delay)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(delay);
        if (!policy.ShouldRetry(attemptsMade, lastFailure, elapsed)) return false;
        await delay(policy.DelayBefore(attemptsMade + 1));
        return true;
    }

    /// <summary>The host's retry option for a call's options: built from the policy when there is one, else none.</summary>
    public static T? WithRetry<T>(WorkflowTaskOptions? options, Func<WorkflowRetryPolicy, T> build) where T : class =>
        options?.Retry is { } policy ? build(policy) : null;

    /// <summary>Maps a host's failure chain (Durable's TaskFailureDetails) onto the core's, link by link.</summary>
    public static WorkflowFailureDetails Failure<T>(T failure, Func<T, (string ErrorType, string ErrorMessage, string? StackTrace, T? Inner)> link)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(failure);
        var (type, message, stack, inner) = link(failure);
        return new WorkflowFailureDetails(type, message, stack, inner is null ? null : Failure(inner, link));
    }

    /// <summary>
    /// Runs a catalog workflow for a host's orchestration trigger. The output type is checked against the
    /// registration, so a function declared with the wrong return type fails with both names.
    /// </summary>
    public static async Task<TOutput> RunWorkflowAsync<TOutput>(WorkflowCatalog catalog, string name, IWorkflowContext context)
    {
        var definition = catalog.Get(name);
        if (definition.OutputType != typeof(TOutput))
            throw new InvalidOperationException($"workflow '{name}' returns {definition.OutputType.Name}, but the host declares {typeof(TOutput).Name}");
        return (TOutput)(await definition.RunAsync(context))!;
    }

    /// <summary>
    /// Runs a registered activity for a host trigger: the typed input as bound by the host, the instance id from the
    /// trigger's binding data, a span like the local executor's. Types are checked against the registration so a
    /// wiring mistake fails with both names instead of an invalid cast.
    /// </summary>
    public static async Task<TOutput> RunActivityAsync<TInput, TOutput>(
        ActivityRegistry registry, string name, TInput input, string? instanceId, CancellationToken cancellationToken)
    {
        var registration = registry.Get(name);
        if (registration.InputType != typeof(TInput) || registration.OutputType != typeof(TOutput))
            throw new InvalidOperationException(
                $"activity '{name}' is registered as {registration.InputType.Name} -> {registration.OutputType.Name}, but the host binds {typeof(TInput).Name} -> {typeof(TOutput).Name}");
        using var span = SwapTalkTelemetry.Source.StartActivity($"activity {name}", ActivityKind.Internal);
        span?.SetTag(SwapTalkTelemetry.Tags.Activity, name);
        span?.SetTag(SwapTalkTelemetry.Tags.WorkflowInstance, instanceId);
        if (input is IJobScoped scoped) span?.SetTag(SwapTalkTelemetry.Tags.JobId, scoped.JobId);
        if (input is ISegmentScoped segment) span?.SetTag(SwapTalkTelemetry.Tags.SegmentIndex, segment.SegmentIndex);
        try
        {
            // Durable does not tell an activity which attempt it is (each retry is a new call): attempt 1.
            var output = await registration.InvokeAsync(input, new ActivityCallContext(name, instanceId ?? "", 1), cancellationToken);
            span?.SetTag(SwapTalkTelemetry.Tags.Outcome, SwapTalkTelemetry.Outcomes.Succeeded);
            return (TOutput)output!;
        }
        catch (Exception ex)
        {
            SwapTalkTelemetry.RecordFailure(span, ex);
            throw;
        }
    }

    /// <summary>
    /// The orchestration instance id an activity trigger carries in its binding data (<c>instanceId</c>); a string,
    /// or JSON text of one depending on the host. Null when absent.
    /// </summary>
    public static string? InstanceIdOf(IReadOnlyDictionary<string, object?> bindingData)
    {
        ArgumentNullException.ThrowIfNull(bindingData);
        var value = bindingData.FirstOrDefault(p => string.Equals(p.Key, "instanceId", StringComparison.OrdinalIgnoreCase)).Value;
        var text = value switch
        {
            string s => s,
            JsonElement { ValueKind: JsonValueKind.String } e => e.GetString(),
            null => null,
            var other => other.ToString(),
        };
        if (text is { Length: >= 2 } && text[0] == '"' && text[^1] == '"')
        {
            try
            {
                text = JsonSerializer.Deserialize<string>(text);
            }
            catch (JsonException)
            {
                // Not JSON after all: keep the text.
            }
        }
        return string.IsNullOrEmpty(text) ? null : text;
    }
}
