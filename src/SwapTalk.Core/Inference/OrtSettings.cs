namespace SwapTalk.Core.Inference;

/// <summary>Environment variable names the inference layer reads (fixed project-wide).</summary>
public static class OrtSettings
{
    /// <summary><c>cpu</c> or <c>cuda</c>.</summary>
    public const string ExecutionProviderVariable = "SWAPTALK_EXECUTION_PROVIDER";

    /// <summary>CUDA device ordinal for the CUDA execution provider (default 0).</summary>
    public const string CudaDeviceIdVariable = "SWAPTALK_CUDA_DEVICE_ID";
}
