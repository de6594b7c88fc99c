using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SwapTalk.Azure.Starting;
using SwapTalk.Core.Activities;
using SwapTalk.Core.Evaluation;
using SwapTalk.Core.FollowUps;
using SwapTalk.Core.Imaging;
using SwapTalk.Core.Media;
using SwapTalk.Core.Storage;
using SwapTalk.Core.Workflow;
using SwapTalk.Http;

namespace SwapTalk.Cli.Commands;

/// <summary>
/// What <c>swaptalk serve</c>'s page shows after a dub, written into the job's output folder with Core's follow-ups:
/// the preview sheet (<see cref="PreviewSheet"/>), the evaluation (<see cref="DubEvaluation"/>, image and numbers) and
/// the original as H.264 for the browser. A follow-up that cannot run is a warning in the log, never a failed job.
/// </summary>
internal sealed class ServeFollowUps(IServiceProvider services, IBlobStore jobs, string modelsDir, bool evaluate)
{
    private readonly ILogger _log = services.GetRequiredService<ILoggerFactory>().CreateLogger("SwapTalk.Serve");

    public async Task RunAsync(CloudDubJobInput input, DubJobResult result, CancellationToken cancellationToken)
    {
        var store = (FileSystemBlobStore)jobs;
        var report = await jobs.ReadJsonAsync<JobReport>(result.ReportBlob, cancellationToken: cancellationToken);
        var portrait = store.PathOf(report.Inputs.Portrait);
        var video = store.PathOf(report.Inputs.Video);
        var output = store.PathOf(result.OutputBlob);
        await services.GetRequiredService<PreviewSheet>().TryWriteAsync(jobs, result.JobId, plan => PreviewSheet.PageHeader(result.JobId, plan),
            portrait, video, output, store.PathOf(JobFiles.PreviewBlob(result.JobId)),
            problem => _log.LogWarning("serve: job {JobId}: the preview sheet was not written ({Message})", result.JobId, problem), cancellationToken);
        await OriginalAsync(video, store.PathOf(JobFiles.OriginalBlob(result.JobId)), cancellationToken);
        if (!evaluate) return;
        var request = new EvaluationRequest
        {
            Video = output, Portrait = portrait, Original = video,
            Audio = report.Inputs.Audio is { } audio ? store.PathOf(audio) : null,
            LongerOutput = DubEvaluation.RuleFor(input.Options.LengthPolicy),
        };
        var messages = new StringWriter();
        var (_, evaluation) = await EvaluationRun.RunAsync(services, request, modelsDir, null, store.PathOf(JobFiles.EvaluationBlob(result.JobId)), messages, cancellationToken);
        if (evaluation is null)
        {
            _log.LogWarning("serve: job {JobId}: no evaluation: {Message}", result.JobId, messages.ToString().Trim());
            return;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        await jobs.WriteTextAsync(JobFiles.EvaluationJsonBlob(result.JobId), JsonSerializer.Serialize(evaluation, FollowUpJson.Options), cancellationToken: cancellationToken);
    }

    /// <summary>The target video as H.264 (no sound: the page plays the dub's), so any browser can show it beside the dub.</summary>
    private async Task OriginalAsync(string video, string target, CancellationToken cancellationToken)
    {
        var media = services.GetRequiredService<MediaEngine>();
        var info = await media.ProbeAsync(video, cancellationToken);
        var stream = info.RequireVideo();
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var temp = target + ".partial.mp4";
        await using (var writer = media.OpenWriter(temp, stream, VideoEncoding.H264(23, "veryfast", fastStart: true), ColorOrder.Rgb, cancellationToken))
        {
            await foreach (var frame in media.ReadFramesAsync(info, cancellationToken: cancellationToken))
                using (frame)
                    await writer.WriteAsync(frame.Image, cancellationToken);
            await writer.CompleteAsync(cancellationToken);
        }
        File.Move(temp, target, overwrite: true);
    }
}
