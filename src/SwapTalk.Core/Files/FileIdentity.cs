using System.Runtime.InteropServices;

namespace SwapTalk.Core.Files;

/// <summary>
/// Which file a path names on disk: device and inode, as stat(2) reports them after following symlinks. Two paths
/// with the same identity are one file (the same path spelled differently, a hard link or a symlink), so writing one
/// destroys the other.
/// </summary>
public readonly record struct FileIdentity(ulong Device, ulong Inode)
{
    /// <summary>The identity of an existing file, or null where it does not exist or cannot be stat'ed.</summary>
    public static FileIdentity? Of(string path)
    {
        if (string.IsNullOrEmpty(path) || path.Contains('\0')) return null;
        if (OperatingSystem.IsLinux())
        {
            // struct stat starts with st_dev and st_ino (both 64-bit) on x86-64 and arm64 glibc; the rest is not read.
            var buffer = new byte[256];
            if (NativeMethods.stat(path, buffer) != 0) return null;
            return new FileIdentity(BitConverter.ToUInt64(buffer, 0), BitConverter.ToUInt64(buffer, 8));
        }
        // Elsewhere: the final target's full path stands in for the inode (hard links then go unseen).
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists) return null;
            var target = info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? info.FullName;
            return new FileIdentity(0, (ulong)StringComparer.Ordinal.GetHashCode(target));
        }
        catch (IOException) { return null; }
    }

    /// <summary>True when both paths exist and are the same file, or (when one does not exist yet) the same full path.</summary>
    public static bool Same(string a, string b)
    {
        if (Of(a) is { } x && Of(b) is { } y) return x == y;
        try
        {
            return string.Equals(Path.GetFullPath(a), Path.GetFullPath(b), StringComparison.Ordinal);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return false;
        }
    }

    private static class NativeMethods
    {
        [DllImport("libc", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false)]
        internal static extern int stat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, byte[] buffer);
    }
}
