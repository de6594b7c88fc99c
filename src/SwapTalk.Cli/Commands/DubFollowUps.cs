using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using SwapTalk.Core.Activities;
using SwapTalk.Core.Evaluation;
using SwapTalk.Core.Execution;
using SwapTalk.Core.Files;
using SwapTalk.Core.FollowUps;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Storage;
using SwapTalk.Core.Telemetry;

namespace SwapTalk.Cli.Commands;

/// <summary>
/// What <c>swaptalk dub</c> does once the output is in place, handing off to Core's follow-ups: the report's notes
/// about the file as written (<see cref="WrittenOutputNotes"/>, <see cref="JobReportEditor"/>), the telemetry file,
/// the preview sheet (<see cref="PreviewSheet"/>) and <c>--eval</c> (<see cref="DubEvaluation"/>), then the summary.
/// The dub is complete by now: a follow-up that cannot run says so and never undoes it.
/// </summary>
internal sealed class DubFollowUps(IServiceProvider services, JobRequest request, DubSettings settings, OwnOutputs own, TextWriter stdout, TextWriter stderr)
{
    public async Task<int> RunAsync(LocalJobResult result, JobReport report, TelemetryRecorder? recorder, int portraitQuarterTurns, string? identityModel,
        Stopwatch watch, CancellationToken cancellationToken)
    {
        var outputPath = result.OutputPath!;
        var notes = await services.GetRequiredService<WrittenOutputNotes>().ForAsync(outputPath, report);
        if (report.FramesWithFace == 0 && settings.AllowNoFace)
            notes.Add(new("noFace", $"no frame of '{request.Video}' shows a face: the video passed through unchanged (--allow-no-face)"));
        if (portraitQuarterTurns != 0)
            notes.Add(new("portraitQuarterTurns", Core.Vision.Detection.PortraitOrientation.Describe(portraitQuarterTurns), portraitQuarterTurns));
        var editor = services.GetRequiredService<JobReportEditor>();
        if (notes.Count > 0) await editor.AddNotesAsync(result.Result.ReportBlob, notes);
        if (recorder is not null)
        {
            await recorder.SaveAsync(settings.TelemetryPath!, CancellationToken.None);
            own.Record(settings.TelemetryPath);
        }
        var jobId = result.Result.JobId;
        var previewPath = settings.PreviewPath is null ? null : await services.GetRequiredService<PreviewSheet>().TryWriteAsync(
            services.GetRequiredService<IBlobStore>(), jobId, plan => PreviewSheet.DubHeader(jobId, plan, request, settings.Credit),
            request.Portrait, request.Video, outputPath, settings.PreviewPath,
            problem => stderr.WriteLine($"dub: warning: the preview sheet was not written ({problem}); the dub itself is complete"), cancellationToken);
        own.Record(previewPath);
        var (evalCode, evaluation) = settings.Evaluate ? await EvaluateAsync(outputPath, result.Result.ReportBlob, editor, identityModel, cancellationToken) : (DubCommand.Ok, null);
        own.Record(evaluation?.Image);
        if (evalCode == DubCommand.Cancelled) cancellationToken.ThrowIfCancellationRequested();
        DubResultOutput.Write(stdout, settings, result, report, notes, previewPath, evaluation, watch.Elapsed);
        return evalCode;
    }

    /// <summary>
    /// <c>--eval</c>: the output against the portrait, the target video (the original) and the driving audio, added to
    /// report.json as "evaluation". The dub is complete either way; an evaluation that cannot run says why and exits non-zero.
    /// </summary>
    private async Task<(int, EvaluationResult?)> EvaluateAsync(string outputPath, string reportBlob, JobReportEditor editor, string? identityModel,
        CancellationToken cancellationToken)
    {
        var evalRequest = new EvaluationRequest
        {
            Video = outputPath, Portrait = request.Portrait, Original = request.Video, Audio = request.Audio,
            LongerOutput = DubEvaluation.RuleFor(request.Options.LengthPolicy),
        };
        var (code, evaluation) = await EvaluationRun.RunAsync(services, evalRequest, request.Models, identityModel,
            DubEvaluation.ImagePathFor(outputPath, null), stderr, cancellationToken);
        if (evaluation is null)
        {
            stderr.WriteLine($"dub: the evaluation did not run; the dub itself is complete: {outputPath}");
            return (code, null);
        }
        await editor.AddEvaluationAsync(reportBlob, evaluation);
        return (DubCommand.Ok, evaluation);
    }
}
