using SwapTalk.Core.Activities;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Models;

namespace SwapTalk.Core.Engines;

/// <summary>Which engine a job runs: the request's choice, with auto resolved from the models folder.</summary>
public static class EngineSelection
{
    /// <summary>The five SwapTalk stages the latent engine needs (the detector and landmarker serve both engines).</summary>
    public static IReadOnlySet<string> SwapTalkStages { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        StageNames.VqEncoder, StageNames.FaceSwapper, StageNames.LipSyncer, StageNames.AudioEncoder, StageNames.VqDecoder,
    };

    /// <summary>
    /// Auto: latent when every SwapTalk stage model is present and none is a probe, else geometric. Latent asked for
    /// explicitly with stage models missing is bad input naming them; probes are allowed (they prove the data flow).
    /// </summary>
    /// <exception cref="BadInputException">The latent engine was asked for and the folder lacks stage models.</exception>
    public static DubEngine Resolve(DubEngine requested, ModelInventory inventory)
    {
        var missing = inventory.MissingStages ?? [];
        switch (requested)
        {
            case DubEngine.Geometric:
                return DubEngine.Geometric;
            case DubEngine.Latent:
                if (missing.Count > 0) throw new BadInputException(missing);
                return DubEngine.Latent;
            default:
                var trained = missing.Count == 0
                    && SwapTalkStages.All(stage => inventory.Models.Any(m => m.Name == stage && !m.Probe));
                return trained ? DubEngine.Latent : DubEngine.Geometric;
        }
    }

    /// <summary>The engine's name as users write it (the CLI option, the JSON value, the report).</summary>
    public static string Name(DubEngine engine) => engine switch
    {
        DubEngine.Geometric => "geometric",
        DubEngine.Latent => "latent",
        _ => "auto",
    };
}
