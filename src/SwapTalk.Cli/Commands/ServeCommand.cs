using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using SwapTalk.Cli.Hosting;
using Microsoft.Extensions.Logging;
using SwapTalk.Core.Activities;
using SwapTalk.Core.Execution;
using SwapTalk.Azure.Starting;
using SwapTalk.Core.Inference;
using SwapTalk.Http;

namespace SwapTalk.Cli.Commands;

/// <summary>
/// <c>swaptalk serve [--urls http://127.0.0.1:8080] [--work DIR] [--models DIR] [--token T]</c>: the web page and the
/// job HTTP API (the Functions app's routes, bodies and problems, from the shared SwapTalk.Http handlers) on Kestrel,
/// with jobs on the embedded executor. After a job succeeds the server writes what the page shows beside it: the
/// preview sheet, the evaluation (image and numbers) and the original as H.264 for the browser.
/// </summary>
internal static class ServeCommand
{
    public const string DefaultUrl = "http://127.0.0.1:8080";

    public static Command Create()
    {
        var arguments = new ServeArguments();
        var command = new Command("serve", "Serve the web page and the job API on this machine (jobs run here, as with dub)");
        foreach (var o in arguments.All) command.Options.Add(o);
        command.SetAction(async (parse, ct) =>
        {
            var stderr = parse.InvocationConfiguration.Error;
            return arguments.Read(parse, stderr) is { } serve
                ? await RunAsync(serve.Options, serve.Pipeline, serve.Evaluate, parse.InvocationConfiguration.Output, stderr, ct)
                : DubCommand.BadInput;
        });
        return command;
    }

    private static async Task<int> RunAsync(ServeOptions options, PipelineOptions pipeline, bool evaluate, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        JobStores? stores = null; // made below, once ONNX Runtime has loaded: the work folder is not created for nothing
        using var host = CliHost.ForJobs(_ => stores!.Jobs, pipeline, options.ModelsDirectory);
        try
        {
            host.Services.GetRequiredService<OrtRuntime>();
        }
        catch (OrtLibraryException e)
        {
            stderr.WriteLine($"serve: {e.Message}");
            return DubCommand.Failed;
        }

        Directory.CreateDirectory(options.WorkDirectory);
        stores = ServeHost.Stores(options.WorkDirectory);
        var registry = host.Services.GetRequiredService<ActivityRegistry>();
        var inspector = new MediaUploadInspector(host.Services.GetRequiredService<PipelineServices>(), options.ModelsDirectory, pipeline.Limits);
        var followUps = new ServeFollowUps(host.Services, stores.Jobs, options.ModelsDirectory, evaluate);

        await using var app = ServeHost.Build(options, stores, registry, inspector,
            new LocalExecutorOptions { MaxParallelActivities = pipeline.SegmentParallelism }, followUps.RunAsync,
            logging => logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning)
                // A port in use is reported below in one line, not as the host's stack trace.
                .AddFilter("Microsoft.Extensions.Hosting", LogLevel.None));
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException e)
        {
            stderr.WriteLine($"serve: cannot listen on {string.Join(", ", options.Urls)}: {e.Message}");
            return DubCommand.Failed;
        }
        foreach (var url in options.Urls) stdout.WriteLine($"serve: listening on {url.ToString().TrimEnd('/')}/{(options.Token is null ? "" : " (access token required)")}");
        stdout.WriteLine($"serve: jobs and uploads in {options.WorkDirectory}; Ctrl-C stops (running jobs resume at the next start)");
        stdout.Flush();
        // Ctrl-C or SIGTERM reach either the command's token or the web host's own lifetime, whichever handles the signal.
        var stopping = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (app.Lifetime.ApplicationStopping.Register(() => stopping.TrySetResult()))
        using (cancellationToken.Register(() => stopping.TrySetResult()))
            await stopping.Task;
        await app.StopAsync(CancellationToken.None);
        stdout.WriteLine("serve: stopped");
        return DubCommand.Ok;
    }
}
