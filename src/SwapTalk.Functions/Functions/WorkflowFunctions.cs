using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using SwapTalk.Azure.Starting;
using SwapTalk.Core.Workflow;

namespace SwapTalk.Functions.Functions;

/// <summary>The orchestrator functions: each runs the core's orchestrator on Durable's own context, nothing in between.</summary>
public static class WorkflowFunctions
{
    [Function(CloudWorkflowNames.CloudDubJob)]
    public static Task<DubJobResult> CloudDubJob([OrchestrationTrigger] TaskOrchestrationContext context) =>
        new CloudDubJobOrchestrator().RunAsync(context, Input<CloudDubJobInput>(context));

    [Function(WorkflowNames.DubJob)]
    public static Task<DubJobResult> DubJob([OrchestrationTrigger] TaskOrchestrationContext context) =>
        new DubJobOrchestrator().RunAsync(context, Input<DubJobInput>(context));

    [Function(WorkflowNames.RenderSegments)]
    public static Task<RenderSegmentsResult> RenderSegments([OrchestrationTrigger] TaskOrchestrationContext context) =>
        new RenderSegmentsOrchestrator().RunAsync(context, Input<RenderSegmentsInput>(context));

    private static T Input<T>(TaskOrchestrationContext context) =>
        context.GetInput<T>() ?? throw new ArgumentException($"orchestration '{context.Name}' ({context.InstanceId}) was started without its {typeof(T).Name} input");
}
