using System.Text.RegularExpressions;
using SwapTalk.Core.Hosting.Http;
using SwapTalk.Core.Jobs;

namespace SwapTalk.Core.Hosting;

/// <summary>
/// Everything the cloud host's triggers read from app settings, read once at start-up through
/// <see cref="AppSettingNames"/> so a misconfiguration fails the host with a message that names the setting,
/// instead of failing the first job that happens to need it.
/// </summary>
public sealed record HostSettings
{
    public required string InboxContainer { get; init; }
    public required string JobsContainer { get; init; }
    public required string WorkContainer { get; init; }
    public required string BatchContainer { get; init; }

    /// <summary>The models folder on the workers (baked into the image).</summary>
    public required string ModelsDir { get; init; }

    /// <summary>Largest accepted HTTP request body, inbox manifest and batch line, in bytes.</summary>
    public int MaxRequestBytes { get; init; } = 65536;

    public int ResultUrlMinutes { get; init; } = 60;
    public int BatchMaxStartsPerRun { get; init; } = 20;
    public int BatchStartsPerMinute { get; init; } = 10;

    /// <summary>Containers a job manifest may take its inputs from (uploads land in the inbox or beside a batch).</summary>
    public IReadOnlyList<string> InputContainers => [InboxContainer, BatchContainer];

    /// <exception cref="InvalidOperationException">A setting is missing, malformed, or two containers share a name.</exception>
    public static HostSettings Load(Func<string, string?> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        var settings = new HostSettings
        {
            InboxContainer = Container(read, AppSettingNames.InboxContainer),
            JobsContainer = Container(read, AppSettingNames.JobsContainer),
            WorkContainer = Container(read, AppSettingNames.WorkContainer),
            BatchContainer = Container(read, AppSettingNames.BatchContainer),
            ModelsDir = AppSettingNames.Read(read, AppSettingNames.ModelsDir),
            MaxRequestBytes = AppSettingNames.ReadPositiveInt(read, AppSettingNames.MaxRequestBytes),
            ResultUrlMinutes = AppSettingNames.ReadPositiveInt(read, AppSettingNames.ResultUrlMinutes),
            BatchMaxStartsPerRun = AppSettingNames.ReadPositiveInt(read, AppSettingNames.BatchMaxStartsPerRun),
            BatchStartsPerMinute = AppSettingNames.ReadPositiveInt(read, AppSettingNames.BatchStartsPerMinute),
        };
        if (settings.ResultUrlMinutes > ResultUrlPolicy.MaxMinutes)
            throw new InvalidOperationException(
                $"app setting '{AppSettingNames.ResultUrlMinutes}' is {settings.ResultUrlMinutes}; a user-delegation SAS lives at most {ResultUrlPolicy.MaxMinutes} minutes (7 days)");

        // Each container has its own role: inputs, job blobs, intermediates under a lifecycle rule, batches.
        var names = new[]
        {
            (AppSettingNames.InboxContainer, settings.InboxContainer), (AppSettingNames.JobsContainer, settings.JobsContainer),
            (AppSettingNames.WorkContainer, settings.WorkContainer), (AppSettingNames.BatchContainer, settings.BatchContainer),
        };
        foreach (var clash in names.GroupBy(n => n.Item2).Where(g => g.Count() > 1))
            throw new InvalidOperationException(
                $"app settings {string.Join(" and ", clash.Select(c => $"'{c.Item1}'"))} name the same container '{clash.Key}'; each needs its own");
        return settings;
    }

    /// <summary>The limits jobs started by the triggers are held to (inputs up to <see cref="JobLimits.MaxInputBytes"/>).</summary>
    public JobLimits Limits { get; init; } = JobLimits.Default;

    private static string Container(Func<string, string?> read, string setting)
    {
        var name = AppSettingNames.Read(read, setting);
        return ContainerNames.IsValid(name)
            ? name
            : throw new InvalidOperationException($"app setting '{setting}' is '{name}', which is not a blob container name: {ContainerNames.Rule}");
    }
}

/// <summary>Azure's rule for container names, checked before any request is made.</summary>
public static partial class ContainerNames
{
    public const string Rule = "3-63 characters of a-z, 0-9 and '-', starting with a letter or digit, no '--' and no '-' at the end";

    public static bool IsValid(string? name) => name is not null && Pattern().IsMatch(name);

    [GeneratedRegex("^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$")]
    private static partial Regex Pattern();
}
