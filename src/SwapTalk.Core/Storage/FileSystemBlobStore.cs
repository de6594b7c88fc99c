using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;

namespace SwapTalk.Core.Storage;

/// <summary>
/// Blobs as files under a root folder: blob "jobs/j1/report.json" is the file root/jobs/j1/report.json, so a
/// user can browse a job's work and tools read blobs in place. Every write goes to root/.tmp first, is flushed
/// to disk (fsync), then renamed onto its final name (atomic on one file system) and the folder is synced,
/// so a crash never leaves a half blob under the final name.
/// Properties live in a sidecar root/.meta/{name}.json stamped with the data file's length and modification
/// time; a sidecar that does not match its file (a crash or a race between the two renames) is ignored and the
/// properties are recomputed from the file (hash) and its name (content type), without user metadata.
/// </summary>
public sealed class FileSystemBlobStore : IBlobStore
{
    private const string MetaFolder = ".meta";
    private const string TempFolder = ".tmp";
    private const int BufferSize = 1 << 16;
    private static long _lastStamp;

    private static readonly JsonSerializerOptions SidecarJson = new(JsonSerializerDefaults.Web);

    public FileSystemBlobStore(string root)
    {
        if (string.IsNullOrWhiteSpace(root)) throw new ArgumentException("the blob store needs a root folder", nameof(root));
        Root = Path.GetFullPath(root);
        Directory.CreateDirectory(Path.Combine(Root, TempFolder));
    }

    public string Root { get; }
    public string Location => $"the file-system blob store at '{Root}'";

    /// <summary>The file that holds blob <paramref name="name"/> (it may not exist).</summary>
    public string PathOf(string name) => Path.Combine(Root, BlobName.Validate(name).Replace('/', Path.DirectorySeparatorChar));

    public Task<bool> ExistsAsync(string name, CancellationToken cancellationToken = default) =>
        Task.FromResult(File.Exists(PathOf(name)));

