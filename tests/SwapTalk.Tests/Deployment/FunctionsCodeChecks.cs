using System.Text.RegularExpressions;
using System.Xml.Linq;
using SwapTalk.Core.Hosting;

namespace SwapTalk.Tests.Deployment;

/// <summary>
/// Consistency rules between the Functions app's code (read as text, see <see cref="FunctionsSource"/>), the core's
/// names and the deployment assets. Each returns the problems it finds as sentences naming the file and the thing.
/// </summary>
public static partial class FunctionsCodeChecks
{
    /// <summary>Every function name resolves to a constant, is unique, and every function has exactly one trigger.</summary>
    public static IEnumerable<string> Declarations(FunctionsSource source)
    {
        foreach (var f in source.Functions.Where(f => f.Name is null))
            yield return $"{f.File}: [Function({f.NameExpression})] is not a literal or a constant of the core (HostFunctionNames, WorkflowNames, ActivityNames...)";
        foreach (var f in source.Functions.Where(f => f.Trigger is null))
            yield return $"{f.File}: function '{f.Name ?? f.NameExpression}' has no trigger attribute";
        foreach (var duplicate in source.Functions.Where(f => f.Name is not null).GroupBy(f => f.Name).Where(g => g.Count() > 1))
            yield return $"function name '{duplicate.Key}' is declared {duplicate.Count()} times ({string.Join(", ", duplicate.Select(d => d.File))})";
    }

    /// <summary>
    /// Every name something else calls exists with the right trigger: the trigger functions (the Event Grid
    /// subscription names Host.Functions.{InboxManifest}), one orchestrator per workflow, one activity function per
    /// activity; and nothing beyond them.
    /// </summary>
    public static IEnumerable<string> Names(FunctionsSource source, IReadOnlyCollection<string> triggerNames,
        IReadOnlyCollection<string> workflows, IReadOnlyCollection<string> activities)
    {
        var byName = source.Functions.Where(f => f.Name is not null).ToLookup(f => f.Name!);
        foreach (var name in triggerNames.Where(n => !byName.Contains(n)))
            yield return $"HostFunctionNames.{name} has no [Function(\"{name}\")] in src/SwapTalk.Functions";
        foreach (var (names, trigger, what) in new[] { (workflows, "OrchestrationTrigger", "workflow"), (activities, "ActivityTrigger", "activity") })
        {
            foreach (var name in names)
            {
                var f = byName[name].FirstOrDefault();
                if (f is null) yield return $"{what} '{name}' has no [Function(\"{name}\")] with [{trigger}]: Durable could not run it";
                else if (f.Trigger != trigger) yield return $"{f.File}: function '{name}' is the {what} '{name}' but uses [{f.Trigger}]";
            }
            foreach (var f in source.Functions.Where(f => f.Trigger == trigger && f.Name is not null && !names.Contains(f.Name)))
                yield return $"{f.File}: [{trigger}] function '{f.Name}' is not a {what} the core knows";
        }
        foreach (var f in source.Functions.Where(f => f.Trigger is "HttpTrigger" or "BlobTrigger" or "TimerTrigger" && f.Name is not null && !triggerNames.Contains(f.Name)))
            yield return $"{f.File}: trigger function '{f.Name}' is not in HostFunctionNames.Triggers";
    }

    /// <summary>HTTP functions require a function key: AuthorizationLevel.Function, never the methods-only constructor (anonymous).</summary>
    public static IEnumerable<string> HttpAuthorization(FunctionsSource source)
    {
        foreach (var f in source.Functions.Where(f => f.Trigger == "HttpTrigger"))
        {
            var first = FunctionsSource.SplitTopLevel(f.TriggerArguments, ',')[0].Trim();
            if (first != "AuthorizationLevel.Function")
                yield return $"{f.File}: HTTP function '{f.Name}' has [HttpTrigger({first}...)]; it must start with AuthorizationLevel.Function " +
                             "(the methods-only constructor leaves the level at Anonymous)";
            var route = Argument(f.TriggerArguments, "Route");
            if (route is null || FunctionsSource.EvaluateConstant(route) is null)
                yield return $"{f.File}: HTTP function '{f.Name}' has no constant Route";
        }
    }

