namespace SwapTalk.Core.Jobs;

/// <summary>A model file the job used, for the report (and the job id); <paramref name="Probe"/>: a generated probe model, not trained weights.</summary>
public sealed record ModelUse(string Name, string File, string Sha256, bool Probe = false);

/// <summary>
/// The model files a job uses, with their hashes, and the audio feature layout they imply. <paramref name="MissingStages"/>:
/// SwapTalk stage models (vq_encoder .. vq_decoder) the folder lacks, each as the problem to report if the latent engine
/// is asked for (the geometric engine runs without them).
/// </summary>
public sealed record ModelInventory(IReadOnlyList<ModelUse> Models, AudioFeatureLayout AudioFeatures, IReadOnlyList<JobInputError>? MissingStages = null);

/// <summary>Describes a models folder. The model manifest code implements it with the manifest's metadata.</summary>
public interface IModelInventory
{
    Task<ModelInventory> DescribeAsync(string modelsDir, CancellationToken cancellationToken);
}
