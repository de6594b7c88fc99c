using Azure.Storage.Blobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SwapTalk.Functions.Composition;
using SwapTalk.Http;
using SwapTalk.Functions.Settings;

namespace SwapTalk.Functions.Tests.Triggers;

/// <summary>The app's own composition: options bound from the setting names and validated; the storage client from Microsoft.Extensions.Azure.</summary>
public class HostSettingsTests
{
    private static ServiceProvider Compose(params (string Name, string? Value)[] values)
    {
        // As the environment-variable provider reads app settings: '__' separates sections.
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Name.Replace("__", ":"), v.Value))).Build();
        return new ServiceCollection().AddLogging().AddSwapTalkFunctions(configuration).BuildServiceProvider();
    }

    private static HostSettings Load(params (string Name, string? Value)[] values) =>
        Compose(values).GetRequiredService<IOptions<HostSettings>>().Value;

    [Fact]
    public void Defaults_come_from_the_catalog_and_only_the_models_folder_is_required()
    {
        var settings = Load((AppSettingNames.ModelsDir, "/opt/swaptalk/models"));
        settings.Should().BeEquivalentTo(new
        {
            InboxContainer = "inbox", JobsContainer = "jobs", WorkContainer = "work", BatchContainer = "batches",
            ModelsDir = "/opt/swaptalk/models", MaxRequestBytes = 65536, ResultUrlMinutes = 60, BatchMaxStartsPerRun = 20, BatchStartsPerMinute = 10,
        });
        settings.InputContainers.Should().Equal("inbox", "batches");
        foreach (var (name, value) in new[]
                 {
                     (AppSettingNames.InboxContainer, settings.InboxContainer), (AppSettingNames.JobsContainer, settings.JobsContainer),
                     (AppSettingNames.MaxRequestBytes, settings.MaxRequestBytes.ToString()), (AppSettingNames.BatchStartsPerMinute, settings.BatchStartsPerMinute.ToString()),
                 })
            AppSettingNames.Find(name)!.Default.Should().Be(value, $"{name}'s default is the catalog's");

        var missing = () => Load();
        missing.Should().Throw<OptionsValidationException>().WithMessage("*'SWAPTALK_MODELS_DIR'*not set*infra/Dockerfile*");
    }

    [Theory]
    [InlineData("Inbox")]
    [InlineData("in")]
    [InlineData("in--box")]
    [InlineData("inbox-")]
    [InlineData("-inbox")]
    [InlineData("in_box")]
    public void A_container_name_azure_would_refuse_fails_at_start_up_naming_the_setting(string name)
    {
        var load = () => Load((AppSettingNames.ModelsDir, "/m"), (AppSettingNames.InboxContainer, name));
        load.Should().Throw<OptionsValidationException>().WithMessage($"*'{AppSettingNames.InboxContainer}' is '{name}'*3-63 characters*");
    }

    [Fact]
    public void Two_roles_cannot_share_a_container_and_every_problem_is_reported_at_once()
    {
        var load = () => Load((AppSettingNames.WorkContainer, "jobs"), (AppSettingNames.BatchMaxStartsPerRun, "0"));
        var error = load.Should().Throw<OptionsValidationException>().Which;
        error.Failures.Should().HaveCount(3);
        error.Message.Should().Contain($"'{AppSettingNames.JobsContainer}' and '{AppSettingNames.WorkContainer}' name the same container 'jobs'")
            .And.Contain($"'{AppSettingNames.BatchMaxStartsPerRun}' must be a positive whole number").And.Contain(AppSettingNames.ModelsDir);
    }

    [Fact]
    public void Numbers_are_checked_and_the_result_url_cannot_outlive_a_user_delegation_key()
    {
        var bad = () => Load((AppSettingNames.ModelsDir, "/m"), (AppSettingNames.BatchStartsPerMinute, "fast"));
        bad.Should().Throw<InvalidOperationException>().WithMessage($"*'{AppSettingNames.BatchStartsPerMinute}'*");
        var tooLong = () => Load((AppSettingNames.ModelsDir, "/m"), (AppSettingNames.ResultUrlMinutes, "20000"));
        tooLong.Should().Throw<OptionsValidationException>().WithMessage("*20000*at most 10080 minutes*");
        Load((AppSettingNames.ModelsDir, "/m"), (AppSettingNames.ResultUrlMinutes, "10080")).ResultUrlMinutes.Should().Be(ResultUrlPolicy.MaxMinutes);
    }

    [Fact]
    public void The_storage_client_takes_a_connection_string_locally_and_the_identity_form_in_the_cloud()
    {
        const string azurite = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;";
        var local = Compose((AppSettingNames.ModelsDir, "/m"), (AppSettingNames.StorageConnection, azurite)).GetRequiredService<BlobServiceClient>();
        local.Uri.Should().Be(new Uri("http://127.0.0.1:10000/devstoreaccount1"));
        local.CanGenerateAccountSasUri.Should().BeTrue("a connection string with a key signs links itself");

        // The settings bicep/modules/function-app.bicep sets (DeploymentTests checks the compiled template has them).
        var cloud = Compose((AppSettingNames.ModelsDir, "/m"),
            (AppSettingNames.StorageServiceUri, "https://acct.blob.core.windows.net/"),
            (AppSettingNames.StorageBlobServiceUri, "https://acct.blob.core.windows.net/"),
            (AppSettingNames.StorageCredential, AppSettingNames.ManagedIdentityCredential),
            (AppSettingNames.StorageClientId, "11111111-2222-3333-4444-555555555555")).GetRequiredService<BlobServiceClient>();
        cloud.Uri.Should().Be(new Uri("https://acct.blob.core.windows.net/"));
        cloud.CanGenerateAccountSasUri.Should().BeFalse("no key: result links are user-delegation SAS");
    }
}
