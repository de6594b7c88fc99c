using SwapTalk.Core.Jobs;

namespace SwapTalk.Core.Files;

/// <summary>A file the user gave, named by the flag they gave it with (e.g. "--face") and the path they typed.</summary>
public sealed record UserInput(string Flag, string Path);

/// <summary>A file the command will write: the flag that names it (or chose its default), the path, the extensions its writer supports.</summary>
/// <param name="CreatesFolder">The writer creates a missing folder (a folder option such as eval's --out), so only the nearest existing one must be writable.</param>
public sealed record UserOutput(string Flag, string Path, IReadOnlyList<string> Extensions, bool CreatesFolder = false);

/// <summary>
/// Every output location checked before any work, every problem at once and in the user's flag names: a file is
/// never written over an input (same path, hard link or symlink: compared by device and inode), never where a folder
/// is, never with an extension its writer cannot produce, never into a missing or unwritable folder, and never over an
/// existing file unless <c>--force</c> is given or the file is this job's own earlier output.
/// </summary>
public static class OutputCheck
{
    /// <param name="isOwnEarlierOutput">True for an existing file this job wrote before (replacing it is a re-run, not a loss).</param>
    public static IReadOnlyList<JobInputError> Check(IEnumerable<UserInput> inputs, IEnumerable<UserOutput> outputs, bool force,
        Func<string, bool>? isOwnEarlierOutput = null)
    {
        var errors = new List<JobInputError>();
        var inputList = inputs.Where(i => !string.IsNullOrWhiteSpace(i.Path) && !i.Path.Contains('\0')).ToList();
        var seen = new List<UserOutput>();
        foreach (var output in outputs)
        {
            var path = output.Path;
            if (!PathIsUsable(output.Flag, path, errors)) continue;
            var full = Path.GetFullPath(path);
            if (Directory.Exists(full))
            {
                errors.Add(new(output.Flag, $"'{path}' is a folder; {output.Flag} needs a file name"));
                continue;
            }
            var extension = Path.GetExtension(full).ToLowerInvariant();
            if (output.Extensions.Count > 0 && !output.Extensions.Contains(extension))
                errors.Add(new(output.Flag, $"'{path}' must end in {Describe(output.Extensions)} (the formats {output.Flag} can write)"));
            var folder = Path.GetDirectoryName(full);
            if (folder is not null && CheckFolderWritable(folder, mayCreate: output.CreatesFolder) is { } folderProblem)
                errors.Add(new(output.Flag, $"cannot write '{path}': {folderProblem}"));
            var isInput = false;
            foreach (var input in inputList)
                if (FileIdentity.Same(full, input.Path))
                {
                    errors.Add(new(output.Flag, $"'{path}' is the same file as {input.Flag} '{input.Path}'; writing it would destroy that input"));
                    isInput = true;
                }
            foreach (var earlier in seen)
                if (FileIdentity.Same(full, earlier.Path))
                    errors.Add(new(output.Flag, $"'{path}' is also the {earlier.Flag} file; give them different names"));
            if (!isInput && File.Exists(full) && !force && !(isOwnEarlierOutput?.Invoke(full) ?? false))
                errors.Add(new(output.Flag, $"'{path}' already exists; give --force to replace it"));
            seen.Add(output);
        }
        return errors;
    }

    /// <summary>A work folder: a folder (or creatable as one) that this process can write.</summary>
    public static IReadOnlyList<JobInputError> CheckWorkFolder(string flag, string path)
    {
        var errors = new List<JobInputError>();
        if (!PathIsUsable(flag, path, errors)) return errors;
        var full = Path.GetFullPath(path);
        if (File.Exists(full))
            errors.Add(new(flag, $"'{path}' is a file; {flag} needs a folder"));
        else if (CheckFolderWritable(full, mayCreate: true) is { } problem)
            errors.Add(new(flag, $"cannot use '{path}': {problem}"));
        return errors;
    }

    /// <summary>
    /// Null when files can be created in <paramref name="folder"/> (with <paramref name="mayCreate"/>, in the nearest
    /// existing folder above it: the rest is created), else why not. Tried for real with a file that is removed at once,
    /// so read-only file systems, permissions and ACLs all count.
    /// </summary>
    public static string? CheckFolderWritable(string folder, bool mayCreate)
    {
        var existing = folder;
        while (!Directory.Exists(existing))
        {
            if (File.Exists(existing)) return $"'{existing}' is a file, not a folder";
            if (!mayCreate) return $"the folder '{folder}' does not exist";
            var parent = Path.GetDirectoryName(existing);
            if (parent is null || parent == existing) return $"the folder '{folder}' does not exist";
            existing = parent;
        }
        var probe = Path.Combine(existing, $".swaptalk-write-check-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose)) { }
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"the folder '{existing}' is not writable ({EnvironmentFailures.Describe(e)})";
        }
    }

    /// <summary>URL-like or NUL-holding paths are refused before anything touches the file system.</summary>
    private static bool PathIsUsable(string flag, string? path, List<JobInputError> errors)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            errors.Add(new(flag, "no path given"));
            return false;
        }
        if (path.Contains('\0'))
        {
            errors.Add(new(flag, "the path contains a NUL character"));
            return false;
        }
        if (InputPaths.LooksLikeUrl(path))
        {
            errors.Add(new(flag, $"'{path}' is a URL; only local files are written"));
            return false;
        }
        return true;
    }

    private static string Describe(IReadOnlyList<string> extensions) =>
        extensions.Count == 1 ? extensions[0] : string.Join(", ", extensions.Take(extensions.Count - 1)) + " or " + extensions[^1];
}
