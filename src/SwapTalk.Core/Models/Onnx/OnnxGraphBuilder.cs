using System.Runtime.InteropServices;
using Google.Protobuf;
using SwapTalk.Core.Inference;

namespace SwapTalk.Core.Models.Onnx;

/// <summary>
/// Builds a small ONNX model (one graph, default domain) from nodes and initialisers, for probe
/// models and tests. Opset 17 with IR version 8: the pair ONNX 1.12 defined, well supported by
/// ONNX Runtime 1.11+ (CPU and CUDA builds alike). In opset 17, ReduceMean takes its axes as an
/// attribute, Unsqueeze and Slice take theirs as inputs.
/// </summary>
public sealed class OnnxGraphBuilder
{
    public const long IrVersion = 8;
    public const long Opset = 17;

    private readonly GraphProto _graph;
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private int _counter;

    public OnnxGraphBuilder(string graphName) => _graph = new GraphProto { Name = graphName };

    /// <summary>Declares a graph input; <paramref name="shape"/> like "N,3,512,512" (names are symbolic dimensions).</summary>
    public OnnxGraphBuilder Input(string name, TensorElementType type, string shape)
    {
        _graph.Input.Add(ValueInfo(name, type, shape));
        _names.Add(name);
        return this;
    }

    public OnnxGraphBuilder Output(string name, TensorElementType type, string shape)
    {
        _graph.Output.Add(ValueInfo(name, type, shape));
        return this;
    }

    public string Initializer(string name, ReadOnlySpan<float> values, params ReadOnlySpan<long> dims) =>
        AddInitializer(name, TensorElementType.Float32, MemoryMarshal.AsBytes(values), dims);

    public string Initializer(string name, ReadOnlySpan<long> values, params ReadOnlySpan<long> dims) =>
        AddInitializer(name, TensorElementType.Int64, MemoryMarshal.AsBytes(values), dims);

    public string Initializer(string name, ReadOnlySpan<Half> values, params ReadOnlySpan<long> dims) =>
        AddInitializer(name, TensorElementType.Float16, MemoryMarshal.AsBytes(values), dims);

    /// <summary>A 1-D int64 constant (axes, starts, ends, shapes), named automatically.</summary>
    public string Int64s(params long[] values) => Initializer(Fresh("const"), values, values.Length);

    /// <summary>A scalar int64 constant (Gather indices).</summary>
    public string Int64Scalar(long value) => Initializer(Fresh("scalar"), [value]);

    /// <summary>Adds a node; returns its (first) output name, generated when not given.</summary>
    public string Node(string opType, IEnumerable<string> inputs, string? output = null, params AttributeProto[] attributes)
    {
        output ??= Fresh(opType.ToLowerInvariant());
        var node = new NodeProto { OpType = opType, Name = Fresh("node_" + opType.ToLowerInvariant()) };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
        _names.Add(output);
        return output;
    }

    public static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Ints(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    public static AttributeProto Float(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    /// <summary>The finished model; metadata_props carry e.g. the probe marker.</summary>
    public ModelProto Build(IReadOnlyDictionary<string, string>? metadata = null, string docString = "")
    {
        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "swaptalk",
            ProducerVersion = typeof(OnnxGraphBuilder).Assembly.GetName().Version?.ToString() ?? "0",
            ModelVersion = 1,
            DocString = docString,
            Graph = _graph.Clone(),
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        if (metadata is not null)
            foreach (var (k, v) in metadata)
                model.MetadataProps.Add(new StringStringEntryProto { Key = k, Value = v });
        return model;
    }

    public byte[] ToBytes(IReadOnlyDictionary<string, string>? metadata = null, string docString = "") =>
        Build(metadata, docString).ToByteArray();

    private string AddInitializer(string name, TensorElementType type, ReadOnlySpan<byte> raw, ReadOnlySpan<long> dims)
    {
        // A graph input may share its initializer's name (an overridable default); anything else may not.
        if (_graph.Initializer.Any(i => i.Name == name) || (_names.Contains(name) && _graph.Input.All(i => i.Name != name)))
            throw new ArgumentException($"name '{name}' is already used in graph '{_graph.Name}'", nameof(name));
        _names.Add(name);
        var tensor = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(raw) };
        tensor.Dims.AddRange(dims.ToArray());
        _graph.Initializer.Add(tensor);
        return name;
    }

    private string Fresh(string stem)
    {
        string name;
        // The counter alone keeps generated names unique; callers register the name where they use it.
        do name = $"{stem}_{_counter++}"; while (_names.Contains(name));
        return name;
    }

    private static ValueInfoProto ValueInfo(string name, TensorElementType type, string shape)
    {
        var tensorShape = new TensorShapeProto();
        foreach (var dim in ShapeText.Parse(shape))
            tensorShape.Dim.Add(dim.IsFixed
                ? new TensorShapeProto.Types.Dimension { DimValue = dim.Value }
                : new TensorShapeProto.Types.Dimension { DimParam = dim.Symbol ?? "?" });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = tensorShape } },
        };
    }
}

/// <summary>Shapes written as text: "N,3,512,512" (numbers fixed, names symbolic); "" is a scalar.</summary>
public static class ShapeText
{
    public static TensorDim[] Parse(string shape)
    {
        if (string.IsNullOrWhiteSpace(shape)) return [];
        return shape.Split(',').Select(p => p.Trim()).Select(p =>
            long.TryParse(p, out var v) && v >= 0 ? new TensorDim(v)
            : p.Length > 0 && !char.IsDigit(p[0]) && p[0] != '-' ? new TensorDim(-1, p)
            : throw new FormatException($"shape '{shape}': '{p}' is neither a size nor a dimension name")).ToArray();
    }
}
