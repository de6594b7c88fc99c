using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using SwapTalk.Cli.Hosting;
using SwapTalk.Core.Inference;
using SwapTalk.Core.Media;
using SwapTalk.Core.Models;
using SwapTalk.Core.Stages;
using SwapTalk.Core.Vision.Inspection;
using SwapTalk.Core.Vision.Tracking;

namespace SwapTalk.Cli.Commands;

/// <summary>
/// <c>swaptalk inspect VIDEO</c>: track the face through a video with the real detector and landmarker and
/// write a PNG contact sheet (boxes, landmarks, smoothed quads, aligned crops, masks), so a person can see
/// the tracking. Exit codes: 0 fine, 2 bad input (missing file, no video stream, models missing, bad
/// options), 1 anything else.
/// </summary>
internal static class InspectCommand
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int BadInput = 2;

    public static Command Create()
    {
        // Arity checked in the action so a missing VIDEO exits with 2, like a missing file.
        var video = new Argument<string[]>("VIDEO") { Description = "the video to inspect", Arity = ArgumentArity.ZeroOrMore };
        var models = new Option<string?>("--models") { Description = $"folder holding the face_detector and face_landmarker models (default: {ModelCatalog.DirectoryVariable}, else ./models)" };
        var output = new Option<string?>("--out") { Description = "the contact sheet to write (default: VIDEO's name + _faces.png, in the current folder)" };
        var every = new Option<int?>("--every") { Description = "one tile every K frames (default: about 24 tiles)" };
        var frames = new Option<string?>("--frames") { Description = "the frames to track, A:B = frames A to B-1 (A: or :B open-ended; default: all)" };
        var face = new Option<string>("--face-selection") { Description = $"which face when there are several: {string.Join(", ", FaceSelectors.Names)} (as for dub)", DefaultValueFactory = _ => FaceSelectors.Names[0] };
        var stats = new Option<bool>("--stats") { Description = "also print every tracked frame: source, score, box, quad" };
        var force = new Option<bool>("--force") { Description = "replace an existing contact sheet" };
        var command = new Command("inspect", "Track the face through a video and write a PNG contact sheet of boxes, landmarks, aligned crops and masks");
        command.Arguments.Add(video);
        foreach (var option in new Option[] { models, output, every, frames, face, stats, force }) command.Options.Add(option);

        command.SetAction(async (parse, ct) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            return await InspectFailures.RunAsync(stdout, stderr, async () =>
            {
                var paths = parse.GetValue(video) ?? [];
                if (paths.Length != 1) return Usage(stderr, "inspect takes exactly one VIDEO");
                var path = paths[0];
                var selector = FaceSelectors.For(FaceSelectors.Parse(parse.GetValue(face) ?? FaceSelectors.Names[0]));
                var modelsDir = ModelCatalog.ResolveDirectory(parse.GetValue(models));
                if (!Directory.Exists(modelsDir)) return Usage(stderr, $"inspect: models folder {modelsDir} does not exist (--models DIR or {ModelCatalog.DirectoryVariable})");
                var sheetPath = Path.GetFullPath(parse.GetValue(output) ?? Path.GetFileNameWithoutExtension(path) + "_faces.png");
                if (Core.Files.InputPaths.Problem(path) is { } inputProblem) return Usage(stderr, $"inspect: VIDEO {inputProblem}");
                var problems = Core.Files.OutputCheck.Check([new("VIDEO", path)],
                    [new(parse.GetValue(output) is null ? "--out (default name)" : "--out", sheetPath, [".png", ".jpg", ".jpeg"])], parse.GetValue(force));
                if (problems.Count > 0) return Usage(stderr, "inspect: " + string.Join("; ", problems.Select(p => $"{p.Input}: {p.Message}")));
                Core.Files.AtomicFile.RemoveLeftovers(sheetPath);

                using var host = CliHost.Build();
                var media = host.Services.GetRequiredService<MediaEngine>();
                // Probe before loading models: a wrong VIDEO is reported without waiting for ONNX Runtime.
                var info = await media.ProbeAsync(path, ct);
                var range = InspectionSummary.ParseFrames(parse.GetValue(frames), info.RequireVideo().FrameCount);
                var catalog = new ModelCatalog(host.Services.GetRequiredService<OrtRuntime>(), ModelManifest.Default, modelsDir, SessionSettings.FromEnvironment());
                using var tracker = FaceTracker.Open(catalog, new FaceTrackOptions { Selector = selector });
                var report = await TrackInspection.RunAsync(media, tracker, path, sheetPath,
                    new InspectionOptions { Frames = range, Every = parse.GetValue(every) }, ct);
                InspectionSummary.Write(stdout, report, parse.GetValue(stats), selector);
                return Ok;
            });
        });
        return command;
    }

    internal static int Usage(TextWriter error, string message)
    {
        error.WriteLine($"swaptalk: {message}");
        return BadInput;
    }
}
