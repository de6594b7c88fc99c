using System.Text.RegularExpressions;

namespace SwapTalk.Core.Files;

/// <summary>
/// Files written under a temporary name in the target folder and renamed into place when complete, so no failure or
/// signal ever leaves a half-written file at the final path; and the removal of such temporary files left by a
/// process that was killed before it could remove them itself. The one such type: the pipeline's media writers, the
/// evaluation's images and the CLI's outputs all write through it.
/// </summary>
public static class AtomicFile
{
    /// <summary>".NAME.swaptalk-PID.UNIQUE.partial.EXT" beside <paramref name="path"/>: hidden, this process's (so a later
    /// run can tell a dead writer's file), unique per call (two writers of one path in one process do not share a file),
    /// and still ending in the final extension so writers that choose a format by extension (ffmpeg, OpenCV) choose the right one.</summary>
    public static string TempPathFor(string path)
    {
        var full = Path.GetFullPath(path);
        return Path.Combine(Path.GetDirectoryName(full)!,
            $".{Path.GetFileName(full)}.swaptalk-{Environment.ProcessId}.{Guid.NewGuid():N}.partial{Path.GetExtension(full)}");
    }

    /// <summary>Runs <paramref name="write"/> on a temporary path, then renames it to <paramref name="path"/>; on failure removes it.
    /// The target folder is created if missing.</summary>
    public static async Task WriteAsync(string path, Func<string, Task> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = TempPathFor(full);
        try
        {
            await write(temp).ConfigureAwait(false);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            TryDelete(temp);
        }
    }

    /// <summary>Writes <paramref name="bytes"/> to a temporary file, then renames it to <paramref name="path"/>.</summary>
    public static void Write(string path, ReadOnlySpan<byte> bytes)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = TempPathFor(full);
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
                stream.Write(bytes);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            TryDelete(temp);
        }
    }

    /// <summary>
    /// Removes the temporary files of <paramref name="path"/> that processes no longer running left beside it (every
    /// writer's naming: ".NAME.swaptalk-PID[.UNIQUE].partial.EXT", "NAME.PID.partial", "NAME.PID.tmp", ".NAME.PID.GUID.tmp").
    /// Returns the bytes removed.
    /// </summary>
    public static long RemoveLeftovers(string path)
    {
        var full = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(full);
        if (folder is null || !Directory.Exists(folder)) return 0;
        var name = Regex.Escape(Path.GetFileName(full));
        var pattern = new Regex($@"^(\.{name}\.swaptalk-(?<pid>\d+)(\.[0-9a-f]+)?\.partial.*|{name}\.(?<pid>\d+)\.(partial|tmp)|\.{name}\.(?<pid>\d+)\.[0-9a-f]+\.tmp)$");
        long removed = 0;
        try
        {
            foreach (var file in Directory.EnumerateFiles(folder))
            {
                var match = pattern.Match(Path.GetFileName(file));
                if (!match.Success || ProcessIsRunning(int.Parse(match.Groups["pid"].Value, System.Globalization.CultureInfo.InvariantCulture))) continue;
                try
                {
                    var length = new FileInfo(file).Length;
                    File.Delete(file);
                    removed += length;
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return removed;
    }

    /// <summary>True while a process with this id runs (this process counts as running).</summary>
    public static bool ProcessIsRunning(int pid)
    {
        if (pid == Environment.ProcessId) return true;
        if (pid <= 0) return false;
        if (OperatingSystem.IsLinux()) return Directory.Exists($"/proc/{pid}");
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
    }

    private static void TryDelete(string path)
    {
        try { if (File.Exists(path)) File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
