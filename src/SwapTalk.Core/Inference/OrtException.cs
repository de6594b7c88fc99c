namespace SwapTalk.Core.Inference;

/// <summary>
/// An error from ONNX Runtime or from checking a call against a model's inputs and outputs.
/// The message always names the model (and the tensor, where one is at fault) and carries ORT's
/// own text verbatim.
/// </summary>
public class OrtException : Exception
{
    public OrtException(string model, string operation, string ortMessage, Exception? inner = null)
        : base($"{model}: {operation} failed: {ortMessage}", inner)
    {
        Model = model;
        OrtMessage = ortMessage;
    }

    protected OrtException(string model, string message) : base(message)
    {
        Model = model;
        OrtMessage = "";
    }

    /// <summary>The model's name (stage or file name) the error concerns.</summary>
    public string Model { get; }

    /// <summary>ORT's message, unchanged (it starts with ORT's error code, e.g. "[ErrorCode:InvalidProtobuf]"); empty where the check before ORT found the problem.</summary>
    public string OrtMessage { get; }
}

/// <summary>A call that does not fit the model's declared inputs or outputs (found before ORT runs).</summary>
public sealed class TensorContractException : OrtException
{
    public TensorContractException(string model, string tensor, string problem)
        : base(model, $"{model}: tensor '{tensor}': {problem}")
    {
        Tensor = tensor;
    }

    public string Tensor { get; }
}

/// <summary>ONNX Runtime's native library did not load (it travels with the build: a broken or partial copy).</summary>
public sealed class OrtLibraryException : Exception
{
    public OrtLibraryException(string message, Exception? inner = null) : base(message, inner) { }
}
