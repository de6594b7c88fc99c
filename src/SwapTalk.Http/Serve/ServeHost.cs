using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SwapTalk.Core.Activities;
using SwapTalk.Core.Execution;
using SwapTalk.Core.Hosting.Manifests;
using SwapTalk.Core.Hosting.Starting;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Storage;

namespace SwapTalk.Http;

/// <summary>What <c>swaptalk serve</c> was asked for.</summary>
/// <param name="WorkDirectory">Job blobs under <c>jobs/</c>, uploads under <c>inbox/</c>, scratch under <c>.scratch/</c>.</param>
/// <param name="ModelsDirectory">The workers' models folder (every job uses it, as the cloud's image does).</param>
public sealed record ServeOptions(
    IReadOnlyList<Uri> Urls,
    string WorkDirectory,
    string ModelsDirectory,
    string? Token = null,
    long MaxUploadBytes = UploadOptions.DefaultMaxUploadBytes,
    JobLimits? Limits = null);

/// <summary>
/// <c>swaptalk serve</c>'s web host: Kestrel with the shared endpoints (<see cref="JobEndpoints.MapSwapTalk"/>), jobs
/// on the embedded executor (<see cref="LocalJobInstances"/>) over file-system blob stores laid out as the cloud's
/// containers (<c>jobs</c> for job blobs, <c>inbox</c> for uploads), and the same job starter the Functions app uses.
/// </summary>
public static class ServeHost
{
    /// <summary>The input container uploads go to, as in the cloud.</summary>
    public const string InboxContainer = "inbox";

    /// <summary>The file-system stores: jobs and the inbox, side by side in the work folder.</summary>
    public static JobStores Stores(string workDirectory)
    {
        var jobs = Path.Combine(workDirectory, "jobs-store");
        var inbox = Path.Combine(workDirectory, InboxContainer);
        Directory.CreateDirectory(jobs);
        Directory.CreateDirectory(inbox);
        return new JobStores(new FileSystemBlobStore(jobs), new Dictionary<string, IBlobStore> { [InboxContainer] = new FileSystemBlobStore(inbox) });
    }

    /// <param name="activities">The pipeline's activities over <paramref name="stores"/>' job store (StageInputs is added here).</param>
    public static WebApplication Build(ServeOptions options, JobStores stores, ActivityRegistry activities, IUploadInspector inspector,
        LocalExecutorOptions executor, LocalJobInstances.Finisher? finish, Action<ILoggingBuilder>? logging = null)
    {
        if (AccessToken.Check(options.Urls, options.Token) is { } problem) throw new ArgumentException(problem, nameof(options));
        var limits = options.Limits ?? JobLimits.Default;
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        logging?.Invoke(builder.Logging);
        builder.WebHost.UseUrls([.. options.Urls.Select(u => u.ToString().TrimEnd('/'))]);
        // Uploads are checked against their own limit while they stream in; Kestrel's cap sits just above it.
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = options.MaxUploadBytes + (1 << 20));
        builder.Services.Configure<HostOptions>(h => h.ShutdownTimeout = TimeSpan.FromSeconds(30));

        var app = builder.Build();
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("SwapTalk.Serve");
        CloudWorkflows.AddHostActivities(activities, stores, limits);
        var instances = new LocalJobInstances(stores.Jobs, activities, executor, finish, log);
        var reader = new CloudManifestReader(stores.InputContainers, new JobValidator(limits));
        var starter = new JobStarter(stores, options.ModelsDirectory);
        var apiOptions = new JobApiOptions();
        var api = new JobApi(reader, starter, stores.Jobs, new LocalResultUrlSigner(), apiOptions);
        var uploads = new UploadApi(stores.Input(InboxContainer), InboxContainer, inspector,
            new UploadOptions(Path.Combine(options.WorkDirectory, ".scratch", "uploads"), options.MaxUploadBytes));

        app.Use(SameOrigin.Gate(options.Urls, options.Token is not null));
        if (options.Token is { } token) app.Use(AccessToken.Gate(token));
        app.MapSwapTalk(api, uploads, instances, stores.Jobs, apiOptions.MaxListedJobs);

        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var resumed = instances.ResumeAsync(CancellationToken.None).GetAwaiter().GetResult();
            if (resumed.Count > 0) log.LogWarning("serve: resuming {Count} job(s): {Jobs}", resumed.Count, string.Join(", ", resumed));
        });
        // Stop the jobs before the host goes: a job stopped this way is left to resume at the next start.
        app.Lifetime.ApplicationStopping.Register(() => instances.DisposeAsync().AsTask().GetAwaiter().GetResult());
        return app;
    }
}
