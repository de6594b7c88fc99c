using SwapTalk.Core.Storage;

namespace SwapTalk.Azure.Storage;

/// <summary>
/// Local copies of downloaded blobs, shared by every reader of the same blob version (name and ETag) for as long as
/// the process lives. Every segment of a job reads the whole source video: without this a worker downloads it (and
/// probes it, the probe being cached by local path) once per segment, which the fleet bench measured at a quarter of
/// a short segment's time, and which grows with the clip. Copies nobody holds are kept within a byte budget, the most
/// recently used first; the newest is always kept, since the next segment of the job in progress wants it.
/// </summary>
/// <remarks>Readers must not change a copy: it is shared. The store hands it out read-only by contract.</remarks>
internal sealed class BlobDownloadCache
{
    private const string FolderPrefix = "downloads-";
    private readonly string _directory;
    private readonly long _budgetBytes;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private long _clock;

    /// <param name="scratch">The store's scratch folder: copies go into a folder of this process's own under it.</param>
    public BlobDownloadCache(string scratch, long budgetBytes)
    {
        // Copies outlive their readers, so a process that ends (a recycled host, a killed worker) leaves them behind:
        // the folders of processes no longer running are removed when the next store starts.
        RemoveLeftovers(scratch);
        _directory = Path.Combine(scratch, $"{FolderPrefix}{Environment.ProcessId}");
        Directory.CreateDirectory(_directory);
        _budgetBytes = budgetBytes;
    }

    private static void RemoveLeftovers(string scratch)
    {
        if (!Directory.Exists(scratch)) return;
        foreach (var folder in Directory.EnumerateDirectories(scratch, FolderPrefix + "*"))
        {
            if (!int.TryParse(Path.GetFileName(folder)[FolderPrefix.Length..], out var pid) || pid == Environment.ProcessId || IsRunning(pid)) continue;
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <param name="version">The blob's ETag: a new version of the blob is a new copy.</param>
    /// <param name="download">Writes the blob to the given path (only that version, or fails).</param>
    public async Task<LocalBlobFile> GetAsync(string name, string version, Func<string, CancellationToken, Task> download, CancellationToken cancellationToken)
    {
        var key = $"{name}\n{version}";
        Entry entry;
        lock (_gate)
        {
            if (!_entries.TryGetValue(key, out entry!) || entry.Download.IsFaulted || entry.Download.IsCanceled)
            {
                entry = new Entry(key, Path.Combine(_directory, $"{Guid.NewGuid():N}{Path.GetExtension(name)}"));
                // Shared by all readers, so not cancelled by the first one's token.
                entry.Download = DownloadAsync(entry.Path, download);
                _entries[key] = entry;
            }
            entry.Holders++;
            entry.LastUsed = ++_clock;
        }
        try
        {
            await entry.Download.WaitAsync(cancellationToken);
        }
        catch
        {
            Release(entry);
            throw;
        }
        return new CachedFile(this, name, entry);
    }

    private static async Task<long> DownloadAsync(string path, Func<string, CancellationToken, Task> download)
    {
        try
        {
            await download(path, CancellationToken.None);
            return new FileInfo(path).Length;
        }
        catch
        {
            TryDelete(path);
            throw;
        }
    }

    private void Release(Entry entry)
    {
        var doomed = new List<string>();
        lock (_gate)
        {
            entry.Holders--;
            entry.LastUsed = ++_clock;
            if (entry.Download.IsFaulted || entry.Download.IsCanceled)
            {
                if (entry.Holders == 0 && _entries.TryGetValue(entry.Key, out var current) && ReferenceEquals(current, entry)) _entries.Remove(entry.Key);
                return;
            }
            // Unheld copies, newest first: the newest stays whatever its size; the rest while they fit the budget.
            long kept = 0;
            var first = true;
            foreach (var unheld in _entries.Values.Where(e => e.Holders == 0 && e.Download.IsCompletedSuccessfully).OrderByDescending(e => e.LastUsed).ToList())
            {
                kept += unheld.Download.Result;
                if (first || kept <= _budgetBytes)
                {
                    first = false;
                    continue;
                }
                _entries.Remove(unheld.Key);
                doomed.Add(unheld.Path);
            }
        }
        foreach (var path in doomed) TryDelete(path);
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private sealed class Entry(string key, string path)
    {
        public string Key { get; } = key;
        public string Path { get; } = path;
        public Task<long> Download { get; set; } = Task.FromResult(0L);
        public int Holders { get; set; }
        public long LastUsed { get; set; }
    }

    private sealed class CachedFile(BlobDownloadCache cache, string name, Entry entry) : LocalBlobFile
    {
        private int _disposed;

        public override string Name => name;
        public override string LocalPath => entry.Path;

        public override ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) cache.Release(entry);
            return ValueTask.CompletedTask;
        }
    }
}
