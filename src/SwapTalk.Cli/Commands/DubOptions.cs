using System.CommandLine;
using SwapTalk.Core.Activities;
using SwapTalk.Core.Evaluation;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Models;
using SwapTalk.Core.Stages;

namespace SwapTalk.Cli.Commands;

/// <summary><c>swaptalk dub</c>'s options, and the job request and settings read from a parse of them.</summary>
internal sealed class DubOptions
{
    // Paths as typed (strings, not FileInfo): FileInfo would turn "http://host/x.mp4" into "<cwd>/http:/host/x.mp4".
    private readonly Option<string> _face = new("--face") { Description = "the portrait whose face the output shows (PNG, JPEG, WebP, BMP or TIFF)", Required = true };
    private readonly Option<string> _video = new("--video") { Description = "the target video: someone talking", Required = true };
    private readonly Option<string?> _audio = new("--audio") { Description = "the driving speech (cross-driven); omit to re-sync the video's own audio (self-driven)" };
    private readonly Option<string?> _models = new("--models") { Description = $"the models folder (default: ${ModelCatalog.DirectoryVariable}, else ./models)" };
    private readonly Option<string> _output = new("--out") { Description = "the result: an H.264/AAC .mp4 (or .mkv with --lossless)", Required = true };
    private readonly Option<string?> _work = new("--work") { Description = "where the job's blobs live (inputs, plan, segments, report); default: .swaptalk-work beside the output. Keep it to resume. One dub at a time per folder." };
    private readonly Option<int> _segmentFrames = new("--segment-frames") { Description = "output frames per segment (the unit of parallel work and of resume)", DefaultValueFactory = _ => new JobOptions().SegmentFrames };
    private readonly Option<string> _policy = Choice("--policy", "when the audio is longer than the video: ping-pong, freeze or trim", "ping-pong", "ping-pong", "freeze", "trim");
    private readonly Option<string> _selection = Choice("--face-selection", $"which face when there are several: {string.Join(", ", FaceSelectors.Names)}", FaceSelectors.Names[0], [.. FaceSelectors.Names]);
    private readonly Option<int> _crf = new("--crf") { Description = "H.264 quality, 0..51 (lower is better)", DefaultValueFactory = _ => new OutputQuality().Crf };
    private readonly Option<string> _preset = new("--preset") { Description = "x264 preset (ultrafast .. veryslow)", DefaultValueFactory = _ => new OutputQuality().Preset };
    private readonly Option<bool> _lossless = new("--lossless") { Description = "FFV1 segments and a lossless .mkv output (exact frames; large files)" };
    private readonly Option<bool> _json = new("--json") { Description = "print one JSON object on stdout and nothing else, on success and on failure (progress goes to stderr)" };
    private readonly Option<string?> _telemetry = new("--telemetry") { Description = "save the job's spans and metrics (OpenTelemetry-style) as JSON to this file (.json)" };
    private readonly Option<int?> _parallel = new("--parallel") { Description = $"segments rendered at once (default {PipelineOptions.DefaultSegmentParallelism(Environment.ProcessorCount)} on this machine)" };
    private readonly Option<int?> _threads = new("--threads") { Description = $"ONNX Runtime threads per model (default {PipelineOptions.DefaultIntraOpThreads(Environment.ProcessorCount)} on this machine)" };
    private readonly Option<int> _batch = new("--batch") { Description = "aligned faces per model run", DefaultValueFactory = _ => 8 };
    private readonly Option<string?> _preview = new("--preview") { Description = "where to write the before/after sheet, .png or .jpg (default: the output's name + .preview.png)" };
    private readonly Option<bool> _noPreview = new("--no-preview") { Description = "write no preview sheet" };
    private readonly Option<string> _engine = Choice("--engine", "geometric (no trained weights), latent (the SwapTalk models) or auto (latent for trained exports, else geometric)", "auto", "auto", "geometric", "latent");
    private readonly Option<string?> _credit = new("--credit") { Description = "a credit line for the preview sheet (e.g. the target video's licence attribution)" };
    private readonly Option<bool> _evaluate = new("--eval") { Description = "evaluate the output afterwards (swaptalk eval against the portrait, the target video and the driving audio); adds it to report.json and writes OUT.eval.png" };
    private readonly Option<string?> _identity = new("--identity-model") { Description = $"with --eval: the MobileFaceNet identity model (default: ${EvaluationModels.IdentityModelVariable}, else MODELS/{EvaluationModels.IdentityModelFile})" };
    private readonly Option<bool> _force = new("--force") { Description = "replace existing files at the output paths (without it, only this job's own earlier outputs are replaced)" };
    private readonly Option<bool> _allowNoFace = new("--allow-no-face") { Description = "accept a video in which no frame shows a face (it passes through unchanged)" };

