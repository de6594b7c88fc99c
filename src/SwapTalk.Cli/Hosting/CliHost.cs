using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SwapTalk.Core.Activities;
using SwapTalk.Core.Composition;
using SwapTalk.Core.Storage;

namespace SwapTalk.Cli.Hosting;

/// <summary>
/// The one place every <c>swaptalk</c> command gets its services: a Generic Host with configuration from the environment
/// (SWAPTALK_FFMPEG, the execution provider...), the CLI's logging (<see cref="CliLogging"/>) and the composition root
/// (<see cref="SwapTalkServices.AddSwapTalk"/>: media, ONNX Runtime, engines, pipeline, activities, follow-ups), plus what
/// the command adds (its job store, its pipeline options). Services are made on first use, so a command checks its
/// inputs before ONNX Runtime loads. One-shot commands build the host and do not start its lifetime: their cancellation
/// (Program.Main: first Ctrl-C or SIGTERM stops with exit 3, a second quits) is the command's own; the worker runs it.
/// </summary>
internal static class CliHost
{
    public static IHost Build(Action<HostApplicationBuilder>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], DisableDefaults = true });
        builder.Configuration.AddEnvironmentVariables();
        CliLogging.Configure(builder.Logging.ClearProviders());
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        configure?.Invoke(builder);
        builder.Services.AddSwapTalk(builder.Configuration);
        return builder.Build();
    }

    /// <summary>
    /// A host whose jobs live in the store <paramref name="store"/> makes (on first use: a folder store creates its
    /// folder), run with <paramref name="pipeline"/>; each job names its own models folder unless <paramref name="modelsDirectory"/> fixes one.
    /// </summary>
    public static IHost ForJobs(Func<IServiceProvider, IBlobStore> store, PipelineOptions pipeline, string? modelsDirectory = null,
        Action<HostApplicationBuilder>? configure = null)
    {
        PipelineServices.ReturnLargeBlocksToTheSystem(); // flat memory over long jobs (see there)
        return Build(builder =>
        {
            builder.Services.AddSingleton(store).AddSingleton(new SwapTalkHostSettings(modelsDirectory, pipeline));
            configure?.Invoke(builder);
        });
    }
}
