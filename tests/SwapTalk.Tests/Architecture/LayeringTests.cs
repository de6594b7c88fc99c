using System.Reflection;
using System.Reflection.Emit;
using SwapTalk.Core.Activities;

namespace SwapTalk.Tests.Architecture;

/// <summary>
/// The layers of docs/architecture.md, read from the compiled assemblies (their references and the types each type's
/// signatures and method bodies use), not from source text: Core knows no host and no Azure; inside Core, no
/// namespace uses one of a higher layer; the hosts' libraries do not use each other upwards.
/// </summary>
public sealed class LayeringTests
{
    private static readonly Assembly Core = typeof(PipelineServices).Assembly;
    private static readonly Assembly Azure = typeof(SwapTalk.Azure.Starting.JobStores).Assembly;
    private static readonly Assembly Http = typeof(SwapTalk.Http.JobApi).Assembly;
    private static readonly Assembly Fleet = typeof(SwapTalk.Fleet.FleetWorker).Assembly;
    private static readonly Assembly Cli = typeof(SwapTalk.Cli.Program).Assembly;
    private static readonly Assembly Bench = typeof(SwapTalk.Bench.BenchProgram).Assembly;

    /// <summary>Core's layers, lowest first: a namespace may use its own layer and those below, never one above.</summary>
    private static readonly string[][] CoreLayers =
    [
        ["Telemetry"],
        ["Imaging", "Inference", "Media", "Models", "Vision"],
        ["Jobs", "Storage", "Files"],
        ["Stages", "Evaluation"],
        ["Engines"],
        ["Activities"],
        ["Workflow", "Execution", "FollowUps"],
        ["Composition"],
    ];

    /// <summary>Types placed by name rather than by namespace: <c>Files.AtomicFile</c> depends on nothing of ours, and the
    /// kernels' writers (Media) write through it, so it sits with the kernels while the rest of Files (output checks,
    /// which report <c>Jobs</c> errors) is job model.</summary>
    private static readonly Dictionary<string, int> TypeLayers = new(StringComparer.Ordinal) { ["SwapTalk.Core.Files.AtomicFile"] = 1 };