    /// <summary>
    /// The blob trigger the Event Grid subscription targets: the inbox container's setting, the storage connection
    /// the adapter also uses, and the Event Grid source (polling would miss the subscription's deliveries).
    /// </summary>
    public static IEnumerable<string> InboxTrigger(FunctionsSource source)
    {
        var f = source.Functions.FirstOrDefault(f => f.Name == HostFunctionNames.InboxManifest);
        if (f is null) yield break;
        if (f.Trigger != "BlobTrigger")
        {
            yield return $"{f.File}: '{HostFunctionNames.InboxManifest}' must be a blob trigger (the Event Grid webhook calls Host.Functions.{HostFunctionNames.InboxManifest})";
            yield break;
        }
        var path = FunctionsSource.EvaluateConstant(FunctionsSource.SplitTopLevel(f.TriggerArguments, ',')[0]);
        if (path != $"%{AppSettingNames.InboxContainer}%/{{name}}")
            yield return $"{f.File}: the inbox blob trigger's path is '{path}', expected '%{AppSettingNames.InboxContainer}%/{{name}}'";
        if (Argument(f.TriggerArguments, "Source")?.Trim() != "BlobTriggerSource.EventGrid")
            yield return $"{f.File}: the inbox blob trigger must use Source = BlobTriggerSource.EventGrid";
        if (Argument(f.TriggerArguments, "Connection") is not { } connection || FunctionsSource.EvaluateConstant(connection) != AppSettingNames.StorageConnection)
            yield return $"{f.File}: the inbox blob trigger must use Connection = AppSettingNames.StorageConnection";
    }

