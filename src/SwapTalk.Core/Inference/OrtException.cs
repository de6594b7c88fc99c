using SwapTalk.Core.Inference.Native;

namespace SwapTalk.Core.Inference;

/// <summary>
/// An error from ONNX Runtime or from checking a call against a model's inputs and outputs.
/// The message always names the model (and the tensor, where one is at fault) and carries ORT's
/// own text verbatim.
/// </summary>
public class OrtException : Exception
{
    public OrtException(string model, string operation, OrtErrorCode code, string ortMessage)
        : base($"{model}: {operation} failed: [{code}] {ortMessage}")
    {
        Model = model;
        Code = code;
        OrtMessage = ortMessage;
    }

    protected OrtException(string model, string message, Exception? inner = null) : base(message, inner)
    {
        Model = model;
        Code = OrtErrorCode.InvalidArgument;
        OrtMessage = "";
    }

    /// <summary>The model's name (stage or file name) the error concerns.</summary>
    public string Model { get; }

    public OrtErrorCode Code { get; }

    /// <summary>ORT's message, unchanged; empty where the binding found the problem first.</summary>
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

/// <summary>The ONNX Runtime library could not be found, loaded or negotiated with.</summary>
public sealed class OrtLibraryException : Exception
{
    public OrtLibraryException(string message, Exception? inner = null) : base(message, inner) { }
}
