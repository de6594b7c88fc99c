namespace SwapTalk.Core.Inference;

/// <summary>Setting and environment variable names the inference layer reads (fixed project-wide).</summary>
public static class OrtSettings
{
    /// <summary>Path to libonnxruntime (CPU or GPU build).</summary>
    public const string LibraryVariable = "SWAPTALK_ORT_LIBRARY";

    /// <summary><c>cpu</c> or <c>cuda</c>.</summary>
    public const string ExecutionProviderVariable = "SWAPTALK_EXECUTION_PROVIDER";

    /// <summary>CUDA device ordinal for the CUDA execution provider (default 0).</summary>
    public const string CudaDeviceIdVariable = "SWAPTALK_CUDA_DEVICE_ID";

    /// <summary>Where the set-up script records the library it installed, relative to the repository root.</summary>
    public const string ToolsPointerFile = "tools/onnxruntime/current";

    /// <summary>The name the system loader resolves when nothing else is configured.</summary>
    public const string DefaultLibraryName = "libonnxruntime.so.1";
}
