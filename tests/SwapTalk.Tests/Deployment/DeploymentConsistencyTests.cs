using System.Text.Json;
using System.Text.RegularExpressions;
using SwapTalk.Core.Hosting;

namespace SwapTalk.Tests.Deployment;

/// <summary>
/// The repository's deployment assets against each other and against the names the code reads.
/// Text only: no Bicep compiler, Docker engine or azd exists here (see docs/azure.md).
/// </summary>
public class DeploymentConsistencyTests
{
    private static DeploymentAssets Assets => DeploymentAssets.Current;

    private static void ShouldHaveNoProblems(IEnumerable<string> problems) =>
        problems.Should().BeEmpty("these deployment assets disagree:\n  " + string.Join("\n  ", problems));

    [Fact]
    public void Every_module_exists_and_gets_exactly_the_params_it_declares()
    {
        Assets.Main.Modules.Should().HaveCountGreaterThan(5);
        ShouldHaveNoProblems(Assets.Bicep.Values.SelectMany(f => DeploymentChecks.Modules(f, p => Assets.Resolve(f, p))));
    }

    [Fact]
    public void Every_module_file_is_deployed_by_a_template_or_the_post_deploy_hook()
    {
        var referenced = Assets.Bicep.Values
            .SelectMany(f => f.Modules.Select(m => Assets.Resolve(f, m.Path)?.Path))
            .Where(p => p is not null).ToHashSet();
        var orphans = Assets.Bicep.Keys
            .Where(p => p != Assets.Main.Path && !referenced.Contains(p))
            .Where(p => !Assets.PostDeployHook.Contains($"bicep/modules/{Path.GetFileName(p)}", StringComparison.Ordinal));
        orphans.Should().BeEmpty("a template nobody deploys is dead weight or a missing module reference");
    }

    [Fact]
    public void Every_declared_param_is_used() =>
        ShouldHaveNoProblems(Assets.Bicep.Values.SelectMany(DeploymentChecks.UnusedParams));

    [Fact]
    public void Azd_parameters_file_sets_declared_params_and_all_required_ones() =>
        ShouldHaveNoProblems(DeploymentChecks.ParametersFile(Assets.Main, Assets.MainParameters));

    [Fact]
    public void Templates_hold_no_keys_secret_connection_strings_or_passwords()
    {
        ShouldHaveNoProblems(Assets.Bicep.Values.SelectMany(DeploymentChecks.NoSecrets));
        var storage = Assets.Bicep.Values.Single(b => b.Path.EndsWith("storage.bicep", StringComparison.Ordinal));
        storage.Text.Should().Contain("allowSharedKeyAccess: false", "every storage client must use Entra ID");
        var monitoring = Assets.Bicep.Values.Single(b => b.Path.EndsWith("monitoring.bicep", StringComparison.Ordinal));
        monitoring.Text.Should().Contain("DisableLocalAuth: true", "telemetry must authenticate with the identity");
        Assets.FunctionApp.Text.Should().Contain("type: 'UserAssigned'").And.Contain("identity: identityId",
            "the app pulls images with its identity, not a registry password");
    }

    [Fact]
    public void App_settings_set_by_bicep_and_the_image_match_the_names_the_code_reads()
    {
        var block = Assets.FunctionApp.ArrayVariableText("appSettings");
        Regex.Matches(block, @"\bname:").Count.Should().Be(Assets.BicepAppSettings.Count,
            "every setting name must be a literal so it can be checked");
        ShouldHaveNoProblems(DeploymentChecks.AppSettings(Assets.BicepAppSettings, Assets.Dockerfile.FinalEnvironment, AppSettingNames.Catalog));
    }

    [Fact]
    public void Host_json_names_settings_the_deployment_provides() =>
        ShouldHaveNoProblems(DeploymentChecks.HostJson(Assets.HostJson, Assets.BicepAppSettings));

    [Fact]
    public void Local_settings_cover_a_local_run_with_known_names_and_no_keys() =>
        ShouldHaveNoProblems(DeploymentChecks.LocalSettings(Assets.LocalSettings, AppSettingNames.Catalog));

