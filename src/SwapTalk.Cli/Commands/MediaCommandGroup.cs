using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using SwapTalk.Cli.Hosting;
using System.Globalization;
using System.Text.Json;
using SwapTalk.Core.Media;

namespace SwapTalk.Cli.Commands;

/// <summary><c>swaptalk media ...</c>: the media engine from the command line (probe, resegment).</summary>
internal static class MediaCommandGroup
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int BadInput = 2;

    public static Command Create()
    {
        var media = new Command("media", "Media engine: probe files, split/concatenate/mux videos (ffmpeg)");
        media.Subcommands.Add(CreateProbe());
        media.Subcommands.Add(MediaResegmentCommand.Create());
        return media;
    }

    private static Command CreateProbe()
    {
        // Arity checked here rather than by the parser so a missing file exits with 2 (usage), not 1.
        var file = new Argument<string[]>("file") { Description = "a video or audio file", Arity = ArgumentArity.ZeroOrMore };
        var json = new Option<bool>("--json") { Description = "print the probe as JSON" };
        var command = new Command("probe", "Print what a media file holds: container, duration, frames, rates, rotation, audio");
        command.Arguments.Add(file);
        command.Options.Add(json);
        command.SetAction((parse, ct) => RunAsync(async () =>
        {
            var files = parse.GetValue(file) ?? [];
            if (files.Length != 1) return Usage("media probe takes exactly one FILE");
            using var host = CliHost.Build();
            var info = await host.Services.GetRequiredService<MediaEngine>().ProbeAsync(files[0], ct);
            Console.WriteLine(parse.GetValue(json) ? JsonSerializer.Serialize(ProbeView(info), JsonOptions) : Describe(info));
            return Ok;
        }));
        return command;
    }

    internal static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>The probe as printed by --json: rates as "num/den", keyframes as a count.</summary>
    internal static object ProbeView(MediaInfo info) => new
    {
        path = info.Path,
        container = info.Container,
        duration = double.IsFinite(info.Duration) ? info.Duration : (double?)null,
        sizeBytes = info.SizeBytes,
        video = info.Video is not { } v ? null : new
        {
            index = v.Index,
            codec = v.Codec,
            pixelFormat = v.PixelFormat,
            width = v.Width,
            height = v.Height,
            storedWidth = v.StoredWidth,
            storedHeight = v.StoredHeight,
            rotation = v.Rotation,
            frameRate = v.FrameRate.ToString(),
            nominalFrameRate = v.NominalFrameRate.ToString(),
            averageFrameRate = v.AverageFrameRate.ToString(),
            variableFrameRate = v.IsVariableFrameRate,
            frameCount = v.FrameCount,
            sourceFrameCount = v.SourceFrameCount,
            frameCountFromContainer = v.FrameCountFromContainer,
            duration = v.Duration,
            startTime = v.StartTime,
            timeBase = v.TimeBase.ToString(),
            hasBFrames = v.HasBFrames,
            keyframes = v.KeyframePts.Count,
        },
        audio = info.Audio.Select(a => new { index = a.Index, codec = a.Codec, sampleRate = a.SampleRate, channels = a.Channels, duration = double.IsFinite(a.Duration) ? a.Duration : (double?)null }),
    };

    internal static string Describe(MediaInfo info)
    {
        var inv = CultureInfo.InvariantCulture;
        var lines = new List<string>
        {
            info.Path,
            string.Format(inv, "  container  {0}, {1:0.###} s, {2:N0} bytes", info.Container, info.Duration, info.SizeBytes),
        };
        if (info.Video is { } v)
        {
            lines.Add(string.Format(inv, "  video      #{0} {1} {2}x{3} {4}{5}", v.Index, v.Codec, v.Width, v.Height, v.PixelFormat,
                v.Rotation != 0 ? string.Format(inv, " (stored {0}x{1}, rotated {2} deg clockwise)", v.StoredWidth, v.StoredHeight, v.Rotation) : ""));
            lines.Add(string.Format(inv, "  frames     {0} at {1} fps ({2:0.###} s){3}", v.FrameCount, v.FrameRate, v.Duration,
                v.IsVariableFrameRate ? string.Format(inv, "; variable frame rate: {0} stored frames, nominal {1}, average {2}", v.SourceFrameCount, v.NominalFrameRate, v.AverageFrameRate) : ", constant frame rate"));
            lines.Add(string.Format(inv, "  keyframes  {0}{1}", v.KeyframePts.Count, v.HasBFrames ? ", B-frames" : ""));
        }
        foreach (var a in info.Audio)
            lines.Add(string.Format(inv, "  audio      #{0} {1} {2} Hz, {3} ch, {4:0.###} s", a.Index, a.Codec, a.SampleRate, a.Channels, a.Duration));
        return string.Join(Environment.NewLine, lines);
    }

    internal static int Usage(string message)
    {
        Console.Error.WriteLine($"swaptalk: {message}");
        return BadInput;
    }

    /// <summary>Maps failures to exit codes with one clear line: 2 for bad input or usage, 1 for anything else.</summary>
    internal static async Task<int> RunAsync(Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (MediaException e)
        {
            Console.Error.WriteLine($"swaptalk: {e.Message}");
            return e.IsBadInput ? BadInput : Failed;
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"swaptalk: {e.Message}");
            return BadInput;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("swaptalk: cancelled");
            return 3;
        }
        catch (IOException e)
        {
            Console.Error.WriteLine($"swaptalk: {e.Message}");
            return Failed;
        }
        catch (Exception e)
        {
            // Anything unexpected: one line and a log file holding the stack trace, never the trace itself.
            return new CommandFailures("media", Console.Out, Console.Error, json: false).Unexpected(e, "the media command");
        }
    }
}
