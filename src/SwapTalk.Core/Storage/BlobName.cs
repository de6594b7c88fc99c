namespace SwapTalk.Core.Storage;

/// <summary>A blob name or prefix that no store accepts; the message says which rule it breaks.</summary>
public sealed class InvalidBlobNameException(string name, string problem)
    : ArgumentException($"blob name '{name}' is invalid: {problem}", nameof(name))
{
    public string BlobName { get; } = name;
}

/// <summary>
/// The rules every store enforces, so a name that works on disk also works in Azure and never escapes the
/// store's root: '/'-separated segments, no absolute paths, no '\', no '.'/'..' or other segment starting
/// with '.' (reserved for the file-system store's own folders), no ':' (drive letters, streams), no control
/// characters, at most 1024 characters (Azure's limit).
/// </summary>
public static class BlobName
{
    public const int MaxLength = 1024;

    public static string Validate(string? name)
    {
        if (string.IsNullOrEmpty(name)) throw new InvalidBlobNameException(name ?? "", "it is empty");
        CheckCommon(name);
        if (name.EndsWith('/')) throw new InvalidBlobNameException(name, "it ends with '/' (that names a folder, not a blob)");
        foreach (var segment in name.Split('/')) CheckSegment(name, segment);
        return name;
    }

    /// <summary>A prefix for listing: "" (everything), a folder ("jobs/j1/") or a partial name ("jobs/j1/work/seg").</summary>
    public static string ValidatePrefix(string? prefix)
    {
        if (string.IsNullOrEmpty(prefix)) return "";
        CheckCommon(prefix);
        var segments = prefix.Split('/');
        for (var i = 0; i < segments.Length; i++)
        {
            // The last segment may be a partial name (or empty after a trailing '/').
            if (i == segments.Length - 1 && segments[i].Length == 0) break;
            CheckSegment(prefix, segments[i]);
        }
        return prefix;
    }

    private static void CheckCommon(string name)
    {
        if (name.Length > MaxLength) throw new InvalidBlobNameException(name[..64] + "...", $"it is {name.Length} characters, over {MaxLength}");
        if (name.StartsWith('/')) throw new InvalidBlobNameException(name, "it is absolute (starts with '/'); names are relative to the store");
        if (name.Contains('\\')) throw new InvalidBlobNameException(name, "it contains '\\'; use '/' between segments");
        if (name.Contains(':')) throw new InvalidBlobNameException(name, "it contains ':' (drive letters and streams are not allowed)");
        foreach (var c in name)
            if (char.IsControl(c)) throw new InvalidBlobNameException(name, $"it contains the control character U+{(int)c:X4}");
    }

    private static void CheckSegment(string name, string segment)
    {
        if (segment.Length == 0) throw new InvalidBlobNameException(name, "it has an empty segment ('//')");
        if (segment is "." or "..") throw new InvalidBlobNameException(name, $"it contains a '{segment}' segment");
        if (segment.StartsWith('.')) throw new InvalidBlobNameException(name, $"segment '{segment}' starts with '.' (reserved)");
        if (segment.EndsWith(' ') || segment.EndsWith('.'))
            throw new InvalidBlobNameException(name, $"segment '{segment}' ends with a space or '.'");
    }
}
