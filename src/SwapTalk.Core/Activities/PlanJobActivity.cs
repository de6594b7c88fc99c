using System.Diagnostics;
using SwapTalk.Core.Engines;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Storage;
using SwapTalk.Core.Telemetry;

namespace SwapTalk.Core.Activities;

/// <summary>
/// PlanJob: probes the stored inputs through the inspector, checks the limits, plans the job and stores the plan
/// at work/plan.json (same facts, same plan: a retry rewrites the same content).
/// </summary>
/// <param name="engines">The engines the plan chooses from (default: <see cref="DubEngines.BuiltIn"/>).</param>
public sealed class PlanJobActivity(IBlobStore store, IJobInputInspector inspector, IModelInventory models, JobLimits? limits = null,
    DubEngines? engines = null)
    : IActivity<PlanJobInput, PlanJobResult>
{
    private readonly JobValidator _validator = new(limits);
    private readonly DubEngines _engines = engines ?? DubEngines.BuiltIn;

    public async Task<PlanJobResult> RunAsync(PlanJobInput input, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        using var span = SwapTalkTelemetry.StartStage("plan", input.JobId);

        // The two probes are mostly ffprobe processes starting: side by side they cost one start-up, not two.
        var videoProbe = ProbeAsync(input.Inputs.Video, inspector.ProbeVideoAsync, cancellationToken);
        var audioProbe = input.Inputs.Audio is { } audioBlob
            ? ProbeAsync(audioBlob, inspector.ProbeAudioAsync, cancellationToken)
            : Task.FromResult<AudioFacts?>(null);
        // WhenAll rethrows the first task's error first: the video's problem is reported first, as before.
        await Task.WhenAll(videoProbe, audioProbe);
        var video = await videoProbe;
        var audio = await audioProbe;

        // The same limits as the up-front validation, for hosts whose trigger could not probe.
        var asRequest = new JobRequest
        {
            Portrait = input.Inputs.Portrait, Video = input.Inputs.Video, Audio = input.Inputs.Audio,
            Models = input.ModelsDir, Options = input.Options,
        };
        var problems = _validator.CheckProbed(asRequest, null, video, videoProbed: true, audio, audioProbed: input.Inputs.Audio is not null);
        if (problems.Count > 0) throw new BadInputException(problems);

        var inventory = await models.DescribeAsync(input.ModelsDir, cancellationToken);
        var engine = _engines.Resolve(input.Options.Engine, inventory);
        var plan = JobPlanner.Plan(video!, audio?.DurationSeconds, input.Options, inventory.AudioFeatures) with { Engine = engine.Kind };
        var planBlob = BlobNames.Plan(input.JobId);
        await store.WriteJsonAsync(planBlob, plan, cancellationToken: cancellationToken);
        return new PlanJobResult(planBlob, plan.Mode, plan.OutputFrameCount, plan.Segments.Count, plan.FrameRate, plan.Width, plan.Height,
            plan.OutputDuration.TotalSeconds, inventory.Models, watch.Elapsed.TotalSeconds, engine.Kind, engine.Notes(inventory.Models));
    }

    private async Task<T?> ProbeAsync<T>(string blob, Func<string, CancellationToken, Task<T?>> probe, CancellationToken cancellationToken) where T : class
    {
        await using var local = await store.GetLocalFileAsync(blob, cancellationToken);
        return await probe(local.LocalPath, cancellationToken);
    }
}
