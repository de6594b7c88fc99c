using SwapTalk.Core.Engines.Latent;
using SwapTalk.Core.Jobs;

namespace SwapTalk.Core.Engines;

/// <summary>Which engine a job runs: the request's choice, with auto resolved from the models folder.</summary>
public static class EngineSelection
{
    /// <summary>The five SwapTalk stages the latent engine needs (the detector and landmarker serve both engines).</summary>
    public static IReadOnlySet<string> SwapTalkStages => LatentEngine.Stages;

    /// <summary>
    /// Auto: latent when every SwapTalk stage model is present and none is a probe, else geometric. Latent asked for
    /// explicitly with stage models missing is bad input naming them; probes are allowed (they prove the data flow).
    /// </summary>
    /// <exception cref="BadInputException">The latent engine was asked for and the folder lacks stage models.</exception>
    public static DubEngine Resolve(DubEngine requested, ModelInventory inventory) =>
        DubEngines.BuiltIn.Resolve(requested, inventory).Kind;

    /// <summary>The engine's name as users write it (the CLI option, the JSON value, the report).</summary>
    public static string Name(DubEngine engine) => engine switch
    {
        DubEngine.Geometric => "geometric",
        DubEngine.Latent => "latent",
        _ => "auto",
    };
}
