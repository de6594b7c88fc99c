using Microsoft.Azure.Functions.Worker;
using SwapTalk.Core.Activities;
using SwapTalk.Core.Hosting.Starting;
using SwapTalk.Core.Hosting;
using SwapTalk.Core.Hosting.Manifests;
using SwapTalk.Functions.Settings;
using SwapTalk.Http;
using SwapTalk.Functions.Http;

namespace SwapTalk.Functions.Functions;

/// <summary>
/// The activity functions: each hands its input to the same registered activity the embedded executor runs. The
/// registry is resolved on the first activity call, so HTTP and timer invocations never load ONNX Runtime or the
/// models. The cancellation token is the host's (shutdown, timeout).
/// </summary>
public sealed class ActivityFunctions(ActivityRegistry registry)
{
    [Function(HostingActivityNames.StageInputs)]
    public Task<StageInputsResult> StageInputs([ActivityTrigger] StageInputsInput input, CancellationToken cancellationToken) =>
        Run<StageInputsInput, StageInputsResult>(HostingActivityNames.StageInputs, input, cancellationToken);

    [Function(ActivityNames.PlanJob)]
    public Task<PlanJobResult> PlanJob([ActivityTrigger] PlanJobInput input, CancellationToken cancellationToken) =>
        Run<PlanJobInput, PlanJobResult>(ActivityNames.PlanJob, input, cancellationToken);

    [Function(ActivityNames.PrepareSource)]
    public Task<PrepareSourceResult> PrepareSource([ActivityTrigger] PrepareSourceInput input, CancellationToken cancellationToken) =>
        Run<PrepareSourceInput, PrepareSourceResult>(ActivityNames.PrepareSource, input, cancellationToken);

    [Function(ActivityNames.PrepareAudioFeatures)]
    public Task<PrepareAudioFeaturesResult> PrepareAudioFeatures([ActivityTrigger] PrepareAudioFeaturesInput input, CancellationToken cancellationToken) =>
        Run<PrepareAudioFeaturesInput, PrepareAudioFeaturesResult>(ActivityNames.PrepareAudioFeatures, input, cancellationToken);

    [Function(ActivityNames.RenderSegment)]
    public Task<RenderSegmentResult> RenderSegment([ActivityTrigger] RenderSegmentInput input, CancellationToken cancellationToken) =>
        Run<RenderSegmentInput, RenderSegmentResult>(ActivityNames.RenderSegment, input, cancellationToken);

    [Function(ActivityNames.Stitch)]
    public Task<StitchResult> Stitch([ActivityTrigger] StitchInput input, CancellationToken cancellationToken) =>
        Run<StitchInput, StitchResult>(ActivityNames.Stitch, input, cancellationToken);

    [Function(ActivityNames.WriteReport)]
    public Task<WriteReportResult> WriteReport([ActivityTrigger] WriteReportInput input, CancellationToken cancellationToken) =>
        Run<WriteReportInput, WriteReportResult>(ActivityNames.WriteReport, input, cancellationToken);

    private Task<TOutput> Run<TInput, TOutput>(string name, TInput input, CancellationToken cancellationToken) =>
        registry.RunAsync<TInput, TOutput>(name, input, cancellationToken);
}