    [Fact]
    public void Core_references_no_host_no_azure_and_no_command_line()
    {
        References(Core).Should().NotContain(name =>
            name.StartsWith("SwapTalk.", StringComparison.Ordinal) || name.StartsWith("swaptalk", StringComparison.Ordinal)
            || name.StartsWith("Azure.", StringComparison.Ordinal) || name.StartsWith("Microsoft.Azure.", StringComparison.Ordinal)
            // The Durable Task SDK's abstractions (and DurableTask.Core under them) are the workflow's own types; the Azure Storage backend is a host's.
            || name.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal) || name == "DurableTask.AzureStorage"
            || name.StartsWith("Microsoft.Extensions.Hosting", StringComparison.Ordinal)
            || name == "System.CommandLine" || name == "Spectre.Console");
    }

    [Fact]
    public void The_hosts_libraries_depend_downwards_only()
    {
        // Core <- Azure <- Http, Fleet <- the swaptalk command <- swaptalk-bench; the Functions app has its own test.
        References(Azure).Where(IsOurs).Should().BeEquivalentTo(["SwapTalk.Core"]);
        References(Azure).Should().NotContain(name => name.StartsWith("Microsoft.Azure.Functions", StringComparison.Ordinal)
            || name == "DurableTask.AzureStorage" || name == "System.CommandLine");
        References(Fleet).Where(IsOurs).Should().BeSubsetOf(["SwapTalk.Core", "SwapTalk.Azure"]);
        References(Fleet).Should().NotContain(name => name.StartsWith("Microsoft.Azure.Functions", StringComparison.Ordinal) || name == "System.CommandLine");
        References(Http).Where(IsOurs).Should().BeSubsetOf(["SwapTalk.Core", "SwapTalk.Azure"], "the job API serves both hosts and knows neither");
        References(Http).Should().NotContain(name => name.StartsWith("Microsoft.Azure.Functions", StringComparison.Ordinal)
            || name == "DurableTask.AzureStorage" || name == "System.CommandLine");
        References(Cli).Where(IsOurs).Should().BeSubsetOf(["SwapTalk.Core", "SwapTalk.Azure", "SwapTalk.Fleet", "SwapTalk.Http"]);
        References(Bench).Should().Contain("swaptalk", "the bench runs the CLI as a child process from beside itself");
        Cli.GetTypes().Should().NotContain(t => t.Namespace != null && t.Namespace.Contains("Bench", StringComparison.Ordinal),
            "the swaptalk command ships no benchmarks");
    }

    [Fact]
    public void Core_namespaces_use_their_own_layer_or_lower()
    {
        var violations = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var type in Core.GetTypes())
        {
            var from = LayerOf(type);
            if (from is null) continue;
            foreach (var used in UsedTypes(type))
            {
                var to = LayerOf(used);
                if (to is { } t && t.Rank > from.Value.Rank)
                    violations.Add($"{from.Value.Name} -> {t.Name}: {Outer(type).FullName} uses {used.FullName}");
            }
        }
        violations.Should().BeEmpty();
    }

    [Fact]
    public void The_layer_walker_sees_method_bodies_and_signatures()
    {
        // The check above must be able to fail: a known upward use inside a body, and one in a signature.
        UsedTypes(typeof(Probe)).Should().Contain(typeof(PipelineServices)).And.Contain(typeof(SwapTalk.Core.Workflow.DubJobOrchestrator));
    }

    private sealed class Probe
    {
        public static object? Body() => typeof(PipelineServices).Name.Length > 0 ? null : new object();

        public static void Signature(SwapTalk.Core.Workflow.DubJobOrchestrator orchestrator) => _ = orchestrator;
    }

    private static bool IsOurs(string name) =>
        name.StartsWith("SwapTalk.", StringComparison.Ordinal) || name.StartsWith("swaptalk", StringComparison.Ordinal);

    private static string[] References(Assembly assembly) => assembly.GetReferencedAssemblies().Select(a => a.Name!).ToArray();

    private static Type Outer(Type type) => type.DeclaringType is { } d ? Outer(d) : type;

    private static (string Name, int Rank)? LayerOf(Type type)
    {
        var outer = Outer(type);
        if (outer.FullName is { } name && TypeLayers.TryGetValue(name, out var placed)) return (outer.Name, placed);
        return LayerOf(type.Namespace);
    }

    private static (string Name, int Rank)? LayerOf(string? ns)
    {
        const string prefix = "SwapTalk.Core.";
        if (ns is null || !ns.StartsWith(prefix, StringComparison.Ordinal)) return null;
        var top = ns[prefix.Length..].Split('.')[0];
        for (var rank = 0; rank < CoreLayers.Length; rank++)
            if (CoreLayers[rank].Contains(top)) return (top, rank);
        throw new InvalidOperationException($"namespace {ns} is in no layer of docs/architecture.md; add it to CoreLayers");
    }

    private const BindingFlags Declared = BindingFlags.DeclaredOnly | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static;

    /// <summary>Every type a type's base, interfaces, fields, signatures and method bodies name (generic arguments included).</summary>
    private static HashSet<Type> UsedTypes(Type type)
    {
        var used = new HashSet<Type>();
        void Add(Type? t)
        {
            if (t is null || t.IsGenericParameter) return;
            if (t.HasElementType) { Add(t.GetElementType()); return; }
            if (!used.Add(t)) return;
            if (t.IsGenericType) foreach (var a in t.GetGenericArguments()) Add(a);
        }
        Add(type.BaseType);
        foreach (var i in type.GetInterfaces()) Add(i);
        foreach (var f in type.GetFields(Declared)) Add(f.FieldType);
        foreach (var p in type.GetProperties(Declared)) Add(p.PropertyType);
        foreach (var m in type.GetMethods(Declared).Cast<MethodBase>().Concat(type.GetConstructors(Declared)))
        {
            if (m is MethodInfo mi) Add(mi.ReturnType);
            foreach (var p in m.GetParameters()) Add(p.ParameterType);
            var body = m.GetMethodBody();
            if (body is null) continue;
            foreach (var local in body.LocalVariables) Add(local.LocalType);
            foreach (var token in Tokens(body.GetILAsByteArray() ?? []))
            {
                try
                {
                    var member = type.Module.ResolveMember(token, type.IsGenericType ? type.GetGenericArguments() : null,
                        m.IsGenericMethod ? m.GetGenericArguments() : null);
                    switch (member)
                    {
                        case Type t: Add(t); break;
                        case MethodBase mb:
                            Add(mb.DeclaringType);
                            if (mb.IsGenericMethod) foreach (var a in mb.GetGenericArguments()) Add(a);
                            break;
                        case FieldInfo fi: Add(fi.DeclaringType); Add(fi.FieldType); break;
                    }
                }
                catch (ArgumentException)
                {
                    // A string or signature token, not a member.
                }
            }
        }
        return used;
    }

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => o.Value);

    /// <summary>The metadata tokens of an IL stream (method, field, type and ldtoken operands).</summary>
    private static IEnumerable<int> Tokens(byte[] il)
    {
        var i = 0;
        while (i < il.Length)
        {
            short value = il[i];
            if (value == 0xFE) value = unchecked((short)(0xFE00 | il[++i]));
            i++;
            var op = OpCodesByValue[value];
            switch (op.OperandType)
            {
                case OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineType or OperandType.InlineTok:
                    yield return BitConverter.ToInt32(il, i);
                    i += 4;
                    break;
                case OperandType.InlineSwitch:
                    i += 4 + 4 * BitConverter.ToInt32(il, i);
                    break;
                case OperandType.InlineNone:
                    break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                    i += 1;
                    break;
                case OperandType.InlineVar:
                    i += 2;
                    break;
                case OperandType.InlineI8 or OperandType.InlineR:
                    i += 8;
                    break;
                default:
                    i += 4;
                    break;
            }
        }
    }
}
