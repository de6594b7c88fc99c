using System.Text.Json;
using System.Text.RegularExpressions;
using SwapTalk.Core.Hosting;

namespace SwapTalk.Tests.Deployment;

/// <summary>
/// The consistency rules between code, <c>bicep/</c>, <c>infra/Dockerfile</c>, <c>azure.yaml</c>,
/// <c>host.json</c> and the local settings. Each check returns the problems it finds as sentences that
/// name the file and the setting, so a failing test says what to fix; an empty list means consistent.
/// </summary>
public static class DeploymentChecks
{
    /// <summary>Settings in the final image that belong to the platform, not to the app's configuration.</summary>
    public static readonly IReadOnlySet<string> PlatformImageVariables =
        new HashSet<string>(StringComparer.Ordinal) { "NVIDIA_VISIBLE_DEVICES", "NVIDIA_DRIVER_CAPABILITIES", "LD_LIBRARY_PATH" };

    /// <summary>Module paths resolve, passed params are declared there, required params are passed.</summary>
    public static IEnumerable<string> Modules(BicepSource file, Func<string, BicepSource?> resolve)
    {
        foreach (var module in file.Modules)
        {
            if (module.Path.StartsWith("br:", StringComparison.Ordinal) || module.Path.StartsWith("ts:", StringComparison.Ordinal))
            {
                yield return $"{file.Path}: module '{module.Symbol}' uses registry module '{module.Path}'; only local modules can be checked here";
                continue;
            }
            var target = resolve(module.Path);
            if (target is null)
            {
                yield return $"{file.Path}: module '{module.Symbol}' refers to '{module.Path}', which does not exist";
                continue;
            }
            foreach (var passed in module.PassedParams.Where(p => target.Param(p) is null))
                yield return $"{file.Path}: module '{module.Symbol}' passes '{passed}', which {target.Path} does not declare";
            foreach (var required in target.Params.Where(p => p.Required && !module.PassedParams.Contains(p.Name)))
                yield return $"{file.Path}: module '{module.Symbol}' does not pass required param '{required.Name}' of {target.Path}";
        }
    }

    /// <summary>Every declared param is used in its file (a typo or leftover otherwise).</summary>
    public static IEnumerable<string> UnusedParams(BicepSource file) =>
        file.Params.Where(p => file.Uses(p.Name) == 0)
            .Select(p => $"{file.Path}: param '{p.Name}' is declared but never used");

    /// <summary>azd's parameters file names only declared params and gives every required one.</summary>
    public static IEnumerable<string> ParametersFile(BicepSource main, JsonElement parametersFile)
    {
        var given = parametersFile.GetProperty("parameters").EnumerateObject().Select(p => p.Name).ToList();
        foreach (var name in given.Where(n => main.Param(n) is null))
            yield return $"main.parameters.json sets '{name}', which {main.Path} does not declare";
        foreach (var p in main.Params.Where(p => p.Required && !given.Contains(p.Name)))
            yield return $"main.parameters.json does not set required param '{p.Name}' of {main.Path}";
    }

    private static readonly (string Pattern, string Why)[] SecretPatterns =
    [
        (@"listKeys\s*\(", "reads account keys"),
        (@"AccountKey\s*=", "builds a connection string with an account key"),
        (@"SharedAccessSignature", "builds a SAS connection string"),
        (@"sharedKey\s*:", "passes a shared key"),
        (@"adminUserEnabled\s*:\s*true", "enables the registry admin user (password)"),
        (@"allowSharedKeyAccess\s*:\s*true", "allows shared-key access to storage"),
        (@"listCredentials\s*\(", "reads registry credentials"),
    ];

    /// <summary>No keys, key-bearing connection strings or passwords anywhere in a template.</summary>
    public static IEnumerable<string> NoSecrets(BicepSource file)
    {
        foreach (var (pattern, why) in SecretPatterns)
            foreach (Match m in Regex.Matches(file.Text, pattern))
                yield return $"{file.Path}:{LineOf(file.Text, m.Index)}: '{m.Value}' {why}; use identity-based access";
        var secureParams = Regex.Matches(file.Structure, @"@secure\(\)\s*(?:@\w+\([^)]*\)\s*)*param\s+(\w+)")
            .Select(m => m.Groups[1].Value).ToList();
        foreach (Match output in Regex.Matches(file.Code, @"^\s*output\s+\w+\s+\w+\s*=\s*(.+)$", RegexOptions.Multiline))
            foreach (var secret in secureParams.Where(s => Regex.IsMatch(output.Groups[1].Value, $@"(?<![\w.]){s}(?!\w)")))
                yield return $"{file.Path}: an output exposes secure param '{secret}'";
    }

