using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using SwapTalk.Functions.Http;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Hosting;
using SwapTalk.Core.Hosting.Manifests;
using SwapTalk.Core.Hosting.Starting;
using SwapTalk.Http;

using SwapTalk.Functions.Storage;

namespace SwapTalk.Functions.Settings;

/// <summary>
/// Everything the cloud host's triggers read from app settings, bound from configuration under the setting names of
/// <see cref="AppSettingNames"/> and validated at start-up (<see cref="HostSettingsValidation"/>, ValidateOnStart),
/// so a misconfiguration stops the host with a message that names the setting instead of failing the first job.
/// </summary>
public sealed record HostSettings
{
    [ConfigurationKeyName(AppSettingNames.InboxContainer)] public string InboxContainer { get; init; } = "inbox";
    [ConfigurationKeyName(AppSettingNames.JobsContainer)] public string JobsContainer { get; init; } = "jobs";
    [ConfigurationKeyName(AppSettingNames.WorkContainer)] public string WorkContainer { get; init; } = "work";
    [ConfigurationKeyName(AppSettingNames.BatchContainer)] public string BatchContainer { get; init; } = "batches";

    /// <summary>The models folder on the workers (baked into the image).</summary>
    [ConfigurationKeyName(AppSettingNames.ModelsDir)] public string ModelsDir { get; init; } = "";

    /// <summary>Largest accepted HTTP request body, inbox manifest and batch line, in bytes.</summary>
    [ConfigurationKeyName(AppSettingNames.MaxRequestBytes)] public int MaxRequestBytes { get; init; } = 65536;

    [ConfigurationKeyName(AppSettingNames.ResultUrlMinutes)] public int ResultUrlMinutes { get; init; } = 60;
    [ConfigurationKeyName(AppSettingNames.BatchMaxStartsPerRun)] public int BatchMaxStartsPerRun { get; init; } = 20;
    [ConfigurationKeyName(AppSettingNames.BatchStartsPerMinute)] public int BatchStartsPerMinute { get; init; } = 10;

    /// <summary>Containers a job manifest may take its inputs from (uploads land in the inbox or beside a batch).</summary>
    public IReadOnlyList<string> InputContainers => [InboxContainer, BatchContainer];

    /// <summary>The limits jobs started by the triggers are held to (inputs up to <see cref="JobLimits.MaxInputBytes"/>).</summary>
    public JobLimits Limits { get; init; } = JobLimits.Default;
}

/// <summary>Every problem with <see cref="HostSettings"/> at once, each naming the app setting and what is wrong.</summary>
public sealed class HostSettingsValidation : IValidateOptions<HostSettings>
{
    public ValidateOptionsResult Validate(string? name, HostSettings settings)
    {
        var problems = new List<string>();
        var containers = new[]
        {
            (AppSettingNames.InboxContainer, settings.InboxContainer), (AppSettingNames.JobsContainer, settings.JobsContainer),
            (AppSettingNames.WorkContainer, settings.WorkContainer), (AppSettingNames.BatchContainer, settings.BatchContainer),
        };
        foreach (var (setting, value) in containers)
            if (!ContainerNames.IsValid(value))
                problems.Add($"app setting '{setting}' is '{Redaction.Echo(value)}', which is not a blob container name: {ContainerNames.Rule}");
        // Each container has its own role: inputs, job blobs, intermediates under a lifecycle rule, batches.
        foreach (var clash in containers.GroupBy(c => c.Item2).Where(g => g.Count() > 1))
            problems.Add($"app settings {string.Join(" and ", clash.Select(c => $"'{c.Item1}'"))} name the same container '{clash.Key}'; each needs its own");
        if (string.IsNullOrWhiteSpace(settings.ModelsDir))
            problems.Add($"app setting '{AppSettingNames.ModelsDir}' (the folder holding models/manifest.json) is not set; {AppSettingSource.Image.Describe()}");
        foreach (var (setting, value) in new[]
                 {
                     (AppSettingNames.MaxRequestBytes, settings.MaxRequestBytes), (AppSettingNames.ResultUrlMinutes, settings.ResultUrlMinutes),
                     (AppSettingNames.BatchMaxStartsPerRun, settings.BatchMaxStartsPerRun), (AppSettingNames.BatchStartsPerMinute, settings.BatchStartsPerMinute),
                 })
            if (value <= 0) problems.Add($"app setting '{setting}' must be a positive whole number, not {value}");
        if (settings.ResultUrlMinutes > ResultUrlPolicy.MaxMinutes)
            problems.Add($"app setting '{AppSettingNames.ResultUrlMinutes}' is {settings.ResultUrlMinutes}; a user-delegation SAS lives at most {ResultUrlPolicy.MaxMinutes} minutes (7 days)");
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
