namespace SwapTalk.Core.Files;

/// <summary>Another running process holds the work folder.</summary>
public sealed class WorkFolderBusyException(string folder, int? ownerPid, string? ownerCommand)
    : IOException($"the work folder '{folder}' is in use by {(ownerPid is { } pid ? $"process {pid}" : "another process")}" +
                  $"{(string.IsNullOrWhiteSpace(ownerCommand) ? "" : $" ({ownerCommand})")}; wait for it to finish or give another --work folder")
{
    public string Folder { get; } = folder;
    public int? OwnerPid { get; } = ownerPid;
}

/// <summary>
/// One process at a time in a work folder: an exclusive lock on WORK/.lock (flock through FileShare.None, which the
/// kernel drops when the holder dies, so a lock left by a killed process is simply taken over) and WORK/.lock.owner
/// naming the holder for the message another process prints. Once held, the temporary files an earlier, killed run
/// left in the folder (render scratch, the blob store's unpublished writes) are removed: nothing else can be using them.
/// </summary>
public sealed class WorkFolderLock : IDisposable
{
    private readonly FileStream _lock;
    private readonly string _owner;

    private WorkFolderLock(FileStream handle, string owner, long leftoverBytes)
    {
        _lock = handle;
        _owner = owner;
        LeftoverBytesRemoved = leftoverBytes;
    }

    /// <summary>Bytes of temporary files from an earlier, stopped run that were removed on taking the lock.</summary>
    public long LeftoverBytesRemoved { get; }

    /// <exception cref="WorkFolderBusyException">A running process holds the folder.</exception>
    public static WorkFolderLock Acquire(string folder, string command, IEnumerable<string>? scratchFolders = null)
    {
        Directory.CreateDirectory(folder);
        var lockPath = Path.Combine(folder, ".lock");
        var ownerPath = Path.Combine(folder, ".lock.owner");
        FileStream handle;
        try
        {
            handle = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1);
        }
        catch (IOException) when (File.Exists(lockPath))
        {
            var (pid, what) = ReadOwner(ownerPath);
            throw new WorkFolderBusyException(folder, pid, what);
        }
        var owner = $"{Environment.ProcessId} {command}";
        File.WriteAllText(ownerPath, owner);
        long removed = 0;
        foreach (var scratch in scratchFolders ?? [])
            removed += EmptyFolder(Path.Combine(folder, scratch));
        return new WorkFolderLock(handle, ownerPath, removed);
    }

    private static (int?, string?) ReadOwner(string ownerPath)
    {
        try
        {
            var text = File.ReadAllText(ownerPath).Trim();
            var space = text.IndexOf(' ');
            var pidText = space < 0 ? text : text[..space];
            return (int.TryParse(pidText, out var pid) ? pid : null, space < 0 ? null : text[(space + 1)..]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, null);
        }
    }

    private static long EmptyFolder(string folder)
    {
        if (!Directory.Exists(folder)) return 0;
        long removed = 0;
        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
        {
            try
            {
                var length = new FileInfo(file).Length;
                File.Delete(file);
                removed += length;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        foreach (var dir in Directory.EnumerateDirectories(folder).ToList())
            try { Directory.Delete(dir, recursive: true); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return removed;
    }

    public void Dispose()
    {
        try { File.Delete(_owner); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        _lock.Dispose();
    }
}
