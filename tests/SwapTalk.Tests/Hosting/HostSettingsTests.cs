using SwapTalk.Core.Hosting;
using SwapTalk.Core.Hosting.Http;

namespace SwapTalk.Tests.Hosting;

public class HostSettingsTests
{
    private static Func<string, string?> Settings(params (string Name, string? Value)[] values)
    {
        var map = values.ToDictionary(v => v.Name, v => v.Value);
        return name => map.GetValueOrDefault(name);
    }

    [Fact]
    public void Defaults_come_from_the_catalog_and_only_the_models_folder_is_required()
    {
        var settings = HostSettings.Load(Settings((AppSettingNames.ModelsDir, "/opt/swaptalk/models")));
        settings.Should().BeEquivalentTo(new
        {
            InboxContainer = "inbox", JobsContainer = "jobs", WorkContainer = "work", BatchContainer = "batches",
            ModelsDir = "/opt/swaptalk/models", MaxRequestBytes = 65536, ResultUrlMinutes = 60, BatchMaxStartsPerRun = 20, BatchStartsPerMinute = 10,
        });
        settings.InputContainers.Should().Equal("inbox", "batches");

        var missing = () => HostSettings.Load(Settings());
        missing.Should().Throw<InvalidOperationException>().WithMessage("*'SWAPTALK_MODELS_DIR'*not set*infra/Dockerfile*");
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
        var load = () => HostSettings.Load(Settings((AppSettingNames.ModelsDir, "/m"), (AppSettingNames.InboxContainer, name)));
        load.Should().Throw<InvalidOperationException>().WithMessage($"*'{AppSettingNames.InboxContainer}' is '{name}'*3-63 characters*");
    }

    [Fact]
    public void Two_roles_cannot_share_a_container()
    {
        var load = () => HostSettings.Load(Settings((AppSettingNames.ModelsDir, "/m"), (AppSettingNames.WorkContainer, "jobs")));
        load.Should().Throw<InvalidOperationException>()
            .WithMessage($"*'{AppSettingNames.JobsContainer}' and '{AppSettingNames.WorkContainer}' name the same container 'jobs'*");
    }

    [Fact]
    public void Numbers_are_checked_and_the_result_url_cannot_outlive_a_user_delegation_key()
    {
        var bad = () => HostSettings.Load(Settings((AppSettingNames.ModelsDir, "/m"), (AppSettingNames.BatchStartsPerMinute, "fast")));
        bad.Should().Throw<InvalidOperationException>().WithMessage($"*'{AppSettingNames.BatchStartsPerMinute}'*positive whole number*'fast'*");
        var tooLong = () => HostSettings.Load(Settings((AppSettingNames.ModelsDir, "/m"), (AppSettingNames.ResultUrlMinutes, "20000")));
        tooLong.Should().Throw<InvalidOperationException>().WithMessage("*20000*at most 10080 minutes*");
        HostSettings.Load(Settings((AppSettingNames.ModelsDir, "/m"), (AppSettingNames.ResultUrlMinutes, "10080"))).ResultUrlMinutes.Should().Be(ResultUrlPolicy.MaxMinutes);
    }

    [Fact]
    public void A_connection_string_wins_and_is_never_printed()
    {
        var connection = StorageConnection.Resolve(Settings(
            (AppSettingNames.StorageConnection, "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=SECRETKEY=="),
            (AppSettingNames.StorageBlobServiceUri, "https://a.blob.core.windows.net/")));
        connection.Should().BeOfType<StorageConnection.ConnectionString>()
            .Which.Value.Should().Contain("AccountName=a");
        connection.ToString().Should().NotContain("SECRETKEY");
    }

    [Fact]
    public void The_identity_form_takes_the_blob_endpoint_and_the_user_assigned_client_id()
    {
        var connection = StorageConnection.Resolve(Settings(
            (AppSettingNames.StorageBlobServiceUri, "https://acct.blob.core.windows.net/"),
            (AppSettingNames.StorageCredential, "managedidentity"),
            (AppSettingNames.StorageClientId, "11111111-2222-3333-4444-555555555555")));
        connection.Should().Be(new StorageConnection.Identity(new Uri("https://acct.blob.core.windows.net/"), "11111111-2222-3333-4444-555555555555"));

        StorageConnection.Resolve(Settings(
                (AppSettingNames.StorageBlobServiceUri, "https://acct.blob.core.windows.net/"),
                (AppSettingNames.AzureClientId, "from-azure-client-id")))
            .Should().Be(new StorageConnection.Identity(new Uri("https://acct.blob.core.windows.net/"), "from-azure-client-id"));
    }

    [Theory]
    [InlineData(null, null, "*not configured*SwapTalkStorage__blobServiceUri*UseDevelopmentStorage=true*")]
    [InlineData("http://acct.blob.core.windows.net/", null, "*must be the https blob endpoint*")]
    [InlineData("https://acct.blob.core.windows.net/?sv=1&sig=SECRET", null, "*without a query*")]
    [InlineData("https://acct.blob.core.windows.net/", "connectionstring", "*SwapTalkStorage__credential*must be 'managedidentity'*")]
    public void A_broken_identity_connection_names_the_setting_and_not_its_value(string? uri, string? credential, string message)
    {
        var resolve = () => StorageConnection.Resolve(Settings((AppSettingNames.StorageBlobServiceUri, uri), (AppSettingNames.StorageCredential, credential)));
        var error = resolve.Should().Throw<InvalidOperationException>().WithMessage(message).Which;
        error.Message.Should().NotContain("SECRET");
    }

    [Fact]
    public void Result_url_windows_start_early_end_on_time_and_refuse_lifetimes_azure_does_not_sign()
    {
        var now = new DateTimeOffset(2026, 11, 21, 10, 0, 30, 500, TimeSpan.Zero);
        var window = ResultUrlPolicy.Window(now, 60);
        window.StartsOn.Should().Be(new DateTimeOffset(2026, 11, 21, 9, 55, 30, TimeSpan.Zero), "five minutes of clock skew, whole seconds");
        window.ExpiresOn.Should().Be(new DateTimeOffset(2026, 11, 21, 11, 0, 30, TimeSpan.Zero), "never past the configured lifetime");
        ResultUrlPolicy.Permissions.Should().Be("r");
        var zero = () => ResultUrlPolicy.Window(now, 0);
        zero.Should().Throw<ArgumentOutOfRangeException>();
        var week = () => ResultUrlPolicy.Window(now, ResultUrlPolicy.MaxMinutes + 1);
        week.Should().Throw<ArgumentOutOfRangeException>();

        ResultUrlPolicy.RequiresHttps(new Uri("https://acct.blob.core.windows.net/")).Should().BeTrue();
        ResultUrlPolicy.RequiresHttps(new Uri("http://acct.blob.core.windows.net/")).Should().BeTrue("plain http is only for a local emulator");
        ResultUrlPolicy.RequiresHttps(new Uri("http://127.0.0.1:10000/devstoreaccount1")).Should().BeFalse();
    }
}
