using System.Reflection;
using System.Text.RegularExpressions;
using SwapTalk.Functions.Settings;

namespace SwapTalk.Functions.Tests.Triggers;

public class AppSettingNamesTests
{
    private static readonly IReadOnlyList<string> Constants = typeof(AppSettingNames)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f is { IsLiteral: true, FieldType.Name: nameof(String) } && f.Name != nameof(AppSettingNames.ManagedIdentityCredential))
        .Select(f => (string)f.GetRawConstantValue()!).ToList();

    [Fact]
    public void Every_constant_is_in_the_catalog_once_and_is_a_valid_environment_variable_name()
    {
        AppSettingNames.Catalog.Select(s => s.Name).Should().OnlyHaveUniqueItems();
        AppSettingNames.Catalog.Select(s => s.Name).Should().BeEquivalentTo(Constants,
            "a name the code reads but the catalog lacks escapes the deployment checks");
        // Container Apps environment variable names; '__' separates configuration sections.
        AppSettingNames.Catalog.Should().OnlyContain(s => Regex.IsMatch(s.Name, "^[A-Za-z_][A-Za-z0-9_]*$"));
        AppSettingNames.Catalog.Should().OnlyContain(s => s.Purpose.Length > 0);
    }

    [Fact]
    public void Shared_names_fixed_by_the_lead_are_spelled_exactly()
    {
        AppSettingNames.ExecutionProvider.Should().Be("SWAPTALK_EXECUTION_PROVIDER");
        AppSettingNames.CudaDeviceId.Should().Be("SWAPTALK_CUDA_DEVICE_ID");
        AppSettingNames.ModelsDir.Should().Be("SWAPTALK_MODELS_DIR");
        AppSettingNames.Ffmpeg.Should().Be("SWAPTALK_FFMPEG");
        AppSettingNames.Ffprobe.Should().Be("SWAPTALK_FFPROBE");
    }

    [Fact]
    public void Identity_connection_properties_share_the_connection_prefix()
    {
        foreach (var name in new[]
                 {
                     AppSettingNames.StorageBlobServiceUri, AppSettingNames.StorageQueueServiceUri,
                     AppSettingNames.StorageCredential, AppSettingNames.StorageClientId,
                 })
            name.Should().StartWith(AppSettingNames.StorageConnection + "__");
    }

    [Fact]
    public void Catalog_defaults_parse_as_the_types_the_triggers_need()
    {
        foreach (var name in new[] { AppSettingNames.BatchMaxStartsPerRun, AppSettingNames.ResultUrlMinutes, AppSettingNames.MaxRequestBytes, AppSettingNames.CudaDeviceId })
            int.Parse(AppSettingNames.Find(name)!.Default!, System.Globalization.CultureInfo.InvariantCulture).Should().BeGreaterThanOrEqualTo(0);
        AppSettingNames.Find(AppSettingNames.BatchSchedule)!.Default!.Split(' ').Should().HaveCount(6, "Functions timers use six-field NCRONTAB");
        HostFunctionNames.InboxManifest.Should().MatchRegex("^[A-Za-z][A-Za-z0-9_]*$", "it appears in the Event Grid webhook URL");
    }
}