    /// <summary>
    /// Every setting the code reads is a name from <see cref="AppSettingNames"/>: %NAME% references in trigger
    /// attributes resolve to catalog settings, no literal setting names and no direct environment reads.
    /// </summary>
    public static IEnumerable<string> Settings(FunctionsSource source, IReadOnlyList<AppSetting> catalog)
    {
        var known = catalog.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var f in source.Functions)
        {
            var arguments = FunctionsSource.SplitTopLevel(f.TriggerArguments, ',');
            foreach (var argument in arguments)
            {
                var value = argument.Contains('=') && !argument.TrimStart().StartsWith('"') ? argument[(argument.IndexOf('=') + 1)..] : argument;
                if (FunctionsSource.EvaluateConstant(value) is not { } text) continue;
                foreach (Match m in Regex.Matches(text, "%([^%]+)%"))
                    if (!known.Contains(m.Groups[1].Value))
                        yield return $"{f.File}: '{f.Name}' refers to app setting '%{m.Groups[1].Value}%', which AppSettingNames.Catalog does not know";
            }
        }
        foreach (var (file, text) in source.Files)
        {
            if (text.Contains("Environment.GetEnvironmentVariable", StringComparison.Ordinal))
                yield return $"{file}: reads the environment directly; read settings through AppSettingNames and IConfiguration";
            foreach (Match m in SettingLiteral().Matches(text))
                yield return $"{file}: the literal \"{m.Groups[1].Value}\" spells a setting name; use the AppSettingNames constant";
            foreach (Match m in Regex.Matches(text, @"\bAppSettingNames\.([A-Za-z_][A-Za-z0-9_]*)"))
            {
                var member = m.Groups[1].Value;
                if (member is nameof(AppSettingNames.Read) or nameof(AppSettingNames.ReadPositiveInt) or nameof(AppSettingNames.Catalog) or nameof(AppSettingNames.Find)) continue;
                if (FunctionsSource.Constant(nameof(AppSettingNames), member) is not { } name)
                    yield return $"{file}: AppSettingNames.{member} is not a constant of AppSettingNames";
                else if (!known.Contains(name) && name != AppSettingNames.ManagedIdentityCredential)
                    yield return $"{file}: AppSettingNames.{member} ('{name}') is not in AppSettingNames.Catalog";
            }
        }
    }

    /// <summary>Activity functions hand their input to the activity of their own name, and do nothing else.</summary>
    public static IEnumerable<string> ActivitiesDelegate(FunctionsSource source)
    {
        foreach (var f in source.Functions.Where(f => f.Trigger == "ActivityTrigger"))
        {
            var body = Regex.Replace(f.Body, @"\s+", " ").Trim();
            var call = Regex.Match(body, @"^Run<\w+, \w+>\((\w+\.\w+), input, cancellationToken\);");
            if (!call.Success)
                yield return $"{f.File}: activity function '{f.Name}' must be '=> Run<TIn, TOut>(ActivityNames.X, input, cancellationToken);', not '{body[..Math.Min(body.Length, 80)]}'";
            else if (FunctionsSource.EvaluateConstant(call.Groups[1].Value) != f.Name)
                yield return $"{f.File}: activity function '{f.Name}' runs activity {call.Groups[1].Value}";
        }
    }

    /// <summary>The project file: the Functions SDK shape, packages pinned centrally, the core referenced, host.json linked.</summary>
    public static IEnumerable<string> ProjectFile(XDocument project, XDocument packages)
    {
        string? Property(string name) => project.Descendants(name).FirstOrDefault()?.Value.Trim();
        if (Property("OutputType") != "Exe") yield return "SwapTalk.Functions.csproj: OutputType must be Exe (the isolated worker is a process)";
        if (Property("AzureFunctionsVersion") != "v4") yield return "SwapTalk.Functions.csproj: AzureFunctionsVersion must be v4";
        if (!project.Descendants("FrameworkReference").Any(e => (string?)e.Attribute("Include") == "Microsoft.AspNetCore.App"))
            yield return "SwapTalk.Functions.csproj: the ASP.NET Core integration needs <FrameworkReference Include=\"Microsoft.AspNetCore.App\" />";
        var pinned = packages.Descendants("PackageVersion").Select(e => (string?)e.Attribute("Include")).ToHashSet();
        foreach (var reference in project.Descendants("PackageReference").Select(e => (string?)e.Attribute("Include")))
        {
            if (!pinned.Contains(reference)) yield return $"SwapTalk.Functions.csproj: package '{reference}' has no PackageVersion in Directory.Packages.props";
        }
        foreach (var needed in new[] { "Microsoft.Azure.Functions.Worker", "Microsoft.Azure.Functions.Worker.Sdk", "Microsoft.Azure.Functions.Worker.Extensions.DurableTask",
                     "Microsoft.Azure.Functions.Worker.Extensions.Http.AspNetCore", "Microsoft.Azure.Functions.Worker.Extensions.Storage.Blobs",
                     "Microsoft.Azure.Functions.Worker.Extensions.Timer", "Azure.Storage.Blobs" })
            if (!project.Descendants("PackageReference").Any(e => (string?)e.Attribute("Include") == needed))
                yield return $"SwapTalk.Functions.csproj: package '{needed}' is not referenced";
        if (!project.Descendants("ProjectReference").Any(e => ((string?)e.Attribute("Include"))?.Replace('\\', '/').EndsWith("SwapTalk.Core/SwapTalk.Core.csproj") == true))
            yield return "SwapTalk.Functions.csproj: does not reference SwapTalk.Core";
        if (!project.Descendants("None").Any(e => ((string?)e.Attribute("Include"))?.Replace('\\', '/') == "../../host.json" && (string?)e.Attribute("CopyToOutputDirectory") is "PreserveNewest" or "Always"))
            yield return "SwapTalk.Functions.csproj: must link the repository's host.json into the output";
    }

    /// <summary>The README's test command must work without nuget.org: nothing it builds references the Functions projects.</summary>
    public static IEnumerable<string> TestCommandIsolation(string testScript, XDocument testProject)
    {
        var builds = Regex.Matches(testScript, @"dotnet\s+(?:test|build)\s+""?([^""\s]+)").Select(m => m.Groups[1].Value).ToList();
        if (builds.Count == 0) yield return "scripts/test.sh builds nothing with dotnet test/build";
        foreach (var target in builds.Where(t => !t.EndsWith("tests/SwapTalk.Tests/SwapTalk.Tests.csproj", StringComparison.Ordinal)))
            yield return $"scripts/test.sh builds '{target}'; it must build only tests/SwapTalk.Tests (the Functions projects do not restore here)";
        foreach (var reference in testProject.Descendants("ProjectReference").Select(e => (string?)e.Attribute("Include") ?? ""))
            if (reference.Contains("SwapTalk.Functions", StringComparison.Ordinal))
                yield return $"tests/SwapTalk.Tests references '{reference}', which cannot be restored here";
    }

    private static string? Argument(string arguments, string name) =>
        FunctionsSource.SplitTopLevel(arguments, ',').Select(a => a.Trim())
            .Where(a => Regex.IsMatch(a, $@"^{name}\s*=")).Select(a => a[(a.IndexOf('=') + 1)..].Trim()).FirstOrDefault();

    [GeneratedRegex("\"((?:SWAPTALK_[A-Z0-9_]+|AzureWebJobs[A-Za-z_]*|APPLICATIONINSIGHTS_[A-Z_]+|DURABLE_TASK_[A-Z_]+|TASKHUB_NAME|AZURE_CLIENT_ID|SwapTalkStorage[A-Za-z_]*|FUNCTIONS_WORKER_RUNTIME))\"")]
    private static partial Regex SettingLiteral();
}
