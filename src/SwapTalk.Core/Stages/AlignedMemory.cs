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
