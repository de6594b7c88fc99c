namespace SwapTalk.Core.Files;

/// <summary>Failures of the machine rather than of the job: a retry cannot fix them, the user must act.</summary>
public enum EnvironmentFailure
{
    None,
    NoSpace,
    PermissionDenied,
    ReadOnlyFileSystem,
}

/// <summary>
/// Recognises failures that no retry can fix (a full disk, a permission, a read-only file system) from an exception
/// or from a failure's type name and message, as they arrive from another process (ffmpeg's stderr, a Durable
/// activity's failure details). Messages are matched in the C library's wording, which .NET and ffmpeg both pass on.
/// </summary>
public static class EnvironmentFailures
{
    private const int Enospc = 28, Erofs = 30, Eacces = 13, Eperm = 1, Edquot = 122;

    public static EnvironmentFailure Classify(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is UnauthorizedAccessException) return EnvironmentFailure.PermissionDenied;
            if (e is IOException && (e.HResult & 0xFFFF) is var errno)
            {
                if (errno is Enospc or Edquot) return EnvironmentFailure.NoSpace;
                if (errno == Erofs) return EnvironmentFailure.ReadOnlyFileSystem;
                if (errno is Eacces or Eperm && e.HResult == errno) return EnvironmentFailure.PermissionDenied;
            }
            if (Classify(e.GetType().FullName, e.Message) is var byText and not EnvironmentFailure.None) return byText;
        }
        return EnvironmentFailure.None;
    }

    public static EnvironmentFailure Classify(string? errorType, string? message)
    {
        if (errorType == typeof(UnauthorizedAccessException).FullName) return EnvironmentFailure.PermissionDenied;
        if (string.IsNullOrEmpty(message)) return EnvironmentFailure.None;
        if (message.Contains("No space left on device", StringComparison.OrdinalIgnoreCase)
            || message.Contains("Disk quota exceeded", StringComparison.OrdinalIgnoreCase)) return EnvironmentFailure.NoSpace;
        if (message.Contains("Read-only file system", StringComparison.OrdinalIgnoreCase)) return EnvironmentFailure.ReadOnlyFileSystem;
        if (message.Contains("Permission denied", StringComparison.OrdinalIgnoreCase)
            || message.Contains("Access to the path", StringComparison.Ordinal) && message.Contains("is denied", StringComparison.Ordinal))
            return EnvironmentFailure.PermissionDenied;
        return EnvironmentFailure.None;
    }

    /// <summary>A short reason for a file-system exception: the C library's words where it is one of ours, else the message.</summary>
    public static string Describe(Exception e) => Classify(e) switch
    {
        EnvironmentFailure.NoSpace => "no space left on device",
        EnvironmentFailure.ReadOnlyFileSystem => "read-only file system",
        EnvironmentFailure.PermissionDenied => "permission denied",
        _ => e.Message,
    };

    /// <summary>The sentence for the user: what happened, where, and what the job needs there (when known).</summary>
    public static string Sentence(EnvironmentFailure failure, string folder, long? bytesNeeded = null) => failure switch
    {
        EnvironmentFailure.NoSpace => $"no space left on device writing {folder}" +
            (bytesNeeded is { } n ? $" (this job needs about {Math.Max(1, (n + (1 << 20) - 1) >> 20)} MB there)" : "") + "; free some space or choose another folder",
        EnvironmentFailure.ReadOnlyFileSystem => $"the file system of {folder} is read-only; choose another folder",
        EnvironmentFailure.PermissionDenied => $"permission denied writing {folder}; choose a folder you can write",
        _ => $"writing {folder} failed",
    };
}
