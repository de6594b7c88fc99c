using System.Text.Json;
using SwapTalk.Core.Hosting;

namespace SwapTalk.Tests.Deployment;

/// <summary>
/// The readers and rules behind the consistency tests, on small broken inputs: each rule must catch
/// the mistake it exists for, or a green consistency test would prove nothing.
/// </summary>
public class DeploymentCheckRulesTests
{
    private const string Module = """
        @description('Name.')
        param name string
        param size int = 2
        param note string?
        output id string = name
        """;

    [Fact]
    public void Masking_hides_braces_in_strings_and_comments_but_keeps_interpolated_identifiers()
    {
        var source = BicepSource.Parse("""
            // a comment with { an unbalanced brace
            param prefix string
            var x = '{not code} ${prefix}-${toLower('A}')}' /* } */
            var y = { a: 1 }
            """);
        source.Structure.Should().NotContain("not code").And.NotContain("prefix}-");
        source.Structure.Length.Should().Be(source.Text.Length, "offsets must survive masking");
        source.Code.Should().Contain("prefix").And.Contain("toLower(").And.NotContain("not code");
        source.Uses("prefix").Should().Be(1);
        source.Params.Should().ContainSingle().Which.Should().Be(new BicepParam("prefix", "string", false, false));
    }

    [Fact]
    public void Params_record_defaults_nullability_allowed_values_and_use()
    {
        var source = BicepSource.Parse("""
            @allowed([
              'T4'
              'A100'
            ])
            param gpu string = 'T4'
            param count int = 3
            param maybe string?
            param unused string
            output o string = '${gpu}${count}${maybe}'
            """);
        source.Param("gpu")!.Required.Should().BeFalse();
        source.Param("maybe")!.Required.Should().BeFalse();
        source.Param("unused")!.Required.Should().BeTrue();
        source.DefaultOf("gpu").Should().Be("T4");
        source.DefaultOf("count").Should().Be("3");
        source.AllowedValues("gpu").Should().Equal("T4", "A100");
        source.AllowedValues("count").Should().BeEmpty();
        DeploymentChecks.UnusedParams(source).Should().ContainSingle().Which.Should().Contain("'unused'");
    }

    [Fact]
    public void Module_check_reports_unknown_file_undeclared_param_and_missing_required_param()
    {
        var child = BicepSource.Parse(Module, "child.bicep");
        var parent = BicepSource.Parse("""
            module ok 'child.bicep' = {
              name: 'ok'
              params: {
                name: 'a'
                size: { nested: 'not a param' }
              }
            }
            module typo 'child.bicep' = {
              name: 'typo'
              params: {
                nmae: 'a'
              }
            }
            module gone 'missing.bicep' = {
              name: 'gone'
            }
            """, "parent.bicep");
        parent.Modules.Select(m => m.Symbol).Should().Equal("ok", "typo", "gone");
        parent.Modules[0].PassedParams.Should().Equal("name", "size");

        var problems = DeploymentChecks.Modules(parent, p => p == "child.bicep" ? child : null).ToList();
        problems.Should().HaveCount(3);
        problems.Should().Contain(p => p.Contains("'typo' passes 'nmae'"));
        problems.Should().Contain(p => p.Contains("'typo' does not pass required param 'name'"));
        problems.Should().Contain(p => p.Contains("'missing.bicep', which does not exist"));
    }

    [Fact]
    public void Secret_check_flags_keys_and_outputs_of_secure_params()
    {
        var source = BicepSource.Parse("""
            @secure()
            param key string
            var cs = 'DefaultEndpointsProtocol=https;AccountName=x;AccountKey=${account.listKeys().keys[0].value}'
            output leaked string = key
            output fine string = 'no secret here'
            """);
        var problems = DeploymentChecks.NoSecrets(source).ToList();
        problems.Should().Contain(p => p.Contains("listKeys"));
        problems.Should().Contain(p => p.Contains("AccountKey="));
        problems.Should().Contain(p => p.Contains("exposes secure param 'key'"));
        DeploymentChecks.NoSecrets(BicepSource.Parse("param a string\noutput b string = a")).Should().BeEmpty();
    }

    [Fact]
    public void App_settings_check_reports_unknown_missing_and_misowned_names()
    {
        AppSetting[] catalog =
        [
            new("FROM_BICEP", AppSettingSource.Deployment, null, "x"),
            new("FROM_IMAGE", AppSettingSource.Image, null, "y"),
            new("OPTIONAL", AppSettingSource.Optional, "1", "z"),
        ];
        DeploymentChecks.AppSettings(["FROM_BICEP"], new Dictionary<string, string> { ["FROM_IMAGE"] = "v", ["LD_LIBRARY_PATH"] = "/x" }, catalog)
            .Should().BeEmpty();

        var problems = DeploymentChecks.AppSettings(
            ["STRAY", "OPTIONAL", "FROM_IMAGE"], new Dictionary<string, string> { ["ALSO_STRAY"] = "v" }, catalog).ToList();
        problems.Should().Contain(p => p.Contains("sets 'STRAY', which AppSettingNames.Catalog does not know"));
        problems.Should().Contain(p => p.Contains("sets 'OPTIONAL', but the catalog says it is optional"));
        problems.Should().Contain(p => p.Contains("bicep sets 'FROM_BICEP'") && p.Contains("does not"));
        problems.Should().Contain(p => p.Contains("ENV 'ALSO_STRAY'"));
        problems.Should().Contain(p => p.Contains("image sets 'FROM_IMAGE'") && p.Contains("no ENV"));
    }

