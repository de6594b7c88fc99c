using System.Xml.Linq;
using SwapTalk.Core.Hosting;

namespace SwapTalk.Tests.Deployment;

/// <summary>The Functions-code rules on small broken inputs: each rule catches the mistake it exists for.</summary>
public class FunctionsCodeRulesTests
{
    private const string Good = """
        public sealed class Http(JobApi api)
        {
            // [Function("Commented")] is not code
            [Function(HostFunctionNames.StartJob)]
            public Task<HttpResponseData> StartJob(
                [HttpTrigger(AuthorizationLevel.Function, "post", Route = JobLinks.JobsRoute)] HttpRequestData request) => Handle(request);
        }
        public sealed class Inbox
        {
            [Function(HostFunctionNames.InboxManifest)]
            public async Task Run(
                [BlobTrigger("%" + AppSettingNames.InboxContainer + "%/{name}", Source = BlobTriggerSource.EventGrid, Connection = AppSettingNames.StorageConnection)]
                BlobClient manifest)
            {
                await Task.CompletedTask;
            }
        }
        public sealed class Acts(ActivityRegistry registry)
        {
            [Function(ActivityNames.PlanJob)]
            public Task<PlanJobResult> PlanJob([ActivityTrigger] PlanJobInput input, CancellationToken cancellationToken) =>
                Run<PlanJobInput, PlanJobResult>(ActivityNames.PlanJob, input, cancellationToken);
        }
        """;

    private static FunctionsSource Source(string text) => FunctionsSource.Parse(("F.cs", text));

    [Fact]
    public void The_reader_resolves_names_triggers_and_constant_attribute_arguments()
    {
        var source = Source(Good);
        source.Functions.Select(f => (f.Name, f.Trigger)).Should().Equal(
            ("StartJob", "HttpTrigger"), ("InboxManifest", "BlobTrigger"), ("PlanJob", "ActivityTrigger"));
        FunctionsSource.EvaluateConstant("\"%\" + AppSettingNames.InboxContainer + \"%/{name}\"").Should().Be("%SWAPTALK_INBOX_CONTAINER%/{name}");
        FunctionsSource.EvaluateConstant("SwapTalk.Core.Hosting.HostFunctionNames.BatchDubbing").Should().Be("BatchDubbing");
        FunctionsSource.EvaluateConstant("nameof(Foo)").Should().BeNull();
        FunctionsSource.EvaluateConstant("Unknown.Thing").Should().BeNull();
        FunctionsCodeChecks.Declarations(source).Should().BeEmpty();
        FunctionsCodeChecks.HttpAuthorization(source).Should().BeEmpty();
        FunctionsCodeChecks.InboxTrigger(source).Should().BeEmpty();
        FunctionsCodeChecks.Settings(source, AppSettingNames.Catalog).Should().BeEmpty();
        FunctionsCodeChecks.ActivitiesDelegate(source).Should().BeEmpty();
    }

    [Fact]
    public void Missing_extra_duplicate_and_mistriggered_functions_are_reported()
    {
        var source = Source(Good + """
            public sealed class More
            {
                [Function(ActivityNames.PlanJob)]
                public Task Again([ActivityTrigger] PlanJobInput input) => Task.CompletedTask;
                [Function("Stitch")]
                public Task Stitch([OrchestrationTrigger] TaskOrchestrationContext context) => Task.CompletedTask;
                [Function("Polling")]
                public Task Polling([TimerTrigger("0 * * * * *")] TimerInfo timer) => Task.CompletedTask;
                [Function(nameof(NoConstant))]
                public Task NoConstant(HttpRequestData request) => Task.CompletedTask;
            }
            """);
        FunctionsCodeChecks.Declarations(source).Should().Contain(p => p.Contains("nameof(NoConstant)") && p.Contains("not a literal or a constant"))
            .And.Contain(p => p.Contains("has no trigger attribute"))
            .And.Contain(p => p.Contains("'PlanJob' is declared 2 times"));
        var names = FunctionsCodeChecks.Names(source, [HostFunctionNames.StartJob, HostFunctionNames.InboxManifest, HostFunctionNames.BatchDubbing],
            ["DubJob"], ["PlanJob", "Stitch", "WriteReport"]).ToList();
        names.Should().Contain(p => p.Contains("HostFunctionNames.BatchDubbing has no [Function"));
        names.Should().Contain(p => p.Contains("workflow 'DubJob' has no [Function"));
        names.Should().Contain(p => p.Contains("function 'Stitch' is the activity 'Stitch' but uses [OrchestrationTrigger]"));
        names.Should().Contain(p => p.Contains("activity 'WriteReport' has no [Function"));
        names.Should().Contain(p => p.Contains("[OrchestrationTrigger] function 'Stitch' is not a workflow"));
        names.Should().Contain(p => p.Contains("trigger function 'Polling' is not in HostFunctionNames.Triggers"));
    }

    [Theory]
    [InlineData("[HttpTrigger(\"post\", Route = JobLinks.JobsRoute)]", "it must start with AuthorizationLevel.Function")]
    [InlineData("[HttpTrigger(AuthorizationLevel.Anonymous, \"post\", Route = JobLinks.JobsRoute)]", "HttpTrigger(AuthorizationLevel.Anonymous")]
    [InlineData("[HttpTrigger(AuthorizationLevel.Function, \"post\")]", "has no constant Route")]
    public void Http_functions_without_a_function_key_or_a_route_are_reported(string attribute, string problem)
    {
        var source = Source(Good.Replace("[HttpTrigger(AuthorizationLevel.Function, \"post\", Route = JobLinks.JobsRoute)]", attribute));
        FunctionsCodeChecks.HttpAuthorization(source).Should().ContainSingle().Which.Should().Contain(problem);
    }

