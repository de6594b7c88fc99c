using System.Reflection;
using System.Text.RegularExpressions;
using SwapTalk.Core.Workflow;
using SwapTalk.Tests.Deployment;
using SwapTalk.Tests.Support;

namespace SwapTalk.Tests.Hosting;

/// <summary>
/// The Durable adapter (src/SwapTalk.Functions/Durable/DurableWorkflowContext.cs) holds no logic the core's tests do not
/// cover. It cannot be compiled here, so its source is read: every member must be a single delegating expression
/// (to Durable's context, or to <see cref="Core.Hosting.Durable.DurableMapping"/>), with no branches, loops or state;
/// the one block allowed is the try/catch that turns Durable's TaskFailedException into the core's exception.
/// </summary>
public class DurableAdapterShapeTests
{
    private const string AllowedTranslate =
        "private static async Task<TResult> Translate<TResult>(Func<Task<TResult>> call) { try { return await call(); } " +
        "catch (TaskFailedException failed) { throw new WorkflowTaskFailedException(failed.TaskName, failed.TaskId, Failure(failed.FailureDetails)); } }";

    private static readonly Regex Forbidden = new(@"\bif\b|\bswitch\b|\bfor\b|\bforeach\b|\bwhile\b|\bdo\b|\bgoto\b|\bcatch\b|\bthrow\b|\bis\b|\bnew\s+\w+\s*\{|&&|\|\||\?\?|\s\?\s|=>\s*\{|\+\+|--");

    public static IReadOnlyList<string> Members(string source)
    {
        var text = FunctionsSource.StripComments(source);
        var masked = FunctionsSource.MaskStrings(text);
        var classMatch = Regex.Match(masked, @"class\s+DurableWorkflowContext\b[^{]*\{");
        if (!classMatch.Success) throw new FormatException("class DurableWorkflowContext not found");
        var members = new List<string>();
        var depth = 0;
        var start = classMatch.Index + classMatch.Length;
        for (var i = start; i < masked.Length; i++)
        {
            var c = masked[i];
            if (c is '(' or '{' or '[') depth++;
            else if (c is ')' or ']') depth--;
            else if (c == '}')
            {
                if (depth == 0) break; // end of the class
                if (--depth == 0) { members.Add(Normalize(text[start..(i + 1)])); start = i + 1; }
            }
            else if (c == ';' && depth == 0) { members.Add(Normalize(text[start..(i + 1)])); start = i + 1; }
        }
        return members.Where(m => m.Length > 0).ToList();
    }

    private static string Normalize(string member) => Regex.Replace(member, @"\s+", " ").Trim();

    /// <summary>The problems with an adapter source; empty when every member has an allowed shape.</summary>
    public static IEnumerable<string> Problems(string source)
    {
        var members = Members(source);
        foreach (var member in members)
        {
            if (member == AllowedTranslate) continue;
            var arrow = member.IndexOf("=>", StringComparison.Ordinal);
            if (arrow < 0 || member.Contains('{'))
            {
                yield return $"not a single delegating expression: '{member}'";
                continue;
            }
            var body = member[(arrow + 2)..].Trim();
            var forbidden = Forbidden.Match(body);
            if (forbidden.Success) yield return $"'{forbidden.Value.Trim()}' in '{member}': decisions belong in the core (DurableMapping, WorkflowRetryPolicy)";
            var isPublic = member.StartsWith("public ", StringComparison.Ordinal);
            if (isPublic && !body.StartsWith("context.", StringComparison.Ordinal) && !body.StartsWith("Translate(() => context.", StringComparison.Ordinal))
                yield return $"public member does not delegate to Durable's context: '{member}'";
            if (!isPublic && !body.StartsWith("DurableMapping.", StringComparison.Ordinal))
                yield return $"helper does not delegate to the core's DurableMapping: '{member}'";
        }
        var declared = members.Where(m => m.StartsWith("public ", StringComparison.Ordinal)).ToList();
        foreach (var port in typeof(IWorkflowContext).GetMembers(BindingFlags.Public | BindingFlags.Instance).Where(m => m is not MethodInfo { IsSpecialName: true }))
            if (!declared.Any(d => Regex.IsMatch(d, $@"\b{port.Name}\b(<\w+>)?\s*(\(|=>)")))
                yield return $"IWorkflowContext.{port.Name} is not implemented as a public member";
    }

    [Fact]
    public void The_adapter_is_member_by_member_delegation_covering_the_whole_port()
    {
        var source = File.ReadAllText(Path.Combine(RepoPaths.Root, "src", "SwapTalk.Functions", "Durable", "DurableWorkflowContext.cs"));
        var problems = Problems(source).ToList();
        problems.Should().BeEmpty("the Durable adapter must stay a mapping:\n  " + string.Join("\n  ", problems));
        Members(source).Should().Contain(AllowedTranslate, "failed tasks must surface as the core's WorkflowTaskFailedException");
        source.Should().Contain("DurableMapping.RetryAsync(policy, retry.LastAttemptNumber", "retries are decided by the core's policy")
            .And.Contain("retry.OrchestrationContext.CreateTimer(delay", "backoff waits on a durable timer")
            .And.Contain("new SubOrchestrationOptions(Retry(options), instanceId)", "batches run as sub-orchestrations with the workflow's instance ids");
    }

    [Theory]
    [InlineData("public Guid NewGuid() => context.NewGuid();", "public Guid NewGuid() => IsReplaying ? Guid.Empty : context.NewGuid();", "'?' in")]
    [InlineData("public bool IsReplaying => context.IsReplaying;", "public bool IsReplaying { get { if (context.IsReplaying) return true; return false; } }", "not a single delegating expression")]
    [InlineData("public string InstanceId => context.InstanceId;", "public string InstanceId => Guid.NewGuid().ToString();", "does not delegate to Durable's context")]
    [InlineData("public void SetCustomStatus(object? customStatus) => context.SetCustomStatus(customStatus);", "", "IWorkflowContext.SetCustomStatus is not implemented")]
    [InlineData("public Guid NewGuid() => context.NewGuid();", "public Guid NewGuid() => context.NewGuid();\n    private int _calls;", "not a single delegating expression")]
    public void The_shape_rules_catch_logic_or_state_added_to_the_adapter(string from, string to, string problem)
    {
        var source = File.ReadAllText(Path.Combine(RepoPaths.Root, "src", "SwapTalk.Functions", "Durable", "DurableWorkflowContext.cs"));
        source.Should().Contain(from);
        Problems(source.Replace(from, to)).Should().Contain(p => p.Contains(problem));
    }
}
