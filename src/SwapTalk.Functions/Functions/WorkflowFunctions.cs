using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using SwapTalk.Core.Hosting.Durable;
using SwapTalk.Core.Hosting.Starting;
using SwapTalk.Core.Workflow;
using SwapTalk.Functions.Durable;
using SwapTalk.Core.Hosting;
using SwapTalk.Core.Hosting.Manifests;
using SwapTalk.Functions.Settings;
using SwapTalk.Functions.Starting;
using SwapTalk.Functions.Http;

namespace SwapTalk.Functions.Functions;

/// <summary>One orchestrator function per workflow of the cloud catalog; each runs the core's workflow code.</summary>
public sealed class WorkflowFunctions(WorkflowCatalog catalog)
{
    [Function(CloudWorkflowNames.CloudDubJob)]
    public Task<DubJobResult> CloudDubJob([OrchestrationTrigger] TaskOrchestrationContext context) =>
        DurableMapping.RunWorkflowAsync<DubJobResult>(catalog, CloudWorkflowNames.CloudDubJob, new DurableWorkflowContext(context));

    [Function(WorkflowNames.DubJob)]
    public Task<DubJobResult> DubJob([OrchestrationTrigger] TaskOrchestrationContext context) =>
        DurableMapping.RunWorkflowAsync<DubJobResult>(catalog, WorkflowNames.DubJob, new DurableWorkflowContext(context));

    [Function(WorkflowNames.RenderSegments)]
    public Task<RenderSegmentsResult> RenderSegments([OrchestrationTrigger] TaskOrchestrationContext context) =>
        DurableMapping.RunWorkflowAsync<RenderSegmentsResult>(catalog, WorkflowNames.RenderSegments, new DurableWorkflowContext(context));
}