    [Fact]
    public void Defaults_agree_between_host_json_bicep_and_the_catalog()
    {
        var durable = Assets.HostJson.GetProperty("extensions").GetProperty("durableTask");
        Assets.Main.DefaultOf("maxConcurrentActivitiesPerReplica").Should()
            .Be(durable.GetProperty("maxConcurrentActivityFunctions").GetInt32().ToString(),
                "the Bicep override and host.json must start from the same per-replica activity limit");

        string CatalogDefault(string name) => AppSettingNames.Find(name)!.Default!;
        Assets.Main.DefaultOf("batchSchedule").Should().Be(CatalogDefault(AppSettingNames.BatchSchedule));
        Assets.Main.DefaultOf("batchMaxStartsPerRun").Should().Be(CatalogDefault(AppSettingNames.BatchMaxStartsPerRun));
        Assets.Main.DefaultOf("resultUrlMinutes").Should().Be(CatalogDefault(AppSettingNames.ResultUrlMinutes));
        Regex.Match(Assets.FunctionApp.Text, @"name: 'SWAPTALK_MAX_REQUEST_BYTES', value: '(\d+)'").Groups[1].Value
            .Should().Be(CatalogDefault(AppSettingNames.MaxRequestBytes));

        foreach (var (key, setting) in new[]
                 {
                     ("inbox", AppSettingNames.InboxContainer), ("jobs", AppSettingNames.JobsContainer),
                     ("work", AppSettingNames.WorkContainer), ("batches", AppSettingNames.BatchContainer),
                 })
            Regex.Match(Assets.Main.Text, $@"\n\s*{key}:\s*'([a-z0-9-]+)'").Groups[1].Value
                .Should().Be(CatalogDefault(setting), $"main.bicep's {key} container and the code's default must agree");
    }

    [Fact]
    public void Gpu_profile_choice_is_the_two_serverless_gpu_profiles_everywhere()
    {
        string[] expected = ["Consumption-GPU-NC8as-T4", "Consumption-GPU-NC24-A100"];
        Assets.Main.AllowedValues("gpuProfileType").Should().BeEquivalentTo(expected);
        Assets.FunctionApp.AllowedValues("gpuProfileType").Should().BeEquivalentTo(expected);
        var environment = Assets.Bicep.Values.Single(b => b.Path.EndsWith("container-apps-environment.bicep", StringComparison.Ordinal));
        environment.AllowedValues("gpuProfileType").Should().BeEquivalentTo(expected);
        foreach (var profile in expected)
            Assets.FunctionApp.Text.Should().Contain($"'{profile}': {{", $"function-app.bicep needs the replica size of {profile}");
        Assets.FunctionApp.Text.Should().Contain("kind: 'functionapp'").And.Contain("workloadProfileName: gpuProfileName");
    }

    [Fact]
    public void Lifecycle_rule_deletes_the_work_container_the_code_writes_intermediates_to()
    {
        var storage = Assets.Bicep.Values.Single(b => b.Path.EndsWith("storage.bicep", StringComparison.Ordinal));
        storage.Text.Should().Contain("'${workContainerName}/'").And.Contain("daysAfterModificationGreaterThan: workRetentionDays");
        Assets.Main.Text.Should().Contain("workContainerName: containers.work");
    }

    [Fact]
    public void Azure_yaml_points_at_the_bicep_folder_the_dockerfile_and_the_functions_project()
    {
        var yaml = Assets.AzureYaml;
        yaml["infra.provider"].Should().Be("bicep");
        var bicepDir = Assets.Path(yaml["infra.path"]);
        bicepDir.Should().Be(Assets.BicepDir);
        File.Exists(Path.Combine(bicepDir, yaml.GetValueOrDefault("infra.module", "main") + ".bicep")).Should().BeTrue();

        var services = yaml.Keys.Where(k => k.StartsWith("services.", StringComparison.Ordinal))
            .Select(k => k.Split('.')[1]).Distinct().ToList();
        services.Should().Equal("functions");
        yaml["services.functions.host"].Should().Be("containerapp");
        yaml["services.functions.project"].Should().Be("./src/SwapTalk.Functions");
        var project = Assets.Path(yaml["services.functions.project"]);
        Path.GetFullPath(Path.Combine(project, yaml["services.functions.docker.path"])).Should().Be(Assets.Path("infra/Dockerfile"));
        File.Exists(Assets.Path("infra/Dockerfile")).Should().BeTrue();
        Path.GetFullPath(Path.Combine(project, yaml["services.functions.docker.context"])).TrimEnd('/')
            .Should().Be(Assets.Root.TrimEnd('/'), "the image needs src/ and models/ from the repository root");

        Assets.FunctionApp.Text.Should().Contain("Microsoft.App/containerApps@" + yaml["services.functions.apiVersion"],
            "azd must deploy with the API version that knows kind 'functionapp'");
        Assets.Main.Text.Should().Contain("'azd-service-name': 'functions'", "azd finds the app by this tag");

        var hook = yaml["hooks.postdeploy.posix.run"];
        var hookPath = Assets.Path(hook);
        File.Exists(hookPath).Should().BeTrue();
        if (!OperatingSystem.IsWindows())
            (File.GetUnixFileMode(hookPath) & UnixFileMode.UserExecute).Should().Be(UnixFileMode.UserExecute, "azd runs the hook directly");
    }

