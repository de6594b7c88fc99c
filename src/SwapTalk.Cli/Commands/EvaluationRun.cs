using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using SwapTalk.Core.Evaluation;
using SwapTalk.Core.FollowUps;
using SwapTalk.Core.Inference;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Media;
using SwapTalk.Core.Models;

namespace SwapTalk.Cli.Commands;

/// <summary>
/// One evaluation as the CLI runs it (<c>eval</c>, <c>dub --eval</c>, <c>serve</c>'s after each job): the inputs checked
/// before anything native loads, then Core's <see cref="DubEvaluation"/>; every way it can fail becomes an exit code
/// and a line on stderr prefixed "eval:".
/// </summary>
internal static class EvaluationRun
{
    public static async Task<(int Code, EvaluationResult? Result)> RunAsync(IServiceProvider services, EvaluationRequest request, string modelsDir,
        string? identityModel, string imagePath, TextWriter stderr, CancellationToken cancellationToken, string? referencePhoto = null)
    {
        try
        {
            var evaluation = services.GetRequiredService<DubEvaluation>();
            // The inputs first: a wrong path is reported before ONNX Runtime loads anything.
            foreach (var (role, path) in new[] { ("--video", request.Video), ("--portrait", request.Portrait), ("--original", request.Original), ("--audio", request.Audio), ("--truth", request.Truth), ("--reference-photo", referencePhoto) })
                if (path is not null && !File.Exists(path))
                    return (Fail(stderr, $"{role} '{path}' does not exist"), null);
            if (request.Gallery is not null && !Directory.Exists(request.Gallery))
                return (Fail(stderr, $"--gallery '{request.Gallery}' is not a folder"), null);
            if (!Directory.Exists(modelsDir))
                return (Fail(stderr, $"models folder {modelsDir} does not exist (--models DIR or ${ModelCatalog.DirectoryVariable})"), null);
            var identityPath = EvaluationModels.ResolveIdentityModel(identityModel, modelsDir);
            var result = await evaluation.EvaluateAsync(request, modelsDir, identityPath, imagePath, referencePhoto,
                () => WarnOnLengthsAsync(evaluation, request, stderr, cancellationToken), cancellationToken);
            return (EvalCommand.Ok, result);
        }
        catch (BadInputException e)
        {
            return (Fail(stderr, $"bad input: {string.Join("; ", e.Errors.Select(x => x.Message))}"), null);
        }
        catch (MediaException e) when (e.IsBadInput)
        {
            return (Fail(stderr, $"bad input: {e.Message}"), null);
        }
        catch (Core.Imaging.ImageFileException e)
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
            return (EvalCommand.Cancelled, null);
        }
        catch (Exception e) when (e is MediaException or IOException or UnauthorizedAccessException or InvalidDataException or OrtException or ArgumentException or OpenCvSharp.OpenCVException)
        {
            stderr.WriteLine($"eval: failed: {e.Message}");
            return (EvalCommand.Failed, null);
        }
    }

    /// <summary>A driving audio whose length differs from the video's by more than a frame: the lip-sync numbers compare unequal spans.</summary>
    private static async Task WarnOnLengthsAsync(DubEvaluation evaluation, EvaluationRequest request, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (await evaluation.LengthMismatchAsync(request, cancellationToken) is { } m)
            stderr.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"eval: warning: --audio '{request.Audio}' lasts {m.AudioSeconds:0.###} s but --video '{request.Video}' lasts {m.VideoSeconds:0.###} s (more than a frame apart); lip sync is measured over the shared span"));
    }

    private static int Fail(TextWriter stderr, string message)
    {
        stderr.WriteLine($"eval: {message}");
        return EvalCommand.BadInput;
    }
}
