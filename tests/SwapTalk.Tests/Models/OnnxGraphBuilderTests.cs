using SwapTalk.Core.Inference;
using SwapTalk.Core.Models.Onnx;
using SwapTalk.Tests.Inference;

namespace SwapTalk.Tests.Models;

public class OnnxGraphBuilderTests
{
    [Fact]
    public void Shape_text_reads_sizes_and_dimension_names()
    {
        ShapeText.Parse("N, 3,512,512").Should().Equal(new TensorDim(-1, "N"), new TensorDim(3), new TensorDim(512), new TensorDim(512));
        ShapeText.Parse("").Should().BeEmpty();
        var bad = () => ShapeText.Parse("N,-2");
        bad.Should().Throw<FormatException>().WithMessage("shape 'N,-2': '-2' is neither a size nor a dimension name");
    }

    [Fact]
    public void A_written_model_loads_in_onnx_runtime_with_its_opset_metadata_and_doc()
    {
        var g = new OnnxGraphBuilder("g")
            .Input("a", TensorElementType.Float32, "batch,3")
            .Output("b", TensorElementType.Float32, "batch,3");
        g.Node("Relu", ["a"], "b");
        var model = g.Build(new Dictionary<string, string> { ["k"] = "v" }, "doc");
        (model.IrVersion, model.OpsetImport.Single().Version).Should().Be((OnnxGraphBuilder.IrVersion, OnnxGraphBuilder.Opset));
        using var session = OrtRuntimeFixture.Runtime.OpenSession(g.ToBytes(new Dictionary<string, string> { ["k"] = "v" }), "relu");
        session.GetMetadata("k").Should().Be("v");
        using var result = session.Run([TensorInput.Of("a", new[] { -1f, 0f, 2f }, 1, 3)]);
        result[0].GetSpan<float>().ToArray().Should().Equal(0f, 0f, 2f);
    }

    [Fact]
    public void Initializer_names_must_be_unique_but_may_shadow_a_graph_input()
    {
        var g = new OnnxGraphBuilder("g").Input("w", TensorElementType.Float32, "1");
        g.Initializer("w", [1f], 1); // an overridable default for input 'w'
        var again = () => g.Initializer("w", [2f], 1);
        again.Should().Throw<ArgumentException>().WithMessage("name 'w' is already used in graph 'g'*");
        var output = g.Node("Neg", ["w"], "y");
        var clash = () => g.Initializer(output, [3f], 1);
        clash.Should().Throw<ArgumentException>().WithMessage("name 'y' is already used*");
    }

    [Fact]
    public void Unsupported_element_types_and_empty_tensors_are_handled_explicitly()
    {
        var unsupported = () => TensorInput.Of("x", new short[4], 4);
        unsupported.Should().Throw<NotSupportedException>().WithMessage("Int16 is not a tensor element type the binding exchanges*");

        // A zero-sized batch is a legal tensor: ORT gets a valid (empty) buffer and returns an empty output.
        using var session = OrtRuntimeFixture.Runtime.OpenSession(TestModels.Sum(), "sum");
        using var result = session.Run([TensorInput.Of("a", Array.Empty<float>(), 0, 8), TensorInput.Of("b", Array.Empty<float>(), 0, 8)]);
        result[0].Shape.Should().Equal(0, 8);
        result[0].GetSpan<float>().Length.Should().Be(0);
    }
}
