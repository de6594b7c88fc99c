using SwapTalk.Core.Jobs;

namespace SwapTalk.Core.Activities;

/// <summary>
/// The inventory until the model manifest lands: every *.onnx file in the folder with its sha256 (cached for the
/// process per path, size and modification time, so the job id and the report, and the next job, do not hash
/// gigabytes again), and the default audio layout.
/// </summary>
public sealed class OnnxFolderInventory : IModelInventory
{
    private static readonly Dictionary<(string Path, long Length, DateTime Modified), string> _hashes = [];

    public async Task<ModelInventory> DescribeAsync(string modelsDir, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(modelsDir)) throw new BadInputException("models", $"models folder '{modelsDir}' does not exist");
        var models = new List<ModelUse>();
        foreach (var path in Directory.EnumerateFiles(modelsDir, "*.onnx").Order(StringComparer.Ordinal))
        {
            var info = new FileInfo(path);
            var key = (info.FullName, info.Length, info.LastWriteTimeUtc);
            string? hash;
            lock (_hashes) _hashes.TryGetValue(key, out hash);
            if (hash is null)
            {
                hash = await JobIds.HashFileAsync(path, cancellationToken);
                lock (_hashes) _hashes[key] = hash;
            }
            models.Add(new ModelUse(Path.GetFileNameWithoutExtension(path), info.Name, hash));
        }
        return new ModelInventory(models, AudioFeatureLayout.Default);
    }
}
