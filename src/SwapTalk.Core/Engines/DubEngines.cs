using SwapTalk.Core.Engines.Geometric;
using SwapTalk.Core.Engines.Latent;
using SwapTalk.Core.Jobs;

namespace SwapTalk.Core.Engines;

/// <summary>
/// The registered engines (the composition root registers each <see cref="IDubEngine"/> once): the plan's engine
/// is chosen here, once, and activities look the plan's engine up here.
/// </summary>
public sealed class DubEngines
{
    private readonly IReadOnlyList<IDubEngine> _engines;

    /// <param name="engines">In the order <c>auto</c> asks them (the first that prefers the models wins).</param>
    public DubEngines(IEnumerable<IDubEngine> engines)
    {
        _engines = engines.ToArray();
        var twice = _engines.GroupBy(e => e.Kind).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null) throw new ArgumentException($"engine {twice.Key} is registered twice", nameof(engines));
    }

    /// <summary>The engines this project ships: latent (when the models are trained exports), then geometric (always runs).</summary>
    public static DubEngines BuiltIn { get; } = new([new LatentEngine(), new GeometricEngine()]);

    public IReadOnlyList<IDubEngine> All => _engines;

    /// <exception cref="InvalidOperationException">No engine of that kind is registered.</exception>
    public IDubEngine Get(DubEngine kind) =>
        _engines.FirstOrDefault(e => e.Kind == kind)
        ?? throw new InvalidOperationException($"no {EngineSelection.Name(kind)} engine is registered (known: {string.Join(", ", _engines.Select(e => EngineSelection.Name(e.Kind)))})");

    /// <summary>
    /// The engine a job runs: asked for by name, that engine if the models suit it; <c>auto</c>, the first engine that
    /// prefers these models.
    /// </summary>
    /// <exception cref="BadInputException">The engine asked for cannot run with these models (each problem named).</exception>
    public IDubEngine Resolve(DubEngine requested, ModelInventory inventory)
    {
        if (requested == DubEngine.Auto)
            return _engines.FirstOrDefault(e => e.PreferredFor(inventory))
                ?? throw new InvalidOperationException("no registered engine runs with these models");
        var engine = Get(requested);
        var problems = engine.CheckModels(inventory);
        if (problems.Count > 0) throw new BadInputException(problems);
        return engine;
    }
}
