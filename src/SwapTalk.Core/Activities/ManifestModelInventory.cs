using SwapTalk.Core.Jobs;
using SwapTalk.Core.Media;
using SwapTalk.Core.Models;
using SwapTalk.Core.Models.Probes;

namespace SwapTalk.Core.Activities;

/// <summary>
/// The models a job uses, from the manifest: every required stage's file (and optional ones present) with its
/// sha256 and whether it is a probe model, and the audio feature layout the lip syncer's window implies
/// (features before and after a frame's own feature). Hashes are cached for the process per path, size and
/// modification time, so the job id, the plan and the next job do not hash gigabytes again.
/// </summary>
/// <param name="manifestFor">The manifest of a models folder.</param>
/// <param name="resolve">Maps the folder a job names to the one this worker loads from (default: as named).</param>
public sealed class ManifestModelInventory(Func<string, ModelManifest> manifestFor, Func<string, string>? resolve = null) : IModelInventory
{
    private static readonly Dictionary<(string Path, long Length, DateTime Modified), (string Hash, bool Probe)> Cache = [];

    /// <summary>An inventory over the folder's manifest.json, else the built-in manifest.</summary>
    public ManifestModelInventory()
        : this(dir => File.Exists(Path.Combine(dir, "manifest.json")) ? ModelManifest.Load(Path.Combine(dir, "manifest.json")) : ModelManifest.Default)
    {
    }

    /// <exception cref="BadInputException">The folder is missing, its manifest is invalid, or a required model file is absent.</exception>
    public async Task<ModelInventory> DescribeAsync(string modelsDir, CancellationToken cancellationToken)
    {
        if (resolve is not null) modelsDir = resolve(modelsDir);
        if (!Directory.Exists(modelsDir)) throw new BadInputException("models", $"models folder '{modelsDir}' does not exist");
        ModelManifest manifest;
        try
        {
            manifest = manifestFor(modelsDir);
        }
        catch (InvalidDataException e)
        {
            throw new BadInputException("models", e.Message);
        }

        var missing = new List<JobInputError>();
        var missingStages = new List<JobInputError>();
        var uses = new List<ModelUse>();
        foreach (var spec in manifest.Models)
        {
            var path = Path.Combine(modelsDir, spec.File);
            if (!File.Exists(path))
            {
                if (!spec.Optional)
                    (Engines.EngineSelection.SwapTalkStages.Contains(spec.Stage) ? missingStages : missing).Add(new JobInputError("models", $"'{modelsDir}' has no {spec.File} ({spec.Stage}); run `swaptalk models probe {modelsDir}` for probe models, or add the trained export"));
                continue;
            }
            var (hash, probe) = await DescribeFileAsync(path, cancellationToken);
            uses.Add(new ModelUse(spec.Stage, spec.File, hash, probe));
        }
        if (missing.Count > 0) throw new BadInputException(missing);
        return new ModelInventory(uses, Layout(manifest.LipSyncWindow), missingStages);
    }

    /// <summary>The planner's view of the lip syncer's window: the frame's own feature has Center features before it and Length - Center - 1 after.</summary>
    public static AudioFeatureLayout Layout(AudioWindow window) =>
        new(Rational.FromDouble(window.FeatureRate, 1000), window.Center, window.Length - window.Center - 1);

    private static async Task<(string Hash, bool Probe)> DescribeFileAsync(string path, CancellationToken cancellationToken)
    {
        var info = new FileInfo(path);
        var key = (info.FullName, info.Length, info.LastWriteTimeUtc);
        lock (Cache)
            if (Cache.TryGetValue(key, out var known)) return known;
        var described = (await JobIds.HashFileAsync(path, cancellationToken), ProbeModels.IsProbe(path));
        lock (Cache) Cache[key] = described;
        return described;
    }
}
