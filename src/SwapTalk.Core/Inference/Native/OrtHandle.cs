using System.Runtime.InteropServices;

namespace SwapTalk.Core.Inference.Native;

/// <summary>
/// Owns one native ORT object and releases it with its own Release function exactly once, also
/// when the owner is never disposed (finaliser) and while another thread is inside a call on it
/// (callers bracket native calls with DangerousAddRef/DangerousRelease).
/// </summary>
internal sealed unsafe class OrtHandle : SafeHandle
{
    private readonly delegate* unmanaged[Cdecl]<nint, void> _release;

    public OrtHandle(nint handle, delegate* unmanaged[Cdecl]<nint, void> release, string kind) : base(0, ownsHandle: true)
    {
        _release = release;
        Kind = kind;
        SetHandle(handle);
    }

    /// <summary>What the handle holds (Session, Value, ...), for diagnostics.</summary>
    public string Kind { get; }

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        _release(handle);
        return true;
    }
}
