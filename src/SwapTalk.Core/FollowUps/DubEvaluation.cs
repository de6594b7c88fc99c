using SwapTalk.Core.Evaluation;
using SwapTalk.Core.Inference;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Media;
using SwapTalk.Core.Models;

namespace SwapTalk.Core.FollowUps;

/// <summary>The span the lip-sync numbers cover when the driving audio and the video differ by more than a frame.</summary>
public sealed record LengthMismatch(double AudioSeconds, double VideoSeconds);

/// <summary>
/// The evaluation of a video (<c>swaptalk eval</c>, and the one after a dub or a served job): the evaluation models
/// opened from a models folder, the paper's metrics (<see cref="VideoEvaluator"/>) and, given another photo of the
/// person, identity against it (<see cref="ReferencePhotoEvaluator"/>). ONNX Runtime is asked for only when an
/// evaluation runs, so a caller checks its inputs before anything native loads.
/// </summary>
public sealed class DubEvaluation(MediaEngine media, Func<OrtRuntime> runtime)
{
    /// <summary>The frame rule a dub with this length policy used past the original's end.</summary>
    public static FrameRule RuleFor(LengthPolicy policy) => policy switch
    {
        LengthPolicy.Freeze => FrameRule.Freeze,
        LengthPolicy.Trim => FrameRule.Identity,
        _ => FrameRule.PingPong,
    };

    /// <summary>DIR/VIDEO-name.eval.png (DIR default: the video's folder).</summary>
    public static string ImagePathFor(string video, string? outDir) =>
        Path.Combine(outDir ?? Path.GetDirectoryName(Path.GetFullPath(video)) ?? ".", Path.GetFileNameWithoutExtension(video) + ".eval.png");

    /// <summary>The driving audio's and the video's lengths when they differ by more than a frame (the lip-sync numbers then compare unequal spans); else null.</summary>
    public async Task<LengthMismatch?> LengthMismatchAsync(EvaluationRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Audio is null) return null;
        var video = (await media.ProbeAsync(request.Video, cancellationToken)).RequireVideo();
        var audio = (await media.ProbeAsync(request.Audio, cancellationToken)).Audio.FirstOrDefault();
        if (audio is null || !video.FrameRate.IsValid) return null;
        var videoSeconds = video.FrameRate.FrameSeconds(video.FrameCount);
        return Math.Abs(audio.Duration - videoSeconds) > 1.0 / video.FrameRate.Value ? new LengthMismatch(audio.Duration, videoSeconds) : null;
    }

    /// <summary>
    /// Evaluates <paramref name="request"/>'s video and writes its PNG summary to <paramref name="imagePath"/>;
    /// <paramref name="beforeRun"/> is called once the models are open (the caller's moment to warn about the inputs).
    /// </summary>
    public async Task<EvaluationResult> EvaluateAsync(EvaluationRequest request, string modelsDirectory, string identityModelPath, string imagePath,
        string? referencePhoto = null, Func<Task>? beforeRun = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var catalog = new ModelCatalog(runtime(), ModelManifest.Default, modelsDirectory, SessionSettings.FromEnvironment());
        using var models = EvaluationModels.Open(catalog, identityModelPath);
        if (beforeRun is not null) await beforeRun();
        var result = await new VideoEvaluator(media, models).EvaluateAsync(request, imagePath, cancellationToken);
        if (referencePhoto is not null)
            result = result with
            {
                Reference = await new ReferencePhotoEvaluator(media, models).EvaluateAsync(request.Video, request.Portrait, referencePhoto,
                    request.Original, request.LongerOutput, cancellationToken),
            };
        return result;
    }
}