    [Theory]
    [InlineData("Source = BlobTriggerSource.EventGrid, ", "", "Source = BlobTriggerSource.EventGrid")]
    [InlineData("BlobTriggerSource.EventGrid", "BlobTriggerSource.LogsAndContainerScan", "Source = BlobTriggerSource.EventGrid")]
    [InlineData("AppSettingNames.StorageConnection", "\"AzureWebJobsStorage\"", "Connection = AppSettingNames.StorageConnection")]
    [InlineData("AppSettingNames.InboxContainer", "AppSettingNames.JobsContainer", "expected '%SWAPTALK_INBOX_CONTAINER%/{name}'")]
    public void An_inbox_trigger_the_event_grid_subscription_would_miss_is_reported(string from, string to, string problem)
    {
        var source = Source(Good.Replace(from, to));
        FunctionsCodeChecks.InboxTrigger(source).Should().Contain(p => p.Contains(problem));
    }

    [Fact]
    public void Settings_read_around_the_catalog_are_reported()
    {
        var source = Source(Good.Replace("AppSettingNames.InboxContainer", "\"SWAPTALK_INBOXES\"") + """
            static class Reads
            {
                static string? A() => Environment.GetEnvironmentVariable("X");
                static string? B(IConfiguration c) => c["SWAPTALK_MODELS_DIR"];
                static string C => AppSettingNames.NoSuchSetting;
            }
            """);
        var problems = FunctionsCodeChecks.Settings(source, AppSettingNames.Catalog).ToList();
        problems.Should().Contain(p => p.Contains("'%SWAPTALK_INBOXES%'") && p.Contains("does not know"));
        problems.Should().Contain(p => p.Contains("reads the environment directly"));
        problems.Should().Contain(p => p.Contains("\"SWAPTALK_MODELS_DIR\" spells a setting name"));
        problems.Should().Contain(p => p.Contains("AppSettingNames.NoSuchSetting is not a constant"));
    }

    [Theory]
    [InlineData("Run<PlanJobInput, PlanJobResult>(ActivityNames.Stitch, input, cancellationToken);", "runs activity ActivityNames.Stitch")]
    [InlineData("Run<PlanJobInput, PlanJobResult>(ActivityNames.PlanJob, input with { JobId = \"x\" }, cancellationToken);", "must be '=> Run<TIn, TOut>")]
    public void Activity_functions_doing_more_than_delegating_are_reported(string body, string problem)
    {
        var source = Source(Good.Replace("Run<PlanJobInput, PlanJobResult>(ActivityNames.PlanJob, input, cancellationToken);", body));
        FunctionsCodeChecks.ActivitiesDelegate(source).Should().ContainSingle().Which.Should().Contain(problem);
    }

    [Fact]
    public void Project_file_rules_catch_unpinned_packages_a_missing_core_reference_and_an_unlinked_host_json()
    {
        var project = XDocument.Parse("""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup><OutputType>Library</OutputType></PropertyGroup>
              <ItemGroup><PackageReference Include="Some.Unpinned" /></ItemGroup>
            </Project>
            """);
        var packages = XDocument.Parse("<Project><ItemGroup><PackageVersion Include=\"Azure.Storage.Blobs\" Version=\"1\" /></ItemGroup></Project>");
        var problems = FunctionsCodeChecks.ProjectFile(project, packages).ToList();
        problems.Should().Contain(p => p.Contains("OutputType must be Exe"));
        problems.Should().Contain(p => p.Contains("AzureFunctionsVersion must be v4"));
        problems.Should().Contain(p => p.Contains("Microsoft.AspNetCore.App"));
        problems.Should().Contain(p => p.Contains("'Some.Unpinned' has no PackageVersion"));
        problems.Should().Contain(p => p.Contains("'Microsoft.Azure.Functions.Worker.Extensions.DurableTask' is not referenced"));
        problems.Should().Contain(p => p.Contains("does not reference SwapTalk.Core"));
        problems.Should().Contain(p => p.Contains("host.json"));
    }

    [Fact]
    public void A_test_command_that_builds_the_solution_or_a_test_project_that_references_the_app_is_reported()
    {
        var testProject = XDocument.Parse("""<Project><ItemGroup><ProjectReference Include="..\..\src\SwapTalk.Functions\SwapTalk.Functions.csproj" /></ItemGroup></Project>""");
        var problems = FunctionsCodeChecks.TestCommandIsolation("exec dotnet test \"$root/SwapTalk.Functions.sln\" -c Release", testProject).ToList();
        problems.Should().Contain(p => p.Contains("builds '$root/SwapTalk.Functions.sln'"));
        problems.Should().Contain(p => p.Contains("references") && p.Contains("SwapTalk.Functions.csproj"));
        FunctionsCodeChecks.TestCommandIsolation("exec dotnet test \"$root/tests/SwapTalk.Tests/SwapTalk.Tests.csproj\"", XDocument.Parse("<Project />"))
            .Should().BeEmpty();
    }
}
