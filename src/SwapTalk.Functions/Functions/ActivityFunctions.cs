using Microsoft.Azure.Functions.Worker;
using SwapTalk.Core.Activities;
using SwapTalk.Core.Hosting.Durable;
using SwapTalk.Core.Hosting.Starting;
using SwapTalk.Core.Hosting;
using SwapTalk.Core.Hosting.Manifests;
using SwapTalk.Functions.Settings;
using SwapTalk.Functions.Starting;
using SwapTalk.Functions.Http;

namespace SwapTalk.Functions.Functions;

/// <summary>
/// One activity function per activity the workflows call; each hands its input to the same registered activity the
/// local executor runs. The registry is resolved on the first activity call, so HTTP and timer invocations never
/// load ONNX Runtime or the models.
/// </summary>
public sealed class ActivityFunctions(ActivityRegistry registry)
{
    [Function(HostingActivityNames.StageInputs)]
    public Task<StageInputsResult> StageInputs([ActivityTrigger] StageInputsInput input, FunctionContext context) =>
        Run<StageInputsInput, StageInputsResult>(HostingActivityNames.StageInputs, input, context);

    [Function(ActivityNames.PlanJob)]
    public Task<PlanJobResult> PlanJob([ActivityTrigger] PlanJobInput input, FunctionContext context) =>
        Run<PlanJobInput, PlanJobResult>(ActivityNames.PlanJob, input, context);

    [Function(ActivityNames.PrepareSource)]
    public Task<PrepareSourceResult> PrepareSource([ActivityTrigger] PrepareSourceInput input, FunctionContext context) =>
        Run<PrepareSourceInput, PrepareSourceResult>(ActivityNames.PrepareSource, input, context);

    [Function(ActivityNames.PrepareAudioFeatures)]
    public Task<PrepareAudioFeaturesResult> PrepareAudioFeatures([ActivityTrigger] PrepareAudioFeaturesInput input, FunctionContext context) =>
        Run<PrepareAudioFeaturesInput, PrepareAudioFeaturesResult>(ActivityNames.PrepareAudioFeatures, input, context);

    [Function(ActivityNames.RenderSegment)]
    public Task<RenderSegmentResult> RenderSegment([ActivityTrigger] RenderSegmentInput input, FunctionContext context) =>
        Run<RenderSegmentInput, RenderSegmentResult>(ActivityNames.RenderSegment, input, context);

    [Function(ActivityNames.Stitch)]
    public Task<StitchResult> Stitch([ActivityTrigger] StitchInput input, FunctionContext context) =>
        Run<StitchInput, StitchResult>(ActivityNames.Stitch, input, context);

    [Function(ActivityNames.WriteReport)]
    public Task<WriteReportResult> WriteReport([ActivityTrigger] WriteReportInput input, FunctionContext context) =>
        Run<WriteReportInput, WriteReportResult>(ActivityNames.WriteReport, input, context);

    private Task<TOutput> Run<TInput, TOutput>(string name, TInput input, FunctionContext context) =>
        DurableMapping.RunActivityAsync<TInput, TOutput>(registry, name, input,
            DurableMapping.InstanceIdOf(context.BindingContext.BindingData), context.CancellationToken);
}
