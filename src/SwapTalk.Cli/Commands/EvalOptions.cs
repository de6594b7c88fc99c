using System.CommandLine;
using SwapTalk.Core.Evaluation;
using SwapTalk.Core.FollowUps;
using SwapTalk.Core.Files;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Models;

namespace SwapTalk.Cli.Commands;

/// <summary><c>swaptalk eval</c>'s options, the evaluation request read from a parse of them, and what is wrong with its files.</summary>
internal sealed class EvalOptions
{
    private readonly Option<string> _video = new("--video") { Description = "the video to evaluate (a dub's output)", Required = true };
    private readonly Option<string> _portrait = new("--portrait") { Description = "the portrait whose identity the video should show", Required = true };
    private readonly Option<string?> _original = new("--original") { Description = "the target video the output was made from (enables SSIM/PSNR, closer-to-portrait, and LMD when self-driven)" };
    private readonly Option<string?> _audio = new("--audio") { Description = "the driving speech (default: the video's own audio track); giving it means cross-driven" };
    private readonly Option<string?> _truth = new("--truth") { Description = "a real video of someone saying the driving speech (for GRID: the clip the audio came from): the mouth is measured against it" };
    private readonly Option<string?> _gallery = new("--gallery") { Description = "a folder of portrait images (several people) for ID retrieval" };
    private readonly Option<string> _policy = new("--policy")
    {
        Description = "how the output's frames past the original's end map onto it (the dub's --policy when its audio was longer): ping-pong, freeze or trim (compared with nothing)",
        DefaultValueFactory = _ => "ping-pong",
    };
    private readonly Option<bool> _force = new("--force") { Description = "replace an existing evaluation image" };

    public EvalOptions() => _policy.AcceptOnlyFromAmong("ping-pong", "freeze", "trim");

    public Option<string?> Output { get; } = new("--out") { Description = "the folder for the PNG summary (default: the video's folder); the file is VIDEO's name + .eval.png" };
    public Option<bool> Json { get; } = new("--json") { Description = "print one JSON object on stdout and nothing else" };
    public Option<string?> Models { get; } = new("--models") { Description = $"folder holding the face_detector and face_landmarker models (default: ${ModelCatalog.DirectoryVariable}, else ./models)" };
    public Option<string?> Identity { get; } = new("--identity-model") { Description = $"the MobileFaceNet identity model (default: ${EvaluationModels.IdentityModelVariable}, else MODELS/{EvaluationModels.IdentityModelFile})" };
    public Option<string?> Reference { get; } = new("--reference-photo") { Description = "another photo of the portrait's person (not the portrait): identity carried, not texture copied" };

    /// <summary>Every option, in the order help lists them.</summary>
    public IEnumerable<Option> All => [_video, _portrait, _original, _audio, _truth, _gallery, Output, _policy, Json, Models, Identity, _force, Reference];

    public EvaluationRequest Request(ParseResult parse) => new()
    {
        Video = parse.GetValue(_video)!,
        Portrait = parse.GetValue(_portrait)!,
        Original = parse.GetValue(_original),
        Audio = parse.GetValue(_audio),
        Truth = parse.GetValue(_truth),
        Gallery = parse.GetValue(_gallery),
        LongerOutput = DubEvaluation.RuleFor(parse.GetValue(_policy) switch { "freeze" => LengthPolicy.Freeze, "trim" => LengthPolicy.Trim, _ => LengthPolicy.PingPong }),
    };

    /// <summary>Every problem with the files given and the image's location, at once; the image never replaces an input.</summary>
    public List<JobInputError> Problems(ParseResult parse, EvaluationRequest request, string imagePath)
    {
        var problems = new List<JobInputError>();
        var inputs = Inputs(request, parse.GetValue(Identity)).ToList();
        foreach (var (flag, path) in inputs)
            if (InputPaths.Problem(path) is { } problem) problems.Add(new(flag, problem));
            else if (Directory.Exists(path)) problems.Add(new(flag, $"'{path}' is a folder, expected a file"));
            else if (!File.Exists(path)) problems.Add(new(flag, $"'{path}' does not exist"));
        if (request.Gallery is not null && !Directory.Exists(request.Gallery))
            problems.Add(new("--gallery", $"'{request.Gallery}' is not a folder"));
        if (parse.GetValue(Reference) is { } photo && !File.Exists(photo))
            problems.Add(new("--reference-photo", $"'{photo}' does not exist"));
        if (parse.GetValue(Output) is { } outDir && File.Exists(outDir))
            problems.Add(new("--out", $"'{outDir}' is a file; --out names the folder for the image"));
        else
            problems.AddRange(OutputCheck.Check(inputs.Select(i => new UserInput(i.Flag, i.Path)),
                [new UserOutput("--out (the evaluation image)", imagePath, [".png"], CreatesFolder: true)], parse.GetValue(_force)));
        return problems;
    }

    private static IEnumerable<(string Flag, string Path)> Inputs(EvaluationRequest request, string? identityModel)
    {
        yield return ("--video", request.Video);
        yield return ("--portrait", request.Portrait);
        if (request.Original is not null) yield return ("--original", request.Original);
        if (request.Audio is not null) yield return ("--audio", request.Audio);
        if (request.Truth is not null) yield return ("--truth", request.Truth);
        if (identityModel is not null) yield return ("--identity-model", identityModel);
    }
}