    [Fact]
    public void Dockerfile_builds_the_functions_project_on_the_dotnet10_isolated_base_with_gpu_onnx_runtime()
    {
        var docker = Assets.Dockerfile;
        var args = docker.Args;
        args["FUNCTIONS_BASE_IMAGE"].Should().Be("mcr.microsoft.com/azure-functions/dotnet-isolated:4-dotnet-isolated10.0");
        docker.Arguments("FROM").Last().Should().Be("${FUNCTIONS_BASE_IMAGE}");
        docker.Arguments("RUN").Should().Contain(r => r.Contains("dotnet publish src/SwapTalk.Functions/SwapTalk.Functions.csproj"),
            "the image must publish the project azure.yaml deploys");

        args["ORT_VERSION"].Should().Be("1.30.0", "the core binds ONNX Runtime 1.30's C API");
        args["ORT_ARCHIVE"].Should().Be("onnxruntime-linux-x64-gpu_cuda12-1.30.0");
        args["ORT_SHA256"].Should().MatchRegex("^[0-9a-f]{64}$");
        docker.Arguments("RUN").Should().Contain(r => r.Contains("sha256sum -c"), "the downloaded archive must be checked");
        args["CUDA_IMAGE"].Should().StartWith("nvidia/cuda:12.").And.Contain("cudnn", "ORT's CUDA 12 build needs CUDA 12 and cuDNN 9");

        var environment = docker.FinalEnvironment;
        string Env(string name)
        {
            environment.Should().ContainKey(name, $"infra/Dockerfile's final stage must set ENV {name}");
            return environment[name];
        }
        Env(AppSettingNames.ExecutionProvider).Should().Be("cuda");
        var copies = docker.FinalCopies;
        var (models, ortLibrary, scriptRoot) = (Env(AppSettingNames.ModelsDir), Env(AppSettingNames.OrtLibrary), Env(AppSettingNames.ScriptRoot));
        copies.Should().Contain(c => c.Source == "models/" && c.Destination.TrimEnd('/') == models);
        copies.Should().Contain(c => ortLibrary.StartsWith(c.Destination.TrimEnd('/') + "/", StringComparison.Ordinal),
            "SWAPTALK_ORT_LIBRARY must point into a folder the image copies ONNX Runtime to");
        copies.Should().Contain(c => c.Destination == scriptRoot && c.FromStage == "build");
        docker.Arguments("RUN").Should().Contain(r => r.Contains("apt-get install") && r.Contains("ffmpeg"));
        Env(AppSettingNames.Ffmpeg).Should().Be("/usr/bin/ffmpeg");
        Env(AppSettingNames.Ffprobe).Should().Be("/usr/bin/ffprobe");
    }

    [Fact]
    public void Post_deploy_hook_deploys_the_event_grid_subscription_with_every_param_and_known_outputs()
    {
        var hook = Assets.PostDeployHook;
        var template = Assets.Bicep.Values.Single(b => b.Path.EndsWith("eventgrid-subscription.bicep", StringComparison.Ordinal));
        hook.Should().Contain("bicep/modules/eventgrid-subscription.bicep");

        var passed = Regex.Matches(hook, @"""(\w+)"":\s*\{\s*""value""").Select(m => m.Groups[1].Value).ToList();
        passed.Should().BeEquivalentTo(template.Params.Select(p => p.Name), "the hook must pass exactly the template's params");
        template.Text.Should().Contain("@secure()\n@description('The host\\'s blobs_extension");

        Regex.Match(hook, @"function_name=""(\w+)""").Groups[1].Value.Should().Be(HostFunctionNames.InboxManifest);
        var required = Regex.Match(hook, @"for name in ([A-Z_ ]+); do").Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        required.Should().NotBeEmpty();
        required.Should().OnlyContain(n => Assets.Main.Outputs.Contains(n), "the hook can read only what main.bicep outputs");
        hook.Should().NotMatchRegex(@"echo[^\n]*\$\{?key\b", "the hook must never print the system key");

        template.Text.Should().Contain("/runtime/webhooks/blobs?functionName=Host.Functions.${functionName}&code=${blobsExtensionKey}");
        template.Text.Should().Contain("subjectBeginsWith: '/blobServices/default/containers/${inboxContainerName}/blobs/'");
        template.Text.Should().Contain("'Microsoft.Storage.BlobCreated'");
    }

    [Fact]
    public void Container_app_exposes_http_on_the_functions_port_and_wires_scale_limits()
    {
        var app = Assets.FunctionApp.Text;
        app.Should().Contain("targetPort: 80", "the Functions base image listens on port 80");
        app.Should().Contain("minReplicas: minReplicas").And.Contain("maxReplicas: maxReplicas");
        Assets.Main.Text.Should().Contain("minReplicas: functionsMinReplicas").And.Contain("maxReplicas: functionsMaxReplicas");
        Assets.Main.Outputs.Should().Contain(["SERVICE_FUNCTIONS_URI", "AZURE_CONTAINER_REGISTRY_ENDPOINT", "DURABLE_TASK_SCHEDULER_ENDPOINT"]);
    }
}
