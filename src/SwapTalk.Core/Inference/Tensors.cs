using System.Buffers;
using Microsoft.ML.OnnxRuntime;

namespace SwapTalk.Core.Inference;

/// <summary>
/// A named input over caller memory. Nothing is copied: the memory is pinned only for the
/// duration of the run and ORT reads it in place. Supported elements: float, Half (float16),
/// byte (uint8), long (int64), int, sbyte, double.
/// </summary>
public readonly struct TensorInput
{
    private readonly object _memory;
    private readonly Func<object, MemoryHandle> _pin;

    private TensorInput(string name, TensorElementType type, long[] shape, int elementSize, int length, object memory, Func<object, MemoryHandle> pin)
    {
        Name = name;
        ElementType = type;
        Shape = shape;
        ElementSize = elementSize;
        Length = length;
        _memory = memory;
        _pin = pin;
    }

    public string Name { get; }
    public TensorElementType ElementType { get; }
    public IReadOnlyList<long> Shape { get; }
    internal int ElementSize { get; }
    internal int Length { get; }

    public static TensorInput Of<T>(string name, ReadOnlyMemory<T> data, params ReadOnlySpan<long> shape) where T : unmanaged
    {
        var type = TensorElementTypes.Of<T>();
        var dims = TensorShape.Validate(name, shape, data.Length);
        return new TensorInput(name, type, dims, System.Runtime.CompilerServices.Unsafe.SizeOf<T>(), data.Length, data, Pinner<T>.PinReadOnly);
    }

    public static TensorInput Of<T>(string name, T[] data, params ReadOnlySpan<long> shape) where T : unmanaged =>
        Of(name, (ReadOnlyMemory<T>)data, shape);

    internal MemoryHandle Pin() => _pin(_memory);
}

/// <summary>
/// A caller-owned buffer an output is written into directly (no copy out of ORT's memory).
/// Its shape must be the one the model produces.
/// </summary>
public readonly struct TensorOutput
{
    private readonly object _memory;
    private readonly Func<object, MemoryHandle> _pin;

    private TensorOutput(string name, TensorElementType type, long[] shape, int elementSize, int length, object memory, Func<object, MemoryHandle> pin)
    {
        Name = name;
        ElementType = type;
        Shape = shape;
        ElementSize = elementSize;
        Length = length;
        _memory = memory;
        _pin = pin;
    }

    public string Name { get; }
    public TensorElementType ElementType { get; }
    public IReadOnlyList<long> Shape { get; }
    internal int ElementSize { get; }
    internal int Length { get; }

    public static TensorOutput Of<T>(string name, Memory<T> data, params ReadOnlySpan<long> shape) where T : unmanaged
    {
        var type = TensorElementTypes.Of<T>();
        var dims = TensorShape.Validate(name, shape, data.Length);
        return new TensorOutput(name, type, dims, System.Runtime.CompilerServices.Unsafe.SizeOf<T>(), data.Length, data, Pinner<T>.Pin);
    }

    public static TensorOutput Of<T>(string name, T[] data, params ReadOnlySpan<long> shape) where T : unmanaged =>
        Of(name, (Memory<T>)data, shape);

    internal MemoryHandle Pin() => _pin(_memory);
}

internal static class Pinner<T> where T : unmanaged
{
    public static readonly Func<object, MemoryHandle> PinReadOnly = m => ((ReadOnlyMemory<T>)m).Pin();
    public static readonly Func<object, MemoryHandle> Pin = m => ((Memory<T>)m).Pin();
}

internal static class TensorShape
{
    public static long[] Validate(string name, ReadOnlySpan<long> shape, int length)
    {
        long count = 1;
        foreach (var d in shape)
        {
            if (d < 0) throw new ArgumentException($"tensor '{name}': shape [{string.Join(",", shape.ToArray())}] has a negative dimension");
            count = checked(count * d);
        }
        if (count != length)
            throw new ArgumentException($"tensor '{name}': shape [{string.Join(",", shape.ToArray())}] holds {count} elements but the buffer has {length}");
        return shape.ToArray();
    }

    public static string Format(IEnumerable<long> shape) => "[" + string.Join(",", shape) + "]";
}

/// <summary>
/// The outputs of one run, in ORT's memory. Spans handed out read that memory directly and stay
/// valid until this result is disposed.
/// </summary>
public sealed class InferenceResult : IDisposable
{
    private readonly OutputTensor[] _outputs;

    internal InferenceResult(OutputTensor[] outputs) => _outputs = outputs;

    public int Count => _outputs.Length;

    public OutputTensor this[int index] => _outputs[index];

    public OutputTensor this[string name]
    {
        get
        {
            foreach (var o in _outputs) if (o.Name == name) return o;
            throw new KeyNotFoundException($"no output '{name}' in this result (has {string.Join(", ", _outputs.Select(o => o.Name))})");
        }
    }

    public IEnumerable<OutputTensor> Outputs => _outputs;

    public void Dispose()
    {
        foreach (var o in _outputs) o.Dispose();
    }
}

/// <summary>One output tensor produced by ORT, read in place from ORT's buffer.</summary>
public sealed class OutputTensor
{
    private readonly OrtValue _value;
    private bool _disposed;

    internal OutputTensor(string model, string name, OrtValue value)
    {
        Model = model;
        Name = name;
        _value = value;
        var info = value.GetTensorTypeAndShape();
        ElementType = (TensorElementType)(int)info.ElementDataType;
        Shape = info.Shape;
        ElementCount = info.ElementCount;
    }

    public string Model { get; }
    public string Name { get; }
    public TensorElementType ElementType { get; }
    public IReadOnlyList<long> Shape { get; }
    public long ElementCount { get; }

    /// <summary>The elements, read in place from ORT's buffer (no copy).</summary>
    public ReadOnlySpan<T> GetSpan<T>() where T : unmanaged
    {
        var wanted = TensorElementTypes.Of<T>();
        if (wanted != ElementType)
            throw new TensorContractException(Model, Name, $"output is {ElementType.DisplayName()}, read as {wanted.DisplayName()}");
        if (_disposed) throw new ObjectDisposedException($"{Model}: output '{Name}' (its InferenceResult was disposed)");
        // Raw bytes reinterpreted: ORT's typed span accessors know its own Float16 struct, not System.Half.
        return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, T>(_value.GetTensorMutableRawData());
    }

    public T[] ToArray<T>() where T : unmanaged => GetSpan<T>().ToArray();

    internal void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _value.Dispose();
    }

    public override string ToString() => $"{Name}: {ElementType.DisplayName()} {TensorShape.Format(Shape)}";
}
