using System.Text.Json;

namespace SwapTalk.Core.Files;

/// <summary>
/// The files a job's work folder has written outside itself (the output, the preview, the telemetry...), by full path,
/// length and modification time. A file still matching its record is this job's own earlier output: a re-run may
/// replace it without <c>--force</c>; anything else at that path (edited since, or never ours) needs <c>--force</c>.
/// </summary>
public sealed class OwnOutputs(string workFolder)
{
    private const string FileName = ".outputs.json";
    private readonly string _path = Path.Combine(workFolder, FileName);

    private sealed record Entry(string Path, long Length, long ModifiedTicks);

    public bool IsOwn(string path)
    {
        var full = Path.GetFullPath(path);
        var info = new FileInfo(full);
        return info.Exists && Load().Any(e => e.Path == full && e.Length == info.Length && e.ModifiedTicks == info.LastWriteTimeUtc.Ticks);
    }

    /// <summary>Records files just written (missing ones are skipped). Best effort: a failure only means --force next time.</summary>
    public void Record(params string?[] paths)
    {
        try
        {
            var entries = Load().ToDictionary(e => e.Path);
            foreach (var path in paths)
            {
                if (path is null) continue;
                var info = new FileInfo(Path.GetFullPath(path));
                if (info.Exists) entries[info.FullName] = new Entry(info.FullName, info.Length, info.LastWriteTimeUtc.Ticks);
            }
            Directory.CreateDirectory(workFolder);
            var temp = _path + $".{Environment.ProcessId}.tmp";
            File.WriteAllText(temp, JsonSerializer.Serialize(entries.Values.ToList()));
            File.Move(temp, _path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    private List<Entry> Load()
    {
        try
        {
            return File.Exists(_path) ? JsonSerializer.Deserialize<List<Entry>>(File.ReadAllText(_path)) ?? [] : [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return [];
        }
    }
}
