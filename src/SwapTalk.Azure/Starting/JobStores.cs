using SwapTalk.Core.Storage;

namespace SwapTalk.Azure.Starting;

/// <summary>
/// The blob stores a cloud job touches: the job store (inputs staged under jobs/{jobId}/input/, work, output, report)
/// and one store per container a manifest may take inputs from. The Azure adapter gives one store per container;
/// tests give file-system stores.
/// </summary>
public sealed class JobStores
{
    private readonly IReadOnlyDictionary<string, IBlobStore> _inputs;

    public JobStores(IBlobStore jobs, IReadOnlyDictionary<string, IBlobStore> inputs)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Count == 0) throw new ArgumentException("at least one input container is needed", nameof(inputs));
        Jobs = jobs;
        _inputs = inputs;
    }

    public IBlobStore Jobs { get; }

    public IReadOnlyCollection<string> InputContainers => _inputs.Keys.ToList();

    /// <exception cref="ArgumentException">The container is not one inputs are read from.</exception>
    public IBlobStore Input(string container) =>
        _inputs.TryGetValue(container, out var store)
            ? store
            : throw new ArgumentException($"container '{container}' is not an input container (known: {string.Join(", ", _inputs.Keys)})", nameof(container));
}
