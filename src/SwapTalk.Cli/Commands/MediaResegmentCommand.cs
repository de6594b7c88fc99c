using System.CommandLine;
using SwapTalk.Core.Media;

namespace SwapTalk.Cli.Commands;

/// <summary>
/// <c>swaptalk media resegment VIDEO --out OUT.mp4 [--segments N]</c>: the main job's media path without the models
/// (<see cref="MediaResegmentRun"/>); its options and the checks on its files.
/// </summary>
internal static class MediaResegmentCommand
{
    public static Command Create()
    {
        var video = new Argument<string[]>("video") { Description = "the video to resegment", Arity = ArgumentArity.ZeroOrMore };
        var segments = new Option<int>("--segments") { Description = "number of segments", DefaultValueFactory = _ => 4 };
        var audio = new Option<string?>("--audio") { Description = "audio to mux (a file or a video's track; default: the video's own audio)" };
        var output = new Option<string?>("--out") { Description = "the output .mp4" };
        var crf = new Option<int>("--crf") { Description = "x264 CRF for the segments", DefaultValueFactory = _ => 18 };
        var preset = new Option<string>("--preset") { Description = "x264 preset for the segments", DefaultValueFactory = _ => "medium" };
        var keep = new Option<bool>("--keep-segments") { Description = "keep the segment files (beside the output)" };
        var force = new Option<bool>("--force") { Description = "replace an existing output file" };
        var command = new Command("resegment", "Split a video into segments, verify a lossless round trip frame by frame, concatenate and mux audio");
        command.Arguments.Add(video);
        foreach (var o in new Option[] { segments, audio, output, crf, preset, keep, force }) command.Options.Add(o);
        command.SetAction((parse, ct) => MediaCommandGroup.RunAsync(async () =>
        {
            var videos = parse.GetValue(video) ?? [];
            if (videos.Length != 1) return MediaCommandGroup.Usage("media resegment takes exactly one VIDEO");
            var outPath = parse.GetValue(output);
            if (string.IsNullOrWhiteSpace(outPath)) return MediaCommandGroup.Usage("--out OUT.mp4 is required");
            var inputs = new List<Core.Files.UserInput> { new("VIDEO", videos[0]) };
            if (parse.GetValue(audio) is { } audioIn) inputs.Add(new("--audio", audioIn));
            var problems = Core.Files.OutputCheck.Check(inputs, [new("--out", outPath, [".mp4"])], parse.GetValue(force));
            if (problems.Count > 0) return MediaCommandGroup.Usage(string.Join("; ", problems.Select(p => $"{p.Input}: {p.Message}")));
            Core.Files.AtomicFile.RemoveLeftovers(outPath);
            var encoding = VideoEncoding.H264(parse.GetValue(crf), parse.GetValue(preset) ?? "medium");
            return await MediaResegmentRun.RunAsync(videos[0], parse.GetValue(segments), parse.GetValue(audio), outPath, encoding, parse.GetValue(keep), ct);
        }));
        return command;
    }
}
