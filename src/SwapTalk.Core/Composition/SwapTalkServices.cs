using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SwapTalk.Core.Activities;
using SwapTalk.Core.Engines;
using SwapTalk.Core.Engines.Geometric;
using SwapTalk.Core.Engines.Latent;
using SwapTalk.Core.Inference;
using SwapTalk.Core.Media;
using SwapTalk.Core.Storage;
using SwapTalk.Core.Workflow;

namespace SwapTalk.Core.Composition;

/// <summary>How a host runs the pipeline: its fixed models folder (null: each job's own) and the pipeline's options.</summary>
/// <param name="ModelsDirectory">A cloud worker's models folder, used whatever a job names; null where each job names its own (the CLI).</param>
public sealed record SwapTalkHostSettings(string? ModelsDirectory, PipelineOptions Pipeline)
{
    public static SwapTalkHostSettings Default { get; } = new(null, new PipelineOptions());
}

/// <summary>
/// An activity a host adds to the pipeline's own (the cloud host's StageInputs): registered with
/// <see cref="SwapTalkServices.AddSwapTalkActivity"/>, built by DI, listed in the one <see cref="ActivityRegistry"/>.
/// </summary>
public sealed record HostActivity(Func<IServiceProvider, ActivityRegistry, ActivityRegistry> AddTo);

/// <summary>
/// The composition root every host calls (the CLI, the Functions app, the fleet worker, the tests): the media engine,
/// ONNX Runtime, the dub engines, the pipeline's services and the one list of activities, each built once. The host
/// registers its <see cref="IBlobStore"/> (and, if it has them, <see cref="SwapTalkHostSettings"/> and its own
/// activities); heavy services (ONNX Runtime, models) are made on first use, so a host answering HTTP only never loads them.
/// </summary>
public static class SwapTalkServices
{
    /// <param name="configuration">Where SWAPTALK_FFMPEG/SWAPTALK_FFPROBE and the execution provider settings are read (environment variables or app settings).</param>
    public static IServiceCollection AddSwapTalk(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        string? Read(string name) => configuration[name];

        services.TryAddSingleton(_ => new MediaEngine(MediaTools.Resolve(Read)));
        services.TryAddSingleton(sp => OrtRuntime.Initialize(new OrtRuntimeOptions(), sp.GetService<ILoggerFactory>()));
        services.TryAddSingleton(SwapTalkHostSettings.Default);

        // The engines, in the order auto asks them; a new engine is one more line here.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IDubEngine, LatentEngine>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IDubEngine, GeometricEngine>());
        services.TryAddSingleton(sp => new DubEngines(sp.GetServices<IDubEngine>()));

        services.TryAddSingleton(sp =>
        {
            var settings = sp.GetRequiredService<SwapTalkHostSettings>();
            var pipeline = settings.Pipeline with { Session = settings.Pipeline.Session ?? SessionSettings.FromEnvironment(Read) };
            return new PipelineServices(sp.GetRequiredService<IBlobStore>(), sp.GetRequiredService<MediaEngine>(), sp.GetRequiredService<OrtRuntime>(),
                settings.ModelsDirectory, sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance, pipeline, sp.GetRequiredService<DubEngines>());
        });

        // The one list of activities: the pipeline's (PipelineActivities.Register), then each host's own.
        services.TryAddSingleton(sp =>
        {
            var registry = PipelineActivities.Register(new ActivityRegistry(), sp.GetRequiredService<PipelineServices>());
            foreach (var host in sp.GetServices<HostActivity>()) registry = host.AddTo(sp, registry);
            return registry;
        });
        services.TryAddSingleton(OrchestratorCatalog.Default);
        FollowUps.FollowUpServices.AddSwapTalkFollowUps(services); // the preview sheet, the evaluation and the report's notes after a job (FollowUps/)
        return services;
    }

    /// <summary>Adds a host's own activity to the one list (built by DI on first use).</summary>
    public static IServiceCollection AddSwapTalkActivity<TInput, TOutput, TActivity>(this IServiceCollection services, string name,
        Func<IServiceProvider, TActivity> create)
        where TActivity : class, IActivity<TInput, TOutput>
    {
        services.AddSingleton(new HostActivity((sp, registry) => registry.Add(name, create(sp))));
        return services;
    }
}
