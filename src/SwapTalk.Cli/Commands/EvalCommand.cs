using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using SwapTalk.Core.Evaluation;
using SwapTalk.Core.Inference;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Media;
using SwapTalk.Core.Models;
using LengthPolicy = SwapTalk.Core.Jobs.LengthPolicy;

namespace SwapTalk.Cli.Commands;

/// <summary>
/// <c>swaptalk eval --video OUT --portrait P [--original V] [--audio A] [--gallery DIR] [--out DIR] [--json]</c>:
/// the paper's metrics where models allow (identity, lip sync, image quality), a readable summary or one JSON
/// object on stdout, and a PNG of per-frame curves and frames. Exit codes: 0 fine, 2 bad input (a missing or
/// unreadable file, no face in the portrait or the clip, models missing), 1 anything else.
/// </summary>
internal static class EvalCommand
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int BadInput = 2;
    public const int Cancelled = 3;

    /// <summary>The JSON the command prints; +-infinity (a PSNR of identical frames) is written as "Infinity".</summary>
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public static Command Create()
    {
        var video = new Option<string>("--video") { Description = "the video to evaluate (a dub's output)", Required = true };
        var portrait = new Option<string>("--portrait") { Description = "the portrait whose identity the video should show", Required = true };
        var original = new Option<string?>("--original") { Description = "the target video the output was made from (enables SSIM/PSNR, closer-to-portrait, and LMD when self-driven)" };
        var audio = new Option<string?>("--audio") { Description = "the driving speech (default: the video's own audio track); giving it means cross-driven" };
        var truth = new Option<string?>("--truth") { Description = "a real video of someone saying the driving speech (for GRID: the clip the audio came from): the mouth is measured against it" };
        var gallery = new Option<string?>("--gallery") { Description = "a folder of portrait images (several people) for ID retrieval" };
        var output = new Option<string?>("--out") { Description = "the folder for the PNG summary (default: the video's folder); the file is VIDEO's name + .eval.png" };
        var json = new Option<bool>("--json") { Description = "print one JSON object on stdout and nothing else" };
        var models = new Option<string?>("--models") { Description = $"folder holding the face_detector and face_landmarker models (default: ${ModelCatalog.DirectoryVariable}, else ./models)" };
        var policy = new Option<string>("--policy")
        {
            Description = "how the output's frames past the original's end map onto it (the dub's --policy when its audio was longer): ping-pong, freeze or trim (compared with nothing)",
            DefaultValueFactory = _ => "ping-pong",
        };
        policy.AcceptOnlyFromAmong("ping-pong", "freeze", "trim");
        var force = new Option<bool>("--force") { Description = "replace an existing evaluation image" };
        var identity = new Option<string?>("--identity-model") { Description = $"the MobileFaceNet identity model (default: ${EvaluationModels.IdentityModelVariable}, else MODELS/{EvaluationModels.IdentityModelFile})" };
        var reference = new Option<string?>("--reference-photo") { Description = "another photo of the portrait's person (not the portrait): identity carried, not texture copied" };
        var command = new Command("eval", "Measure a talking-face video: identity to the portrait, lip sync to the audio, image quality against the original");
        foreach (var o in new Option[] { video, portrait, original, audio, truth, gallery, output, policy, json, models, identity, force, reference }) command.Options.Add(o);
        command.SetAction(async (parse, ct) =>
        {
            var request = new EvaluationRequest
            {
                Video = parse.GetValue(video)!,
                Portrait = parse.GetValue(portrait)!,
                Original = parse.GetValue(original),
                Audio = parse.GetValue(audio),
                Truth = parse.GetValue(truth),
                Gallery = parse.GetValue(gallery),
                LongerOutput = RuleFor(parse.GetValue(policy) switch { "freeze" => LengthPolicy.Freeze, "trim" => LengthPolicy.Trim, _ => LengthPolicy.PingPong }),
            };
            var modelsDir = ModelCatalog.ResolveDirectory(parse.GetValue(models));
            var imagePath = ImagePathFor(request.Video, parse.GetValue(output));
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            var fail = new CommandFailures("eval", stdout, stderr, parse.GetValue(json));
            try
            {
                // Every input and the image's location first, all problems at once; the image never replaces an input.
                var problems = new List<JobInputError>();
                foreach (var (flag, path) in Inputs(request, parse.GetValue(identity)))
                    if (Core.Files.InputPaths.Problem(path) is { } problem) problems.Add(new(flag, problem));
                    else if (Directory.Exists(path)) problems.Add(new(flag, $"'{path}' is a folder, expected a file"));
                    else if (!File.Exists(path)) problems.Add(new(flag, $"'{path}' does not exist"));
                if (request.Gallery is not null && !Directory.Exists(request.Gallery))
                    problems.Add(new("--gallery", $"'{request.Gallery}' is not a folder"));
                if (parse.GetValue(reference) is { } photo && !File.Exists(photo))
                    problems.Add(new("--reference-photo", $"'{photo}' does not exist"));
                if (parse.GetValue(output) is { } outDir && File.Exists(outDir))
                    problems.Add(new("--out", $"'{outDir}' is a file; --out names the folder for the image"));
                else
                    problems.AddRange(Core.Files.OutputCheck.Check(
                        Inputs(request, parse.GetValue(identity)).Select(i => new Core.Files.UserInput(i.Flag, i.Path)),
                        [new Core.Files.UserOutput("--out (the evaluation image)", imagePath, [".png"], CreatesFolder: true)], parse.GetValue(force)));
                if (problems.Count > 0) return fail.BadInput(problems);
                Core.Files.AtomicFile.RemoveLeftovers(imagePath);
                return await RunAsync(request, modelsDir, parse.GetValue(identity), imagePath, parse.GetValue(json), stdout, stderr, ct, parse.GetValue(reference));
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return fail.Cancelled("cancelled");
            }
            catch (Exception e)
            {
                return fail.Unexpected(e, "the evaluation");
            }
        });
        return command;
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

    /// <summary>The frame rule a dub with this length policy used past the original's end.</summary>
    internal static FrameRule RuleFor(LengthPolicy policy) => policy switch
    {
        LengthPolicy.Freeze => FrameRule.Freeze,
        LengthPolicy.Trim => FrameRule.Identity,
        _ => FrameRule.PingPong,
    };

    /// <summary>DIR/VIDEO-name.eval.png (DIR default: the video's folder).</summary>
    internal static string ImagePathFor(string video, string? outDir) =>
        Path.Combine(outDir ?? Path.GetDirectoryName(Path.GetFullPath(video)) ?? ".", Path.GetFileNameWithoutExtension(video) + ".eval.png");

    /// <summary>Runs one evaluation and prints it; also what <c>dub --eval</c> calls.</summary>
    internal static async Task<int> RunAsync(EvaluationRequest request, string modelsDir, string? identityModel, string imagePath, bool json,
        TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken, string? referencePhoto = null)
    {
        var errors = new StringWriter();
        var (code, result) = await EvaluateAsync(request, modelsDir, identityModel, imagePath, errors, cancellationToken, referencePhoto);
        stderr.Write(errors.ToString());
        if (result is null)
        {
            // --json: one object on stdout on failure too (the message is on stderr already).
            if (json) stdout.WriteLine(JsonSerializer.Serialize(new { ok = false, exitCode = code, error = errors.ToString().Trim() }, Json));
            return code;
        }
        if (json) stdout.WriteLine(JsonSerializer.Serialize(result, Json));
        else Summary(stdout, result);
        return Ok;
    }

    /// <summary>The evaluation, or the exit code and a message on stderr (prefixed "eval:") when it cannot run.</summary>
    internal static async Task<(int Code, EvaluationResult? Result)> EvaluateAsync(EvaluationRequest request, string modelsDir, string? identityModel,
        string imagePath, TextWriter stderr, CancellationToken cancellationToken, string? referencePhoto = null)
    {
        try
        {
            var media = MediaEngine.FromEnvironment();
            // The inputs first: a wrong path is reported before ONNX Runtime loads anything.
            foreach (var (role, path) in new[] { ("--video", request.Video), ("--portrait", request.Portrait), ("--original", request.Original), ("--audio", request.Audio), ("--truth", request.Truth), ("--reference-photo", referencePhoto) })
                if (path is not null && !File.Exists(path))
                    return (Fail(stderr, $"{role} '{path}' does not exist"), null);
            if (request.Gallery is not null && !Directory.Exists(request.Gallery))
                return (Fail(stderr, $"--gallery '{request.Gallery}' is not a folder"), null);
            if (!Directory.Exists(modelsDir))
                return (Fail(stderr, $"models folder {modelsDir} does not exist (--models DIR or ${ModelCatalog.DirectoryVariable})"), null);
            var identityPath = EvaluationModels.ResolveIdentityModel(identityModel, modelsDir);

            using var loggers = CliLogging.Create();
            var runtime = OrtRuntime.Initialize(new OrtRuntimeOptions(), loggers);
            var catalog = new ModelCatalog(runtime, ModelManifest.Default, modelsDir, SessionSettings.FromEnvironment());
            using var models = EvaluationModels.Open(catalog, identityPath);
            await WarnOnLengthsAsync(media, request, stderr, cancellationToken);
            var result = await new VideoEvaluator(media, models).EvaluateAsync(request, imagePath, cancellationToken);
            if (referencePhoto is not null)
                result = result with { Reference = await new ReferencePhotoEvaluator(media, models).EvaluateAsync(request.Video, request.Portrait, referencePhoto, request.Original, request.LongerOutput, cancellationToken) };
            return (Ok, result);
        }
        catch (BadInputException e)
        {
            return (Fail(stderr, $"bad input: {string.Join("; ", e.Errors.Select(x => x.Message))}"), null);
        }
        catch (MediaException e) when (e.IsBadInput)
        {
            return (Fail(stderr, $"bad input: {e.Message}"), null);
        }
        catch (SwapTalk.Core.Imaging.ImageFileException e)
        {
            return (Fail(stderr, $"bad input: {e.Message}"), null);
        }
        catch (FileNotFoundException e)
        {
            return (Fail(stderr, e.Message), null);
        }
        catch (ModelContractException e)
        {
            return (Fail(stderr, $"the evaluation needs the face_detector and face_landmarker models (YuNet and Peppa 68-point; ../shared/data/models holds them): {e.Message}"), null);
        }
        catch (OrtLibraryException e)
        {
            return (Fail(stderr, e.Message), null);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            stderr.WriteLine("eval: cancelled");
            return (Cancelled, null);
        }
        catch (Exception e) when (e is MediaException or IOException or UnauthorizedAccessException or InvalidDataException or OrtException or ArgumentException or OpenCvSharp.OpenCVException)
        {
            stderr.WriteLine($"eval: failed: {e.Message}");
            return (Failed, null);
        }
    }

    /// <summary>A driving audio whose length differs from the video's by more than a frame: the lip-sync numbers compare unequal spans.</summary>
    private static async Task WarnOnLengthsAsync(MediaEngine media, EvaluationRequest request, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (request.Audio is null) return;
        var video = (await media.ProbeAsync(request.Video, cancellationToken)).RequireVideo();
        var audio = (await media.ProbeAsync(request.Audio, cancellationToken)).Audio.FirstOrDefault();
        if (audio is null || !video.FrameRate.IsValid) return;
        var videoSeconds = video.FrameRate.FrameSeconds(video.FrameCount);
        if (Math.Abs(audio.Duration - videoSeconds) > 1.0 / video.FrameRate.Value)
            stderr.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"eval: warning: --audio '{request.Audio}' lasts {audio.Duration:0.###} s but --video '{request.Video}' lasts {videoSeconds:0.###} s (more than a frame apart); lip sync is measured over the shared span"));
    }

    private static int Fail(TextWriter stderr, string message)
    {
        stderr.WriteLine($"eval: {message}");
        return BadInput;
    }

    internal static void Summary(TextWriter o, EvaluationResult r)
    {
        var inv = CultureInfo.InvariantCulture;
        string F(double? v) => v is { } x ? x.ToString("0.000", inv) : "-";
        string Pct(double? v) => v is { } x ? (100 * x).ToString("0.0", inv) + "%" : "-";
        string Db(double? v) => v is { } x ? double.IsPositiveInfinity(x) ? "inf (identical)" : x.ToString("0.00", inv) + " dB" : "-";
        o.WriteLine(string.Format(inv, "{0}: {1} frames {2}x{3} at {4:0.##} fps, {5} with a face; {6}", r.Video, r.Frames, r.Width, r.Height, r.FrameRate, r.FramesWithFace, r.Mode));
        o.WriteLine($"identity (MobileFaceNet cosine; same person ~0.74, different ~0):");
        o.WriteLine($"  consistency (mean cosine to the portrait)  {F(r.Identity.Consistency)}  (min {F(r.Identity.Min)}, max {F(r.Identity.Max)})");
        o.WriteLine($"  mean cosine to the original's frame        {F(r.Identity.ToOriginal)}");
        o.WriteLine($"  closer to the portrait than the original   {Pct(r.Identity.CloserToPortrait)}");
        o.WriteLine($"  ID retrieve                                {Pct(r.Identity.IdRetrieve)}{(r.Identity.GallerySize is { } g ? $" (gallery of {g})" : "")}");
        foreach (var s in r.Identity.GallerySkipped) o.WriteLine($"    gallery: skipped {s}");
        if (r.Reference is { } rf)
        {
            o.WriteLine($"identity against the reference photo {rf.Photo} (the portrait scores {F(rf.PortraitToReference)} to it):");
            o.WriteLine($"  mean cosine of the output                  {F(rf.Consistency)}  (min {F(rf.Min)}); the original's {F(rf.OriginalToReference)}");
            o.WriteLine($"  closer to it than the original             {Pct(rf.CloserThanOriginal)}");
        }
        if (r.LipSync is { } ls)
        {
            o.WriteLine($"mouth against loudness, audio {r.Audio} (a timing check: high by construction for a loudness-driven mouth):");
            o.WriteLine($"  correlation at lag 0                       {F(ls.CorrelationAtLag0)}  ({ls.FramesUsed} frames; envelope as measured)");
            o.WriteLine($"  detrended correlation at lag 0             {F(ls.Detrended.AtLag0)}  (syllable-rate motion only)");
            o.WriteLine(string.Format(inv, "  best lag within +-{0} frames                {1:+0;-0;0} (detrended r {2}; positive: the audio comes late)", LipSync.MaxLag, ls.BestLag, F(ls.Detrended.AtBestLag)));
            o.WriteLine($"  LMD (mouth landmarks / eye span)           {F(ls.Lmd)}");
        }
        if (r.Truth is { } truth)
        {
            string Lag(int? k) => k is { } x ? x.ToString("+0;-0;0", inv) : "-";
            var (v, f) = (truth.Video, truth.Original);
            o.WriteLine($"mouth against the real speaker {truth.Truth} (video | original, the floor for unrelated speech):");
            o.WriteLine($"  opening r at lag 0                         {F(v.OpeningAtLag0)} | {F(f?.OpeningAtLag0)}  ({v.Frames} frames)");
            o.WriteLine($"  best lag within +-{LipSync.MaxLag} (+: video late)         {Lag(v.OpeningBestLag)} (r {F(v.OpeningAtBestLag)}) | {Lag(f?.OpeningBestLag)} (r {F(f?.OpeningAtBestLag)})");
            o.WriteLine($"  opening velocity r                         {F(v.OpeningVelocity)} | {F(f?.OpeningVelocity)}");
            o.WriteLine($"  width r                                    {F(v.Width)} | {F(f?.Width)}");
            o.WriteLine($"  rounding r                                 {F(v.Rounding)} | {F(f?.Rounding)}");
            o.WriteLine($"  LMDdyn                                     {F(v.LmdDyn)} | {F(f?.LmdDyn)}");
            o.WriteLine($"  amplitude (opening sd / the truth's)       {F(v.Amplitude)} | {F(f?.Amplitude)}");
        }
        if (r.ImageQuality is { } q)
        {
            o.WriteLine($"image quality against the original ({q.FramesCompared} frames):");
            o.WriteLine($"  SSIM face {F(q.SsimFace)}, outside {F(q.SsimOutside)}");
            o.WriteLine($"  PSNR face {Db(q.PsnrFace)}, outside {Db(q.PsnrOutside)}");
        }
        o.WriteLine($"sharpness (variance of the Laplacian on the face): output {F(r.Sharpness.Output)}, original {F(r.Sharpness.Original)}");
        o.WriteLine("not computed:");
        foreach (var n in r.NotComputed) o.WriteLine($"  {n.Metric}: {n.Why}");
        if (r.Image is not null) o.WriteLine($"eval: image: {r.Image}");
    }
}