    public Option<string?> Storage { get; } = FleetCommandOptions.Storage("run the job on a fleet of 'swaptalk worker's through this storage account (connection string or account URL) instead of here");

    public Option<string> TaskHub { get; } = FleetCommandOptions.TaskHub();

    /// <summary>Every option, in the order help lists them.</summary>
    public IEnumerable<Option> All => [_face, _video, _audio, _models, _output, _work, _segmentFrames, _policy, _selection, _engine, _crf, _preset, _lossless,
        _json, _telemetry, _parallel, _threads, _batch, _preview, _noPreview, _credit, _evaluate, _identity, _force, _allowNoFace, Storage, TaskHub];

    public bool Force(ParseResult parse) => parse.GetValue(_force);

    public JobRequest Request(ParseResult parse) => new()
    {
        Portrait = FullPath(parse.GetValue(_face)!),
        Video = FullPath(parse.GetValue(_video)!),
        Audio = parse.GetValue(_audio) is { } a ? FullPath(a) : null,
        Models = parse.GetValue(_models) is { } m ? FullPath(m) : ModelCatalog.ResolveDirectory(null),
        Output = FullPath(parse.GetValue(_output)!),
        Options = new JobOptions
        {
            SegmentFrames = parse.GetValue(_segmentFrames),
            LengthPolicy = parse.GetValue(_policy) switch { "freeze" => LengthPolicy.Freeze, "trim" => LengthPolicy.Trim, _ => LengthPolicy.PingPong },
            FaceSelection = FaceSelectors.Parse(parse.GetValue(_selection)!),
            Engine = parse.GetValue(_engine) switch { "geometric" => DubEngine.Geometric, "latent" => DubEngine.Latent, _ => DubEngine.Auto },
            Quality = new OutputQuality { Crf = parse.GetValue(_crf), Preset = parse.GetValue(_preset)!, Lossless = parse.GetValue(_lossless) },
        },
    };

    public DubSettings Settings(ParseResult parse, string output) => new(
        WorkDirectory: parse.GetValue(_work) is { } w ? FullPath(w) : Path.Combine(Path.GetDirectoryName(output) ?? ".", ".swaptalk-work"),
        Json: parse.GetValue(_json),
        TelemetryPath: parse.GetValue(_telemetry) is { } t ? FullPath(t) : null,
        Parallelism: parse.GetValue(_parallel),
        Threads: parse.GetValue(_threads),
        Batch: parse.GetValue(_batch),
        PreviewPath: parse.GetValue(_noPreview) ? null : (parse.GetValue(_preview) is { } p ? FullPath(p) : DubSettings.PreviewPathFor(output)),
        Credit: parse.GetValue(_credit),
        Evaluate: parse.GetValue(_evaluate),
        IdentityModel: parse.GetValue(_identity),
        Force: parse.GetValue(_force),
        AllowNoFace: parse.GetValue(_allowNoFace),
        PreviewFlag: parse.GetValue(_preview) is null ? "--preview (default name)" : "--preview");

    private static Option<string> Choice(string name, string description, string defaultValue, params string[] values)
    {
        var option = new Option<string>(name) { Description = description, DefaultValueFactory = _ => defaultValue };
        option.AcceptOnlyFromAmong(values);
        return option;
    }

    /// <summary>The full path of a typed path, except URL-like ones, which stay as typed so the message can name them.</summary>
    private static string FullPath(string typed)
    {
        if (string.IsNullOrWhiteSpace(typed) || typed.Contains('\0') || Core.Files.InputPaths.LooksLikeUrl(typed)) return typed;
        try { return Path.GetFullPath(typed); }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException) { return typed; }
    }
}
