using System.CommandLine;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SwapTalk.Cli.Hosting;
using SwapTalk.Core.Media;

namespace SwapTalk.Cli.Commands;

/// <summary><c>swaptalk media probe FILE [--json]</c>: what a media file holds, as the media engine sees it.</summary>
internal static class MediaProbeCommand
{
    public static Command Create()
    {
        // Arity checked here rather than by the parser so a missing file exits with 2 (usage), not 1.
        var file = new Argument<string[]>("file") { Description = "a video or audio file", Arity = ArgumentArity.ZeroOrMore };
        var json = new Option<bool>("--json") { Description = "print the probe as JSON" };
        var command = new Command("probe", "Print what a media file holds: container, duration, frames, rates, rotation, audio");
        command.Arguments.Add(file);
        command.Options.Add(json);
        command.SetAction((parse, ct) => MediaCommandGroup.RunAsync(async () =>
        {
            var files = parse.GetValue(file) ?? [];
            if (files.Length != 1) return MediaCommandGroup.Usage("media probe takes exactly one FILE");
            using var host = CliHost.Build();
            var info = await host.Services.GetRequiredService<MediaEngine>().ProbeAsync(files[0], ct);
            Console.WriteLine(parse.GetValue(json) ? JsonSerializer.Serialize(MediaProbeText.View(info), MediaProbeText.JsonOptions) : MediaProbeText.Describe(info));
            return MediaCommandGroup.Ok;
        }));
        return command;
    }
}
