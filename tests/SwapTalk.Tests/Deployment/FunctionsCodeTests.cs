using System.Xml.Linq;
using SwapTalk.Core.Hosting;
using SwapTalk.Core.Hosting.Http;
using SwapTalk.Core.Hosting.Starting;

namespace SwapTalk.Tests.Deployment;

/// <summary>
/// The Functions app's code against the core's names and the deployment assets. The app cannot be compiled here
/// (its packages do not restore), so these checks read it as text.
/// </summary>
public class FunctionsCodeTests
{
    private static DeploymentAssets Assets => DeploymentAssets.Current;

    private static void ShouldHaveNoProblems(IEnumerable<string> problems) =>
        problems.Should().BeEmpty("the Functions code and its counterparts disagree:\n  " + string.Join("\n  ", problems));

    [Fact]
    public void Every_function_has_a_constant_unique_name_and_one_trigger()
    {
        Assets.Functions.Functions.Should().HaveCount(HostFunctionNames.Triggers.Count + CloudWorkflows.Catalog.Names.Count + CloudWorkflows.ActivityNamesAll.Count);
        ShouldHaveNoProblems(FunctionsCodeChecks.Declarations(Assets.Functions));
    }

    [Fact]
    public void Every_trigger_workflow_and_activity_the_deployment_and_the_workflows_call_exists_with_its_trigger() =>
        ShouldHaveNoProblems(FunctionsCodeChecks.Names(Assets.Functions, HostFunctionNames.Triggers, CloudWorkflows.Catalog.Names, CloudWorkflows.ActivityNamesAll));

    [Fact]
    public void The_event_grid_webhook_names_the_inbox_blob_trigger_which_listens_to_event_grid_on_the_inbox()
    {
        var subscription = Assets.Bicep.Values.Single(b => b.Path.EndsWith("eventgrid-subscription.bicep", StringComparison.Ordinal));
        subscription.Text.Should().Contain("functionName=Host.Functions.${functionName}");
        Assets.PostDeployHook.Should().Contain($"function_name=\"{HostFunctionNames.InboxManifest}\"");
        Assets.Functions.Functions.Should().Contain(f => f.Name == HostFunctionNames.InboxManifest && f.Trigger == "BlobTrigger");
        ShouldHaveNoProblems(FunctionsCodeChecks.InboxTrigger(Assets.Functions));
    }

    [Fact]
    public void Http_functions_require_a_function_key_and_use_the_apis_routes_under_host_jsons_prefix()
    {
        ShouldHaveNoProblems(FunctionsCodeChecks.HttpAuthorization(Assets.Functions));
        Assets.HostJson.GetProperty("extensions").GetProperty("http").GetProperty("routePrefix").GetString().Should().Be(JobLinks.RoutePrefix);
        Assets.Functions.Functions.Where(f => f.Trigger == "HttpTrigger").Select(f => f.Name).Should()
            .BeEquivalentTo([HostFunctionNames.StartJob, HostFunctionNames.GetJobStatus, HostFunctionNames.GetJobResult, HostFunctionNames.CancelJob]);
    }

    [Fact]
    public void Every_setting_the_functions_read_is_an_app_setting_name_the_deployment_knows()
    {
        ShouldHaveNoProblems(FunctionsCodeChecks.Settings(Assets.Functions, AppSettingNames.Catalog));
        var timer = Assets.Functions.Functions.Single(f => f.Trigger == "TimerTrigger");
        FunctionsSource.EvaluateConstant(timer.TriggerArguments).Should().Be($"%{AppSettingNames.BatchSchedule}%");
        Assets.BicepAppSettings.Should().Contain([AppSettingNames.BatchSchedule, AppSettingNames.InboxContainer, AppSettingNames.StorageBlobServiceUri],
            "the triggers' settings are set by the deployment");
    }

    [Fact]
    public void Activity_functions_only_hand_their_input_to_the_activity_of_their_name() =>
        ShouldHaveNoProblems(FunctionsCodeChecks.ActivitiesDelegate(Assets.Functions));

    [Fact]
    public void The_project_file_is_a_functions_worker_with_centrally_pinned_packages_and_the_dockerfile_publishes_it()
    {
        var project = XDocument.Load(Path.Combine(Assets.FunctionsProjectDir, "SwapTalk.Functions.csproj"));
        ShouldHaveNoProblems(FunctionsCodeChecks.ProjectFile(project, XDocument.Load(Assets.Path("Directory.Packages.props"))));
        Assets.Dockerfile.Arguments("RUN").Should().Contain(r => r.Contains("dotnet publish src/SwapTalk.Functions/SwapTalk.Functions.csproj"));
    }

    [Fact]
    public void The_test_command_never_builds_what_cannot_restore_here_and_the_solution_builds_everything()
    {
        ShouldHaveNoProblems(FunctionsCodeChecks.TestCommandIsolation(File.ReadAllText(Assets.Path("scripts/test.sh")),
            XDocument.Load(Assets.Path("tests/SwapTalk.Tests/SwapTalk.Tests.csproj"))));
        var solution = File.ReadAllText(Assets.Path("SwapTalk.Functions.sln"));
        foreach (var project in new[] { @"src\SwapTalk.Core\SwapTalk.Core.csproj", @"src\SwapTalk.Cli\SwapTalk.Cli.csproj", @"src\SwapTalk.Functions\SwapTalk.Functions.csproj",
                     @"tests\SwapTalk.Tests\SwapTalk.Tests.csproj", @"tests\SwapTalk.Functions.Tests\SwapTalk.Functions.Tests.csproj" })
        {
            solution.Should().Contain($"\"{project}\"", "`dotnet build SwapTalk.Functions.sln` builds everything where nuget.org is reachable");
            File.Exists(Assets.Path(project.Replace('\\', '/'))).Should().BeTrue();
        }
        var contractProject = XDocument.Load(Assets.Path("tests/SwapTalk.Functions.Tests/SwapTalk.Functions.Tests.csproj"));
        foreach (var linked in contractProject.Descendants("Compile").Select(e => (string)e.Attribute("Include")!))
            File.Exists(Path.GetFullPath(Path.Combine(Assets.Path("tests/SwapTalk.Functions.Tests"), linked.Replace('\\', '/'))))
                .Should().BeTrue($"the contract project compiles '{linked}'");
    }
}
