using System.CommandLine;
using System.Globalization;
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
            try
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
                var range = ParseFrames(parse.GetValue(frames), info.RequireVideo().FrameCount);
                var catalog = new ModelCatalog(host.Services.GetRequiredService<OrtRuntime>(), ModelManifest.Default, modelsDir, SessionSettings.FromEnvironment());
                using var tracker = FaceTracker.Open(catalog, new FaceTrackOptions { Selector = selector });
                var report = await TrackInspection.RunAsync(media, tracker, path, sheetPath,
                    new InspectionOptions { Frames = range, Every = parse.GetValue(every) }, ct);
                Print(stdout, report, parse.GetValue(stats), selector);
                return Ok;
            }
            catch (MediaException e)
            {
                stderr.WriteLine($"swaptalk: {e.Message}");
                return e.IsBadInput ? BadInput : Failed;
            }
            catch (ModelContractException e)
            {
                stderr.WriteLine($"swaptalk: inspect needs the face_detector and face_landmarker models (YuNet and Peppa 68-point; ../shared/data/models holds them): {e.Message}");
                return BadInput;
            }
            catch (OrtLibraryException e)
            {
                stderr.WriteLine($"swaptalk: {e.Message}");
                return BadInput;
            }
            catch (ArgumentException e)
            {
                stderr.WriteLine($"swaptalk: inspect: {Reason(e)}");
                return BadInput;
            }
            catch (OperationCanceledException)
            {
                stderr.WriteLine("swaptalk: cancelled");
                return 3;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or OrtException or InvalidOperationException)
            {
                stderr.WriteLine($"swaptalk: inspect: {e.Message}");
                return Failed;
            }
            catch (SwapTalk.Core.Jobs.BadInputException e)
            {
                stderr.WriteLine($"swaptalk: inspect: {string.Join("; ", e.Errors.Select(x => x.Message))}");
                return BadInput;
            }
            catch (Exception e)
            {
                return new CommandFailures("inspect", stdout, stderr, json: false).Unexpected(e, "the inspection");
            }
        });
        return command;
    }

    /// <summary>A:B (B exclusive), A: or :B, checked against the clip.</summary>
    internal static FrameRange? ParseFrames(string? text, long frameCount)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var parts = text.Split(':');
        long start = 0, end = frameCount;
        bool Read(string s, ref long value) =>
            s.Trim().Length == 0 || long.TryParse(s.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out value);
        if (parts.Length != 2 || !Read(parts[0], ref start) || !Read(parts[1], ref end))
            throw new ArgumentException($"--frames '{text}' is not A:B (frames A to B-1), A: or :B", nameof(text));
        if (start >= end || end > frameCount)
            throw new ArgumentException($"--frames {text} = [{start}, {end}) is not a non-empty part of the video's frames [0, {frameCount})", nameof(text));
        return new FrameRange(start, end);
    }

    private static void Print(TextWriter output, InspectionReport report, bool perFrame, IFaceSelector selector)
    {
        var inv = CultureInfo.InvariantCulture;
        var video = report.Media.RequireVideo();
        var track = report.Track;
        output.WriteLine(string.Format(inv, "{0}: {1} frames {2}x{3} at {4} fps; target: {5}", report.Media.Path, video.FrameCount, video.Width, video.Height, video.FrameRate, selector));
        output.WriteLine(track.ToString());
        output.WriteLine($"jitter (RMS second difference, raw -> smoothed): {report.Jitter}");
        var t = track.Timing;
        output.WriteLine(string.Format(inv, "tracking: {0:0.00} s for {1} frames read ({2:0.0} frames/s): detection {3:0.00} s, landmarks {4:0.00} s ({5} faces), smoothing {6:0.000} s",
            report.TrackingTime.TotalSeconds, t.FramesRead, t.FramesRead / Math.Max(1e-9, report.TrackingTime.TotalSeconds),
            t.Detection.TotalSeconds, t.Landmarks.TotalSeconds, t.FramesLandmarked, t.Smoothing.TotalSeconds));
        if (perFrame)
        {
            output.WriteLine("frame  source        score  box (w x h + x + y)      quad centre        quad size");
            foreach (var f in track.Items)
                output.WriteLine(string.Format(inv, "{0,5}  {1,-12}  {2,5}  {3,-23}  {4,-17}  {5}",
                    f.Index, f.Source, f.Detection is { } d ? d.Score.ToString("0.00", inv) : "-", f.Detection?.Box.ToString() ?? "-",
                    f.Face is { } a ? string.Format(inv, "({0:0.0}, {1:0.0})", a.Quad.Centre.X, a.Quad.Centre.Y) : "-",
                    f.Face is { } b ? b.Quad.Size.ToString("0.0", inv) : "-"));
        }
        output.WriteLine(string.Format(inv, "wrote {0} ({1}x{2}): {3} tiles, every {4} frame(s), in {5:0.00} s",
            report.SheetPath, report.SheetWidth, report.SheetHeight, report.SheetFrames.Count, report.Every, report.SheetTime.TotalSeconds));
    }

    /// <summary>The message without .NET's "(Parameter 'x')" suffix, which means nothing to a user.</summary>
    private static string Reason(ArgumentException e)
    {
        var suffix = e.ParamName is null ? null : $" (Parameter '{e.ParamName}')";
        return suffix is not null && e.Message.EndsWith(suffix, StringComparison.Ordinal) ? e.Message[..^suffix.Length] : e.Message;
    }

    private static int Usage(TextWriter error, string message)
    {
        error.WriteLine($"swaptalk: {message}");
        return BadInput;
    }
}
