using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using SwapTalk.Core.Activities;
using SwapTalk.Functions.Composition;
using SwapTalk.Functions.Functions;
using SwapTalk.Functions.Settings;

namespace SwapTalk.Functions.Tests.Deployment;

/// <summary>
/// The Functions app's build output: functions.metadata, which the Functions host reads to index the app, lists every
/// function with its trigger and bindings as the host expects them.
/// </summary>
public sealed class FunctionsMetadataTests
{
    private static readonly Lazy<IReadOnlyDictionary<string, JsonNode>> Metadata = new(() =>
    {
        var path = Path.Combine(Repository.FunctionsOutput, "functions.metadata");
        File.Exists(path).Should().BeTrue($"the Functions app's build writes {path}");
        return JsonNode.Parse(File.ReadAllText(path))!.AsArray().ToDictionary(f => f!["name"]!.GetValue<string>(), f => f!);
    });

    private static JsonNode Binding(string function, string type) =>
        Metadata.Value[function]["bindings"]!.AsArray().Single(b => b!["type"]!.GetValue<string>() == type)!;

    private static IEnumerable<JsonNode> Bindings(string function) => Metadata.Value[function]["bindings"]!.AsArray().Select(b => b!);

    [Fact]
    public void Every_function_in_the_assembly_is_listed_once_with_exactly_one_trigger()
    {
        var declared = typeof(JobHttpFunctions).Assembly.GetTypes().SelectMany(t => t.GetMethods())
            .Select(m => m.GetCustomAttribute<FunctionAttribute>()?.Name).OfType<string>().ToList();
        declared.Should().OnlyHaveUniqueItems();
        Metadata.Value.Keys.Should().BeEquivalentTo(declared);
        foreach (var name in declared)
        {
            Bindings(name).Count(b => b["type"]!.GetValue<string>().EndsWith("Trigger", StringComparison.Ordinal)).Should().Be(1, name);
            Metadata.Value[name]["scriptFile"]!.GetValue<string>().Should().Be("SwapTalk.Functions.dll");
        }
        HostFunctionNames.Triggers.Should().BeSubsetOf(declared);
    }

    [Theory]
    [InlineData(HostFunctionNames.StartJob, "post", "jobs")]
    [InlineData(HostFunctionNames.GetJobStatus, "get", "jobs/{jobId}")]
    [InlineData(HostFunctionNames.GetJobResult, "get", "jobs/{jobId}/result")]
    [InlineData(HostFunctionNames.CancelJob, "post", "jobs/{jobId}/cancel")]
    [InlineData(HostFunctionNames.ListJobs, "get", "jobs")]
    [InlineData(HostFunctionNames.GetJobFile, "get", "jobs/{jobId}/files/{file}")]
    public void Http_functions_need_a_function_key_and_take_a_durable_client(string name, string method, string route)
    {
        var trigger = Binding(name, "httpTrigger");
        trigger["authLevel"]!.GetValue<string>().Should().Be("Function");
        trigger["methods"]!.AsArray().Select(m => m!.GetValue<string>()).Should().Equal(method);
        trigger["route"]!.GetValue<string>().Should().Be(route);
        Binding(name, "http")["direction"]!.GetValue<string>().Should().Be("Out");
        Binding(name, "durableClient")["direction"]!.GetValue<string>().Should().Be("In");
    }

    [Theory]
    [InlineData(HostFunctionNames.Upload, "post", "uploads/{kind}")]
    [InlineData(HostFunctionNames.GetUploadThumbnail, "get", "uploads/{kind}/{uploadId}/thumbnail")]
    public void Upload_functions_need_a_function_key(string name, string method, string route)
    {
        var trigger = Binding(name, "httpTrigger");
        trigger["authLevel"]!.GetValue<string>().Should().Be("Function");
        trigger["methods"]!.AsArray().Select(m => m!.GetValue<string>()).Should().Equal(method);
        trigger["route"]!.GetValue<string>().Should().Be(route);
    }

    [Fact]
    public void The_page_alone_is_anonymous_and_holds_no_data()
    {
        var trigger = Binding(HostFunctionNames.Page, "httpTrigger");
        trigger["authLevel"]!.GetValue<string>().Should().Be("Anonymous");
        trigger["methods"]!.AsArray().Select(m => m!.GetValue<string>()).Should().Equal("get");
        trigger["route"]!.GetValue<string>().Should().Be("page/{*file}");
        Metadata.Value.Where(f => Bindings(f.Key).Any(b => b["type"]!.GetValue<string>() == "httpTrigger" && b["authLevel"]!.GetValue<string>() == "Anonymous"))
            .Select(f => f.Key).Should().Equal(HostFunctionNames.Page);
    }

    [Fact]
    public void The_inbox_is_an_event_grid_blob_trigger_and_the_batch_a_timer_on_the_configured_schedule()
    {
        var blob = Binding(HostFunctionNames.InboxManifest, "blobTrigger");
        blob["path"]!.GetValue<string>().Should().Be($"%{AppSettingNames.InboxContainer}%/{{name}}");
        blob["source"]!.GetValue<string>().Should().Be("EventGrid");
        blob["connection"]!.GetValue<string>().Should().Be(AppSettingNames.StorageConnection);
        Binding(HostFunctionNames.InboxManifest, "durableClient").Should().NotBeNull();

        Binding(HostFunctionNames.BatchDubbing, "timerTrigger")["schedule"]!.GetValue<string>().Should().Be($"%{AppSettingNames.BatchSchedule}%");
        Binding(HostFunctionNames.BatchDubbing, "durableClient").Should().NotBeNull();
    }

    [Fact]
    public void Orchestrators_and_activities_have_their_durable_triggers()
    {
        var orchestrators = Metadata.Value.Where(f => Bindings(f.Key).Any(b => b["type"]!.GetValue<string>() == "orchestrationTrigger")).Select(f => f.Key).ToList();
        var activities = Metadata.Value.Where(f => Bindings(f.Key).Any(b => b["type"]!.GetValue<string>() == "activityTrigger")).Select(f => f.Key).ToList();
        orchestrators.Should().Contain(SwapTalk.Azure.Starting.CloudWorkflowNames.CloudDubJob);
        activities.Should().NotBeEmpty();
        (orchestrators.Count + activities.Count + HostFunctionNames.Triggers.Count).Should().Be(Metadata.Value.Count, "every function is a trigger, an orchestrator or an activity");
    }

    [Fact]
    public void The_activity_functions_are_the_one_activity_list_the_composition_root_builds()
    {
        // The app's own composition (the same AddSwapTalk the CLI and the fleet call): its registry is the one list; the
        // [ActivityTrigger] wrappers the programming model needs must name exactly that list, no more, no fewer.
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [AppSettingNames.ModelsDir] = "/m",
            [AppSettingNames.StorageConnection] = "UseDevelopmentStorage=true",
            ["PATH"] = Environment.GetEnvironmentVariable("PATH"), // where the media engine finds ffmpeg, as the app's environment does
        }).Build();
        using var services = new ServiceCollection().AddLogging().AddSwapTalkFunctions(configuration).BuildServiceProvider();
        var registry = services.GetRequiredService<ActivityRegistry>();
        var activities = Metadata.Value.Where(f => Bindings(f.Key).Any(b => b["type"]!.GetValue<string>() == "activityTrigger")).Select(f => f.Key);
        activities.Should().BeEquivalentTo(registry.Names);
        registry.Names.Should().Contain(ActivityNames.All).And.Contain(SwapTalk.Azure.Starting.HostingActivityNames.StageInputs);
    }
}
