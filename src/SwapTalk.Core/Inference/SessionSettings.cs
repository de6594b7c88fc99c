using Microsoft.ML.OnnxRuntime;

namespace SwapTalk.Core.Inference;

public enum ExecutionProvider
{
    Cpu,
    Cuda,
}

/// <summary>How a session is created. The defaults suit CPU inference on a shared machine.</summary>
public sealed record SessionSettings
{
    /// <summary>The provider asked for; CUDA falls back to CPU, with a warning, where the library lacks it.</summary>
    public ExecutionProvider Provider { get; init; } = ExecutionProvider.Cpu;

    public int CudaDeviceId { get; init; }

    /// <summary>Threads for one operator; 0 lets ORT choose (one per physical core).</summary>
    public int IntraOpThreads { get; init; }

    public GraphOptimizationLevel Optimization { get; init; } = GraphOptimizationLevel.ORT_ENABLE_ALL;

    /// <summary>Session configuration entries (AddSessionConfigEntry), e.g. "session.intra_op.allow_spinning" = "0".</summary>
    public IReadOnlyDictionary<string, string> ConfigEntries { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Reads <c>SWAPTALK_EXECUTION_PROVIDER</c> (cpu|cuda) and <c>SWAPTALK_CUDA_DEVICE_ID</c>;
    /// a value that does not parse is an error naming the variable, not a silent default.
    /// </summary>
    public static SessionSettings FromEnvironment(Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var settings = new SessionSettings();
        var provider = environment(OrtSettings.ExecutionProviderVariable);
        if (!string.IsNullOrWhiteSpace(provider))
        {
            settings = settings with
            {
                Provider = provider.Trim().ToLowerInvariant() switch
                {
                    "cpu" => ExecutionProvider.Cpu,
                    "cuda" => ExecutionProvider.Cuda,
                    _ => throw new ArgumentException(
                        $"{OrtSettings.ExecutionProviderVariable}='{provider}' is not an execution provider; use 'cpu' or 'cuda'"),
                },
            };
        }
        var device = environment(OrtSettings.CudaDeviceIdVariable);
        if (!string.IsNullOrWhiteSpace(device))
        {
            if (!int.TryParse(device.Trim(), out var id) || id < 0)
                throw new ArgumentException($"{OrtSettings.CudaDeviceIdVariable}='{device}' is not a device number (0, 1, ...)");
            settings = settings with { CudaDeviceId = id };
        }
        return settings;
    }
}