    public async Task<BlobProperties?> GetPropertiesAsync(string name, CancellationToken cancellationToken = default)
    {
        var file = new FileInfo(PathOf(name));
        if (!file.Exists) return null;
        var sidecar = await ReadSidecarAsync(name, cancellationToken);
        if (sidecar is not null && sidecar.Length == file.Length && sidecar.Stamp == file.LastWriteTimeUtc.Ticks)
            return new BlobProperties(name, file.Length, sidecar.ContentType, sidecar.Sha256, Modified(file), sidecar.Metadata);

        string hash;
        try
        {
            await using var stream = OpenFileForRead(file.FullName);
            hash = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));
        }
        catch (FileNotFoundException)
        {
            return null; // deleted meanwhile
        }
        return new BlobProperties(name, file.Length, ContentTypes.FromName(name), hash, Modified(file), new Dictionary<string, string>());
    }

    public Task<Stream> OpenReadAsync(string name, CancellationToken cancellationToken = default)
    {
        var path = PathOf(name);
        try
        {
            return Task.FromResult<Stream>(OpenFileForRead(path));
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new BlobNotFoundException(name, Location);
        }
    }

    public async Task<BlobProperties> WriteAsync(string name, Stream content, BlobWriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        BlobName.Validate(name);
        BlobMetadata.Validate(options?.Metadata);
        var temp = NewTempPath(name);
        try
        {
            long length;
            string hash;
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferSize, FileOptions.Asynchronous))
            {
                using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                var buffer = new byte[BufferSize];
                int read;
                while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    sha.AppendData(buffer, 0, read);
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }
                await file.FlushAsync(cancellationToken);
                file.Flush(flushToDisk: true);
                length = file.Length;
                hash = Convert.ToHexStringLower(sha.GetHashAndReset());
            }
            return await PublishAsync(name, temp, length, hash, options, null, cancellationToken);
        }
        finally
        {
            TryDelete(temp); // gone after a successful publish; removes the partial file after a failure
        }
    }

    public async Task<BlobProperties> WriteFileAsync(string name, string localPath, BlobWriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        BlobName.Validate(name);
        FileStream source;
        try
        {
            source = OpenFileForRead(localPath);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new FileNotFoundException($"local file '{localPath}' (to store as blob '{name}') does not exist", localPath, ex);
        }
        await using (source)
            return await WriteAsync(name, source, options, cancellationToken);
    }

    public Task<PendingBlob> CreatePendingAsync(string name, BlobWriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        BlobName.Validate(name);
        BlobMetadata.Validate(options?.Metadata);
        return Task.FromResult<PendingBlob>(new FilePendingBlob(this, name, NewTempPath(name), options));
    }

    public Task<LocalBlobFile> GetLocalFileAsync(string name, CancellationToken cancellationToken = default)
    {
        var path = PathOf(name);
        if (!File.Exists(path)) throw new BlobNotFoundException(name, Location);
        return Task.FromResult<LocalBlobFile>(new InPlaceFile(name, path));
    }

    public async IAsyncEnumerable<BlobItem> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        prefix = BlobName.ValidatePrefix(prefix);
        var folder = prefix.LastIndexOf('/') is var slash and >= 0 ? prefix[..(slash + 1)] : "";
        var start = Path.Combine(Root, folder.Replace('/', Path.DirectorySeparatorChar));
        if (!Directory.Exists(start)) yield break;

        var names = new List<string>();
        foreach (var file in Directory.EnumerateFiles(start, "*", SearchOption.AllDirectories))
        {
            var name = Path.GetRelativePath(Root, file).Replace(Path.DirectorySeparatorChar, '/');
            if (name.StartsWith(MetaFolder + "/", StringComparison.Ordinal) || name.StartsWith(TempFolder + "/", StringComparison.Ordinal)) continue;
            if (name.StartsWith(prefix, StringComparison.Ordinal)) names.Add(name);
        }
        names.Sort(StringComparer.Ordinal);
        foreach (var name in names)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var info = new FileInfo(PathOf(name));
            if (!info.Exists) continue; // deleted while listing
            yield return new BlobItem(name, info.Length, Modified(info));
        }
        await Task.CompletedTask;
    }

    public Task<bool> DeleteAsync(string name, CancellationToken cancellationToken = default)
    {
        var path = PathOf(name);
        var existed = File.Exists(path);
        if (existed) File.Delete(path);
        TryDelete(SidecarPath(name));
        return Task.FromResult(existed);
    }

    /// <summary>Removes leftovers of writes a crash interrupted (temporary files older than <paramref name="age"/>).</summary>
    public int RemoveStaleTemporaryFiles(TimeSpan age)
    {
        var removed = 0;
        var cutoff = DateTime.UtcNow - age;
        foreach (var file in new DirectoryInfo(Path.Combine(Root, TempFolder)).EnumerateFiles())
            if (file.LastWriteTimeUtc < cutoff && TryDelete(file.FullName)) removed++;
        return removed;
    }

    /// <summary>
    /// Publishes a finished, synced temporary file as the blob: the sidecar first (stamped with the time the data
    /// file is given), then the data rename. A crash before the rename leaves a sidecar that matches no file
    /// (ignored); after it, both agree. Not cancellable once started: a half-published blob helps no one.
    /// </summary>
    private async Task<BlobProperties> PublishAsync(string name, string temp, long length, string hash, BlobWriteOptions? options,
        IReadOnlyDictionary<string, string>? extraMetadata, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var path = PathOf(name);
        var overwrite = options?.Overwrite ?? true;
        if (!overwrite && File.Exists(path)) throw new BlobAlreadyExistsException(name, Location);

        var contentType = options?.ContentType ?? ContentTypes.FromName(name);
        var metadata = options?.Metadata is { } m ? new Dictionary<string, string>(m) : new Dictionary<string, string>();
        if (extraMetadata is not null)
            foreach (var (key, value) in extraMetadata) metadata[key] = value;
        BlobMetadata.Validate(metadata);

        // A stamp no other write uses: the sidecar names the exact file version it describes.
        var stamp = NextStamp();
        File.SetLastWriteTimeUtc(temp, new DateTime(stamp, DateTimeKind.Utc));
        await WriteSidecarAsync(name, new Sidecar(length, stamp, contentType, hash, metadata), CancellationToken.None);
        var folder = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(folder);
        try
        {
            File.Move(temp, path, overwrite);
        }
        catch (IOException) when (!overwrite && File.Exists(path))
        {
            throw new BlobAlreadyExistsException(name, Location);
        }
        SyncFolder(folder);
        return new BlobProperties(name, length, contentType, hash, new DateTimeOffset(stamp, TimeSpan.Zero), metadata);
    }

    private string SidecarPath(string name) =>
        Path.Combine(Root, MetaFolder, name.Replace('/', Path.DirectorySeparatorChar) + ".json");

    private async Task<Sidecar?> ReadSidecarAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = OpenFileForRead(SidecarPath(name));
            return await JsonSerializer.DeserializeAsync<Sidecar>(stream, SidecarJson, cancellationToken);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or JsonException)
        {
            return null;
        }
    }

    private async Task WriteSidecarAsync(string name, Sidecar sidecar, CancellationToken cancellationToken)
    {
        var path = SidecarPath(name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = NewTempPath(".json");
        try
        {
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous))
            {
                await JsonSerializer.SerializeAsync(file, sidecar, SidecarJson, cancellationToken);
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            TryDelete(temp);
        }
    }

    private string NewTempPath(string nameForExtension) =>
        Path.Combine(Root, TempFolder, $"{Guid.NewGuid():N}{Path.GetExtension(nameForExtension)}");

    private static FileStream OpenFileForRead(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, BufferSize, FileOptions.Asynchronous);

    private static DateTimeOffset Modified(FileInfo file) => new(file.LastWriteTimeUtc.Ticks, TimeSpan.Zero);

    private static long NextStamp()
    {
        while (true)
        {
            var last = Interlocked.Read(ref _lastStamp);
            var next = Math.Max(DateTime.UtcNow.Ticks, last + 1);
            if (Interlocked.CompareExchange(ref _lastStamp, next, last) == last) return next;
        }
    }

    private static bool TryDelete(string path)
    {
        try
        {
            if (!File.Exists(path)) return false;
            File.Delete(path);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>fsync on the folder makes the rename itself durable (Linux; best effort elsewhere).</summary>
    private static void SyncFolder(string folder)
    {
        if (!OperatingSystem.IsLinux()) return;
        var fd = NativeMethods.open(folder, 0 /* O_RDONLY */);
        if (fd < 0) return;
        _ = NativeMethods.fsync(fd);
        _ = NativeMethods.close(fd);
    }

    private sealed record Sidecar(long Length, long Stamp, string ContentType, string Sha256, Dictionary<string, string> Metadata);

    private sealed class FilePendingBlob(FileSystemBlobStore store, string name, string localPath, BlobWriteOptions? options) : PendingBlob
    {
        private bool _committed;
        public override IDictionary<string, string> Metadata { get; } = new Dictionary<string, string>();
        public override string Name => name;
        public override string LocalPath => localPath;
        public override bool IsCommitted => _committed;

        public override async Task<BlobProperties> CommitAsync(CancellationToken cancellationToken = default)
        {
            if (_committed) throw new InvalidOperationException($"blob '{name}' was already committed");
            if (!File.Exists(localPath))
                throw new BlobStoreException($"nothing was written to '{localPath}' for blob '{name}'");
            long length;
            string hash;
            await using (var file = new FileStream(localPath, FileMode.Open, FileAccess.ReadWrite, FileShare.None, BufferSize, FileOptions.Asynchronous))
            {
                file.Flush(flushToDisk: true);
                length = file.Length;
                hash = Convert.ToHexStringLower(await SHA256.HashDataAsync(file, cancellationToken));
            }
            var properties = await store.PublishAsync(name, localPath, length, hash, options, new Dictionary<string, string>(Metadata), cancellationToken);
            _committed = true;
            return properties;
        }

        public override ValueTask DisposeAsync()
        {
            if (!_committed) TryDelete(localPath);
            return ValueTask.CompletedTask;
        }
    }

    private sealed class InPlaceFile(string name, string path) : LocalBlobFile
    {
        public override string Name => name;
        public override string LocalPath => path;
        public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private static class NativeMethods
    {
        [DllImport("libc", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false)]
        internal static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

        [DllImport("libc", SetLastError = true)]
        internal static extern int fsync(int fd);

        [DllImport("libc", SetLastError = true)]
        internal static extern int close(int fd);
    }
}

/// <summary>User metadata rules shared by every store (Azure's rules, lowercased so no store folds case differently).</summary>
public static class BlobMetadata
{
    public const int MaxTotalBytes = 8 * 1024;

    public static void Validate(IReadOnlyDictionary<string, string>? metadata)
    {
        if (metadata is null) return;
        var total = 0;
        foreach (var (key, value) in metadata)
        {
            if (key.Length is 0 or > 64 || !char.IsAsciiLetterLower(key[0]) || !key.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_'))
                throw new ArgumentException($"blob metadata key '{key}' is invalid: use 1..64 characters of a-z, 0-9 and '_', starting with a letter", nameof(metadata));
            if (value is null || value.Any(c => c is < ' ' or > '~'))
                throw new ArgumentException($"blob metadata value for '{key}' must be printable ASCII", nameof(metadata));
            total += key.Length + value.Length;
        }
        if (total > MaxTotalBytes)
            throw new ArgumentException($"blob metadata is {total} bytes, over {MaxTotalBytes}", nameof(metadata));
    }
}

/// <summary>Content types from names, for blobs written without one.</summary>
public static class ContentTypes
{
    public static string FromName(string name) => Path.GetExtension(name).ToLowerInvariant() switch
    {
        ".json" => "application/json",
        ".mp4" or ".m4v" => "video/mp4",
        ".mkv" => "video/x-matroska",
        ".mov" => "video/quicktime",
        ".webm" => "video/webm",
        ".mpg" or ".mpeg" => "video/mpeg",
        ".png" => "image/png",
        ".jpg" or ".jpeg" => "image/jpeg",
        ".wav" => "audio/wav",
        ".mp3" => "audio/mpeg",
        ".m4a" or ".aac" => "audio/mp4",
        ".txt" or ".log" => "text/plain",
        _ => "application/octet-stream",
    };
}