    [Fact]
    public void Host_json_check_reports_bundle_wrong_backend_and_unset_connection()
    {
        using var good = JsonDocument.Parse("""
            {"functionTimeout":"01:00:00","extensions":{"durableTask":{"hubName":"%TASKHUB_NAME%",
             "storageProvider":{"type":"azureManaged","connectionStringName":"DURABLE_TASK_SCHEDULER_CONNECTION_STRING"},
             "maxConcurrentActivityFunctions":1,"maxConcurrentOrchestratorFunctions":5}}}
            """);
        DeploymentChecks.HostJson(good.RootElement, ["TASKHUB_NAME", "DURABLE_TASK_SCHEDULER_CONNECTION_STRING"]).Should().BeEmpty();

        using var bad = JsonDocument.Parse("""
            {"functionTimeout":"00:05:00","extensionBundle":{},"extensions":{"durableTask":{"hubName":"hub",
             "storageProvider":{"type":"AzureStorage","connectionStringName":"OTHER"}}}}
            """);
        var problems = DeploymentChecks.HostJson(bad.RootElement, []).ToList();
        problems.Should().Contain(p => p.Contains("extensionBundle"));
        problems.Should().Contain(p => p.Contains("too short"));
        problems.Should().Contain(p => p.Contains("not 'azureManaged'"));
        problems.Should().Contain(p => p.Contains("'OTHER' is not set by function-app.bicep"));
        problems.Should().Contain(p => p.Contains("not an app setting reference"));
        problems.Should().Contain(p => p.Contains("maxConcurrentActivityFunctions"));
    }

    [Fact]
    public void Local_settings_check_reports_unknown_names_missing_needs_and_keys()
    {
        using var doc = JsonDocument.Parse("""
            {"Values":{"FUNCTIONS_WORKER_RUNTIME":"dotnet-isolated","MYSTERY":"1",
             "SwapTalkStorage":"DefaultEndpointsProtocol=https;AccountName=a;AccountKey=abc"}}
            """);
        var problems = DeploymentChecks.LocalSettings(doc.RootElement, AppSettingNames.Catalog).ToList();
        problems.Should().Contain(p => p.Contains("'MYSTERY'"));
        problems.Should().Contain(p => p.Contains($"does not set '{AppSettingNames.TaskHubName}'"));
        problems.Should().Contain(p => p.Contains($"does not set '{AppSettingNames.ModelsDir}'"));
        problems.Should().Contain(p => p.Contains("'SwapTalkStorage' carries a key"));
        problems.Should().NotContain(p => p.Contains($"'{AppSettingNames.CudaDeviceId}'"), "optional settings may stay unset");
    }

    [Fact]
    public void Dockerfile_reader_joins_continuations_and_reads_the_final_stage_only()
    {
        var docker = DockerfileSource.Parse("""
            ARG BASE=debian:12
            FROM busybox AS tools
            ENV IGNORED=1
            # a comment
            FROM ${BASE}
            RUN echo a \
                && echo b
            COPY --from=tools /bin/x /opt/x/
            ENV A=1 \
                B="two words"
            ENV LEGACY some value
            """);
        docker.Args["BASE"].Should().Be("debian:12");
        docker.Arguments("RUN").Should().ContainSingle().Which.Should().Contain("echo a").And.Contain("echo b");
        docker.FinalEnvironment.Should().BeEquivalentTo(new Dictionary<string, string>
        {
            ["A"] = "1", ["B"] = "two words", ["LEGACY"] = "some value",
        });
        docker.FinalCopies.Should().ContainSingle().Which.Should().Be(("/bin/x", "/opt/x/", (string?)"tools"));
        var unterminated = () => DockerfileSource.Parse("RUN a \\");
        unterminated.Should().Throw<FormatException>().WithMessage("*continued line*");
    }

    [Fact]
    public void Yaml_reader_flattens_nested_keys_and_refuses_what_it_cannot_read()
    {
        var yaml = SimpleYaml.Parse("""
            # comment
            name: app
            services:
              api:
                host: containerapp   # trailing comment
                docker:
                  path: "../x/Dockerfile"
              web:
                host: 'staticwebapp'
            """);
        yaml.Should().BeEquivalentTo(new Dictionary<string, string>
        {
            ["name"] = "app",
            ["services.api.host"] = "containerapp",
            ["services.api.docker.path"] = "../x/Dockerfile",
            ["services.web.host"] = "staticwebapp",
        });
        var sequence = () => SimpleYaml.Parse("list:\n  - a\n");
        sequence.Should().Throw<FormatException>().WithMessage("*line 2*sequences*");
    }
}
