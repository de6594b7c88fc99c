using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SwapTalk.Core.Stages;

/// <summary>
/// Float buffers that start on a 64-byte boundary, for tensors handed to ONNX Runtime. Some of its CPU kernels
/// (ReduceMean, measured here) sum in an order that depends on the input's address alignment, so the same values
/// at another alignment can give a different last bit; with every input aligned the same way, a frame renders to
/// the same bits whichever buffer, segment or run it lands in.
/// </summary>
public static class AlignedMemory
{
    public const int Alignment = 64;

    /// <summary>A zeroed buffer of <paramref name="length"/> floats starting on a 64-byte boundary (pinned, so it stays there).</summary>
    public static unsafe Memory<float> Floats(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var array = GC.AllocateArray<float>(length + Alignment / sizeof(float), pinned: true);
        var address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
        var offset = (int)((Alignment - address % Alignment) % Alignment) / sizeof(float);
        return array.AsMemory(offset, length);
    }

    /// <summary>True when the memory starts on a 64-byte boundary.</summary>
    public static unsafe bool IsAligned(ReadOnlyMemory<float> memory)
    {
        using var pin = memory.Pin();
        return (nint)pin.Pointer % Alignment == 0;
    }
}

/// <summary>
/// A 64-byte aligned float buffer in native memory, freed when disposed: for the large per-segment tensors, so their
/// memory is returned the moment a segment ends instead of waiting for a full garbage collection (pinned and large
/// managed arrays are reclaimed only by those), which keeps a long job's footprint flat.
/// </summary>
public sealed unsafe class NativeFloats : System.Buffers.MemoryManager<float>
{
    private float* _pointer;

    public NativeFloats(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Length = length;
        _pointer = (float*)NativeMemory.AlignedAlloc((nuint)Math.Max(1, length) * sizeof(float), AlignedMemory.Alignment);
    }

    public int Length { get; }

    public override Span<float> GetSpan()
    {
        ObjectDisposedException.ThrowIf(_pointer is null, this);
        return new Span<float>(_pointer, Length);
    }

    public override System.Buffers.MemoryHandle Pin(int elementIndex = 0)
    {
        ObjectDisposedException.ThrowIf(_pointer is null, this);
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)elementIndex, (uint)Length, nameof(elementIndex));
        return new System.Buffers.MemoryHandle(_pointer + elementIndex);
    }

    // MemoryManager<T> requires it; native memory never moves, so there is nothing to unpin.
    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
        if (_pointer is null) return;
        NativeMemory.AlignedFree(_pointer);
        _pointer = null;
    }
}
