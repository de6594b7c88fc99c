using Google.Protobuf;
using SwapTalk.Core.Inference;
using SwapTalk.Core.Models;
using SwapTalk.Core.Models.Onnx;

namespace SwapTalk.Core.Vision.Tracking;

/// <summary>
/// Opens the tracker's models from a catalog, checked against the manifest like any stage's model.
/// <para>
/// The Peppa landmarker export lists its 152 weights as graph inputs as well as initializers. ONNX
/// Runtime must then treat them as values a caller could override, so it folds nothing (batch norms stay
/// separate from their convolutions) and runs the model 4-5 times slower (measured here: 12 ms against
/// 2.5 ms per face on one thread). The landmarker is opened from the file's bytes with those inputs
/// removed: the same weights and graph, outputs equal within float rounding (3e-5 px on a GRID face).
/// </para>
/// </summary>
public static class TrackerModels
{
    public static InferenceSession OpenDetector(ModelCatalog catalog) => catalog.Open(StageNames.FaceDetector);

    public static InferenceSession OpenLandmarker(ModelCatalog catalog)
    {
        var path = catalog.PathOf(StageNames.FaceLandmarker);
        if (!File.Exists(path)) return catalog.Open(StageNames.FaceLandmarker); // the catalog's own "missing" error
        var model = WithoutInitializerInputs(File.ReadAllBytes(path), out var removed);
        if (removed == 0) return catalog.Open(StageNames.FaceLandmarker);
        var spec = catalog.Manifest.Model(StageNames.FaceLandmarker);
        InferenceSession session;
        try
        {
            session = catalog.Runtime.OpenSession(model, StageNames.FaceLandmarker, catalog.Settings);
        }
        catch (OrtException e) when (e is not TensorContractException)
        {
            throw ModelCatalog.Unloadable(spec, path, e);
        }
        var (problems, notes) = ModelCheck.Compare(spec, session.Inputs, session.Outputs);
        if (problems.Count == 0) return session;
        session.Dispose();
        throw new ModelContractException(new ModelCheckResult(spec, path, ModelCheckStatus.Mismatch, problems, notes, false));
    }

    /// <summary>
    /// The model with every graph input that is also an initializer removed (<paramref name="removed"/> says
    /// how many); the bytes unchanged when there are none or they do not parse as an ONNX model (ONNX
    /// Runtime then reports the file's problem itself).
    /// </summary>
    public static byte[] WithoutInitializerInputs(byte[] model, out int removed)
    {
        removed = 0;
        ModelProto proto;
        try
        {
            proto = ModelProto.Parser.ParseFrom(model);
        }
        catch (InvalidProtocolBufferException)
        {
            return model;
        }
        if (proto.Graph is not { } graph) return model;
        var weights = graph.Initializer.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var inputs = graph.Input.Where(i => !weights.Contains(i.Name)).ToList();
        removed = graph.Input.Count - inputs.Count;
        if (removed == 0) return model;
        graph.Input.Clear();
        graph.Input.AddRange(inputs);
        // Fields the project's ONNX subset does not name are kept as unknown fields and written back as they were.
        return proto.ToByteArray();
    }
}
