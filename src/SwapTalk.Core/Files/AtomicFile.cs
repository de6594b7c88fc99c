using System.Text.RegularExpressions;

namespace SwapTalk.Core.Files;

/// <summary>
/// Files written under a temporary name in the target folder and renamed into place when complete, so no failure or
/// signal ever leaves a half-written file at the final path; and the removal of such temporary files left by a
/// process that was killed before it could remove them itself.
/// </summary>
public static class AtomicFile
{
    /// <summary>".NAME.swaptalk-PID.partial.EXT" beside <paramref name="path"/>: hidden, this process's, and still ending in
    /// the final extension so writers that choose a format by extension (ffmpeg, OpenCV) choose the right one.</summary>
    public static string TempPathFor(string path)
    {
        var full = Path.GetFullPath(path);
        return Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.swaptalk-{Environment.ProcessId}.partial{Path.GetExtension(full)}");
    }

    /// <summary>Runs <paramref name="write"/> on a temporary path, then renames it to <paramref name="path"/>; on failure removes it.</summary>
    public static async Task WriteAsync(string path, Func<string, Task> write)
    {
        var temp = TempPathFor(path);
        try
        {
            await write(temp);
            File.Move(temp, Path.GetFullPath(path), overwrite: true);
        }
        finally
        {
            try { if (File.Exists(temp)) File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>
    /// Removes the temporary files of <paramref name="path"/> that processes no longer running left beside it (every
    /// writer's naming: ".NAME.swaptalk-PID.partial.EXT", "NAME.PID.partial", "NAME.PID.tmp", ".NAME.PID.GUID.tmp").
    /// Returns the bytes removed.
    /// </summary>
    public static long RemoveLeftovers(string path)
    {
        var full = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(full);
        if (folder is null || !Directory.Exists(folder)) return 0;
        var name = Regex.Escape(Path.GetFileName(full));
        var pattern = new Regex($@"^(\.{name}\.swaptalk-(?<pid>\d+)\.partial.*|{name}\.(?<pid>\d+)\.(partial|tmp)|\.{name}\.(?<pid>\d+)\.[0-9a-f]+\.tmp)$");
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
}
