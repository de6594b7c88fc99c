using SwapTalk.Core.Inference;
using SwapTalk.Core.Models.Onnx;

namespace SwapTalk.Tests.Inference;

/// <summary>Small ONNX models written with the project's own ONNX writer, for binding tests.</summary>
internal static class TestModels
{
    /// <summary>y = x * 2 + 1 over float32 [1,16].</summary>
    public static byte[] Tiny() => SwapTalk.Core.Models.Probes.ProbeModels.Tiny();

    /// <summary>Identity paths for float16, uint8 and int64, plus a float32 sum with a free batch dimension.</summary>
    public static byte[] Types()
    {
        var g = new OnnxGraphBuilder("types")
            .Input("h", TensorElementType.Float16, "N,4")
            .Input("u", TensorElementType.UInt8, "2,3")
            .Input("l", TensorElementType.Int64, "batch,2")
            .Output("h_out", TensorElementType.Float16, "N,4")
            .Output("u_out", TensorElementType.UInt8, "2,3")
            .Output("l_out", TensorElementType.Int64, "batch,2");
        g.Node("Add", ["h", g.Initializer("half_one", [(Half)1], 1)], "h_out");
        g.Node("Identity", ["u"], "u_out");
        g.Node("Mul", ["l", g.Initializer("three", [3L], 1)], "l_out");
        return g.ToBytes();
    }

    /// <summary>z = a + b with both inputs [N,8]: lets a run reach ORT with inconsistent batch sizes.</summary>
    public static byte[] Sum()
    {
        var g = new OnnxGraphBuilder("sum")
            .Input("a", TensorElementType.Float32, "N,8")
            .Input("b", TensorElementType.Float32, "N,8")
            .Output("z", TensorElementType.Float32, "N,8");
        g.Node("Add", ["a", "b"], "z");
        return g.ToBytes();
    }

    /// <summary>An initializer also listed as a graph input: ORT logs a warning when loading it.</summary>
    public static byte[] OverridableInitializer()
    {
        var g = new OnnxGraphBuilder("overridable")
            .Input("x", TensorElementType.Float32, "1,4")
            .Input("scale", TensorElementType.Float32, "1")
            .Output("y", TensorElementType.Float32, "1,4");
        g.Initializer("scale", [3f], 1);
        g.Node("Mul", ["x", "scale"], "y");
        return g.ToBytes();
    }
}
