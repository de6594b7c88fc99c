namespace SwapTalk.Core.Inference;

/// <summary>
/// ONNX's tensor element types (TensorProto.DataType values). The manifest and the project's ONNX
/// writer speak this vocabulary without ONNX Runtime; ORT's own enum has the same values.
/// </summary>
public enum TensorElementType
{
    Undefined = 0,
    Float32 = 1,
    UInt8 = 2,
    Int8 = 3,
    UInt16 = 4,
    Int16 = 5,
    Int32 = 6,
    Int64 = 7,
    String = 8,
    Bool = 9,
    Float16 = 10,
    Float64 = 11,
    UInt32 = 12,
    UInt64 = 13,
    Complex64 = 14,
    Complex128 = 15,
    BFloat16 = 16,
}

/// <summary>One dimension of a declared shape: a fixed size, or a symbolic name (Value = -1).</summary>
public readonly record struct TensorDim(long Value, string? Symbol = null)
{
    public bool IsFixed => Value >= 0;

    public override string ToString() => IsFixed ? Value.ToString() : string.IsNullOrEmpty(Symbol) ? "?" : Symbol;
}

/// <summary>A model input or output as the model declares it.</summary>
public sealed record TensorInfo(string Name, TensorElementType ElementType, IReadOnlyList<TensorDim> Shape)
{
    public int Rank => Shape.Count;

    public override string ToString() => $"{Name}: {ElementType.DisplayName()} [{string.Join(",", Shape)}]";
}

public static class TensorElementTypes
{
    /// <summary>Short lower-case names as the manifest writes them (float32, float16, uint8, int64, ...).</summary>
    public static string DisplayName(this TensorElementType type) => type switch
    {
        TensorElementType.Float32 => "float32",
        TensorElementType.Float16 => "float16",
        TensorElementType.Float64 => "float64",
        TensorElementType.BFloat16 => "bfloat16",
        TensorElementType.UInt8 => "uint8",
        TensorElementType.Int8 => "int8",
        TensorElementType.UInt16 => "uint16",
        TensorElementType.Int16 => "int16",
        TensorElementType.Int32 => "int32",
        TensorElementType.Int64 => "int64",
        TensorElementType.UInt32 => "uint32",
        TensorElementType.UInt64 => "uint64",
        TensorElementType.Bool => "bool",
        TensorElementType.String => "string",
        _ => type.ToString().ToLowerInvariant(),
    };

    public static bool TryParse(string name, out TensorElementType type)
    {
        foreach (var t in Enum.GetValues<TensorElementType>())
            if (t != TensorElementType.Undefined && t.DisplayName() == name) { type = t; return true; }
        type = TensorElementType.Undefined;
        return false;
    }

    /// <summary>The element type for a CLR type the binding exchanges without conversion.</summary>
    public static TensorElementType Of<T>() where T : unmanaged =>
        typeof(T) == typeof(float) ? TensorElementType.Float32
        : typeof(T) == typeof(Half) ? TensorElementType.Float16
        : typeof(T) == typeof(byte) ? TensorElementType.UInt8
        : typeof(T) == typeof(long) ? TensorElementType.Int64
        : typeof(T) == typeof(int) ? TensorElementType.Int32
        : typeof(T) == typeof(sbyte) ? TensorElementType.Int8
        : typeof(T) == typeof(double) ? TensorElementType.Float64
        : throw new NotSupportedException($"{typeof(T).Name} is not a tensor element type the binding exchanges (float, Half, byte, long, int, sbyte, double)");
}