    /// <summary>
    /// The catalog and the deployment agree: Bicep sets exactly the Deployment settings, the image sets
    /// the Image settings, and nothing sets a name the code does not know.
    /// </summary>
    public static IEnumerable<string> AppSettings(
        IReadOnlyList<string> bicepAppSettings, IReadOnlyDictionary<string, string> imageEnvironment, IReadOnlyList<AppSetting> catalog)
    {
        var known = catalog.ToDictionary(s => s.Name, StringComparer.Ordinal);
        foreach (var duplicate in bicepAppSettings.GroupBy(n => n).Where(g => g.Count() > 1))
            yield return $"function-app.bicep sets '{duplicate.Key}' {duplicate.Count()} times";
        foreach (var name in bicepAppSettings.Distinct())
        {
            if (!known.TryGetValue(name, out var setting))
                yield return $"function-app.bicep sets '{name}', which AppSettingNames.Catalog does not know (add it there or drop it)";
            else if (setting.Source != AppSettingSource.Deployment)
                yield return $"function-app.bicep sets '{name}', but the catalog says it is {setting.Source.Describe()}";
        }
        foreach (var setting in catalog.Where(s => s.Source == AppSettingSource.Deployment && !bicepAppSettings.Contains(s.Name)))
            yield return $"AppSettingNames.Catalog says bicep sets '{setting.Name}' ({setting.Purpose}), but function-app.bicep does not";

        foreach (var name in imageEnvironment.Keys.Where(n => !PlatformImageVariables.Contains(n)))
        {
            if (!known.TryGetValue(name, out var setting))
                yield return $"infra/Dockerfile sets ENV '{name}', which AppSettingNames.Catalog does not know";
            else if (setting.Source != AppSettingSource.Image)
                yield return $"infra/Dockerfile sets ENV '{name}', but the catalog says it is {setting.Source.Describe()}";
        }
        foreach (var setting in catalog.Where(s => s.Source == AppSettingSource.Image && !imageEnvironment.ContainsKey(s.Name)))
            yield return $"AppSettingNames.Catalog says the image sets '{setting.Name}' ({setting.Purpose}), but infra/Dockerfile has no ENV for it";
        foreach (var name in bicepAppSettings.Where(imageEnvironment.ContainsKey))
            yield return $"'{name}' is set both by function-app.bicep and by infra/Dockerfile; one owner only";
    }

    /// <summary>host.json's Durable settings name settings the deployment provides.</summary>
    public static IEnumerable<string> HostJson(JsonElement host, IReadOnlyList<string> bicepAppSettings)
    {
        if (host.TryGetProperty("extensionBundle", out _))
            yield return "host.json has an extensionBundle; the isolated worker gets its extensions from packages";
        if (!host.TryGetProperty("functionTimeout", out var timeout) || !TimeSpan.TryParse(timeout.GetString(), out var limit))
            yield return "host.json has no functionTimeout (hh:mm:ss)";
        else if (limit < TimeSpan.FromMinutes(10))
            yield return $"host.json functionTimeout {limit} is too short for multi-minute GPU activities";
        if (!host.TryGetProperty("extensions", out var extensions) || !extensions.TryGetProperty("durableTask", out var durable))
        {
            yield return "host.json has no extensions.durableTask section";
            yield break;
        }
        var provider = durable.GetProperty("storageProvider");
        if (provider.GetProperty("type").GetString() != "azureManaged")
            yield return "host.json durableTask.storageProvider.type is not 'azureManaged' (Durable Task Scheduler)";
        var connection = provider.GetProperty("connectionStringName").GetString() ?? "";
        if (!bicepAppSettings.Contains(connection))
            yield return $"host.json durableTask connectionStringName '{connection}' is not set by function-app.bicep";
        if (connection != AppSettingNames.DurableTaskSchedulerConnection)
            yield return $"host.json durableTask connectionStringName '{connection}' differs from AppSettingNames.DurableTaskSchedulerConnection";
        var hub = durable.GetProperty("hubName").GetString() ?? "";
        var hubSetting = Regex.Match(hub, "^%(.+)%$");
        if (!hubSetting.Success)
            yield return $"host.json durableTask hubName '{hub}' is not an app setting reference (%NAME%)";
        else if (!bicepAppSettings.Contains(hubSetting.Groups[1].Value))
            yield return $"host.json durableTask hubName refers to '{hubSetting.Groups[1].Value}', which function-app.bicep does not set";
        foreach (var limitName in new[] { "maxConcurrentActivityFunctions", "maxConcurrentOrchestratorFunctions" })
            if (!durable.TryGetProperty(limitName, out var value) || value.GetInt32() < 1)
                yield return $"host.json durableTask.{limitName} is missing or below 1";
    }

    /// <summary>The local settings name known settings only and cover what a local run needs.</summary>
    public static IEnumerable<string> LocalSettings(JsonElement localSettings, IReadOnlyList<AppSetting> catalog)
    {
        var values = localSettings.GetProperty("Values").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "");
        var known = catalog.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var name in values.Keys.Where(n => !known.Contains(n)))
            yield return $"local.settings.json.example sets '{name}', which AppSettingNames.Catalog does not know";
        var needed = catalog.Where(s =>
                s.Source == AppSettingSource.LocalOnly
                || s.Name.StartsWith("SWAPTALK_", StringComparison.Ordinal) && s.Source != AppSettingSource.Optional
                || s.Name is AppSettingNames.DurableTaskSchedulerConnection or AppSettingNames.TaskHubName or AppSettingNames.FunctionsWorkerRuntime)
            .Select(s => s.Name);
        foreach (var name in needed.Where(n => !values.ContainsKey(n)))
            yield return $"local.settings.json.example does not set '{name}', which a local run needs";
        foreach (var (name, value) in values)
            if (Regex.IsMatch(value, @"AccountKey=|SharedAccessSignature=|sig=", RegexOptions.IgnoreCase))
                yield return $"local.settings.json.example '{name}' carries a key; use UseDevelopmentStorage=true for Azurite";
    }

    public static int LineOf(string text, int offset) => text.AsSpan(0, offset).Count('\n') + 1;
}
