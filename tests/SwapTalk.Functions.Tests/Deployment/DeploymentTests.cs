using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using SwapTalk.Functions.Settings;

namespace SwapTalk.Functions.Tests.Deployment;

/// <summary>
/// What the deployment sets, read from the compiled ARM templates (<see cref="BicepTests"/>), against what the app
/// reads (<see cref="AppSettingNames.Catalog"/>) and what host.json names; and the Durable backend's storage access.
/// </summary>
public sealed partial class DeploymentTests
{
    private static async Task<IReadOnlyList<string>> BicepAppSettingsAsync()
    {
        var template = await BicepTests.TemplateAsync("modules/function-app.bicep");
        return template["variables"]!["appSettings"]!.AsArray().Select(s => s!["name"]!.GetValue<string>()).ToList();
    }

    [Fact]
    public async Task The_settings_bicep_sets_are_exactly_the_deployment_settings_the_app_reads()
    {
        var set = await BicepAppSettingsAsync();
        set.Should().OnlyHaveUniqueItems();
        var expected = AppSettingNames.Catalog.Where(s => s.Source == AppSettingSource.Deployment).Select(s => s.Name);
        set.Should().BeEquivalentTo(expected);

        // The container's environment is that list.
        var template = await BicepTests.TemplateAsync("modules/function-app.bicep");
        var app = template["resources"]!.AsArray().Single(r => r!["type"]!.GetValue<string>() == "Microsoft.App/containerApps")!;
        app["properties"]!["template"]!["containers"]![0]!["env"]!.GetValue<string>().Should().Be("[variables('appSettings')]");
    }

    [Fact]
    public async Task The_deployment_names_the_page_and_easy_auth_does_not_exempt_it()
    {
        var main = await BicepTests.TemplateAsync("main.bicep");
        main["outputs"]!["PAGE_URL"]!["value"]!.GetValue<string>().Should().StartWith("[format('{0}/api/page/', reference(")
            .And.Contain("'function-app'").And.EndWith(".outputs.uri.value)]");
        var app = await BicepTests.TemplateAsync("modules/function-app.bicep");
        var auth = app["resources"]!.AsArray().Single(r => r!["type"]!.GetValue<string>() == "Microsoft.App/containerApps/authConfigs")!;
        auth["properties"]!["globalValidation"]!["excludedPaths"]!.AsArray().Select(p => p!.GetValue<string>())
            .Should().Equal(["/runtime/webhooks/blobs"], "with Entra ID on, the page is behind it like the API");
    }

    [Fact]
    public async Task Host_json_runs_durable_on_azure_storage_with_settings_the_deployment_provides()
    {
        var host = JsonNode.Parse(await File.ReadAllTextAsync(Repository.PathOf("host.json")))!;
        var durable = host["extensions"]!["durableTask"]!;
        durable["storageProvider"]!["type"]!.GetValue<string>().Should().Be("azureStorage");
        var connection = durable["storageProvider"]!["connectionName"]!.GetValue<string>();
        connection.Should().Be(AppSettingNames.HostStorage);

        var set = await BicepAppSettingsAsync();
        // The task hub's queues, tables and blobs: the identity form of the connection, one endpoint per service.
        set.Should().Contain([$"{connection}__blobServiceUri", $"{connection}__queueServiceUri", $"{connection}__tableServiceUri", $"{connection}__credential"]);
        foreach (Match reference in SettingReference().Matches(host.ToJsonString()))
            set.Should().Contain(reference.Groups[1].Value, "host.json reads it");
        durable["hubName"]!.GetValue<string>().Should().Be($"%{AppSettingNames.TaskHubName}%");
    }

    [Fact]
    public async Task The_app_identity_gets_blob_queue_and_table_data_roles_and_no_durable_task_scheduler_is_deployed()
    {
        var storage = await BicepTests.TemplateAsync("modules/storage.bicep");
        var variables = storage["variables"]!;
        string Role(string name) => variables[name]!.GetValue<string>();
        Role("storageBlobDataOwnerRoleId").Should().Be("b7e6dc6d-f1e8-4753-8033-0f276bb0955b");
        Role("storageQueueDataContributorRoleId").Should().Be("974c5e8b-45b9-4653-ba55-5f855dd0fb88");
        Role("storageTableDataContributorRoleId").Should().Be("0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3");
        variables["appRoleIds"]!.AsArray().Select(v => v!.GetValue<string>()).Should().Equal(
            "[variables('storageBlobDataOwnerRoleId')]", "[variables('storageQueueDataContributorRoleId')]", "[variables('storageTableDataContributorRoleId')]");
        storage["resources"]!.AsArray().Single(r => r!["copy"]?["name"]?.GetValue<string>() == "appRoles")!["properties"]!["principalId"]!
            .GetValue<string>().Should().Be("[parameters('identityPrincipalId')]");

        var main = (await BicepTests.TemplateAsync("main.bicep")).ToJsonString();
        main.Should().NotContain("Microsoft.DurableTask", "the Durable backend is the storage account");
        main.Should().NotContainEquivalentOf("AccountKey=").And.NotContain("listKeys(", "access is identity-only");
    }

    [Fact]
    public void Local_settings_example_names_only_settings_the_app_knows()
    {
        var example = JsonNode.Parse(File.ReadAllText(Repository.PathOf("local.settings.json.example")))!["Values"]!.AsObject();
        foreach (var (name, _) in example)
            AppSettingNames.Find(name).Should().NotBeNull($"'{name}' in local.settings.json.example is a setting the app reads");
        example.Select(p => p.Key).Should().Contain([AppSettingNames.HostStorage, AppSettingNames.StorageConnection, AppSettingNames.TaskHubName]);
    }

    [GeneratedRegex("%([A-Za-z0-9_]+)%")]
    private static partial Regex SettingReference();
}
