using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SwapTalk.Core.Inference;
using SwapTalk.Core.Media;
using SwapTalk.Core.Storage;

namespace SwapTalk.Core.FollowUps;

/// <summary>What runs after a job, registered by the composition root: the preview sheet, the evaluation, the report's notes.</summary>
public static class FollowUpServices
{
    public static IServiceCollection AddSwapTalkFollowUps(this IServiceCollection services)
    {
        services.TryAddSingleton(sp => new PreviewSheet(sp.GetRequiredService<MediaEngine>()));
        // ONNX Runtime only when an evaluation runs: its inputs are checked first.
        services.TryAddSingleton(sp => new DubEvaluation(sp.GetRequiredService<MediaEngine>(), sp.GetRequiredService<OrtRuntime>));
        services.TryAddSingleton(sp => new WrittenOutputNotes(sp.GetRequiredService<MediaEngine>()));
        services.TryAddSingleton(sp => new JobReportEditor(sp.GetRequiredService<IBlobStore>()));
        return services;
    }
}
