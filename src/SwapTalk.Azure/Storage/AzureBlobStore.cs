using System.Buffers;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using SwapTalk.Core.Storage;
using BlobItem = SwapTalk.Core.Storage.BlobItem;
using BlobProperties = SwapTalk.Core.Storage.BlobProperties;

namespace SwapTalk.Azure.Storage;

/// <summary>
/// The core's blob-store port on Azure Blob Storage (Azure.Storage.Blobs 12.x), passing the same contract suite as
/// the file-system store (tests/SwapTalk.Functions.Tests, against Azurite).
/// <list type="bullet">
/// <item>Atomic writes: a blob appears whole or not at all. Small content is one Put Blob; larger content is staged
/// as blocks and published by one Put Block List, so a failed or cut-off write leaves the old blob (or none).</item>
/// <item>sha256 of the content is computed while uploading and stored in metadata (Azure keeps only MD5, and only for
/// single-shot uploads); a blob someone else uploaded is hashed on first read of its properties.</item>
/// <item>First writer wins with <see cref="BlobWriteOptions.Overwrite"/> false: If-None-Match: *.</item>
/// <item>Names with a <c>work</c> folder go to the work container (a lifecycle rule deletes them), the rest to the
/// store's own container (<see cref="BlobContainerRouting"/>).</item>
/// </list>
/// </summary>
public sealed class AzureBlobStore : IBlobStore
{
    /// <summary>Block size of staged uploads; content up to one block goes up in a single request.</summary>
    public const int BlockSize = 4 << 20;

    /// <summary>Blocks uploaded at once by one write (memory: this many blocks).</summary>
    public const int BlocksInFlight = 4;

    /// <summary>Downloaded copies nobody holds are kept up to this many bytes (the newest always), for the next reader.</summary>
    public const long DefaultDownloadCacheBytes = 4L << 30;

    private readonly BlobServiceClient _service;
    private readonly BlobContainerRouting _routing;
    private readonly string _scratch;
    private readonly BlobDownloadCache _downloads;

    /// <param name="scratchDirectory">Where pending blobs and downloaded copies live; default: a folder under the temp path.</param>
    /// <param name="downloadCacheBytes">Budget of downloaded copies kept for later readers of the same blob version.</param>
    public AzureBlobStore(BlobServiceClient service, BlobContainerRouting routing, string? scratchDirectory = null, long downloadCacheBytes = DefaultDownloadCacheBytes)
    {
        _service = service ?? throw new ArgumentNullException(nameof(service));
        _routing = routing ?? throw new ArgumentNullException(nameof(routing));
        _scratch = scratchDirectory ?? Path.Combine(Path.GetTempPath(), "swaptalk-blobs");
        Directory.CreateDirectory(_scratch);
        _downloads = new BlobDownloadCache(_scratch, downloadCacheBytes);
    }


    public string Location => $"Azure blob storage {_service.Uri.GetLeftPart(UriPartial.Path)} (container {string.Join(" + ", _routing.Containers)})";

    public async Task<bool> ExistsAsync(string name, CancellationToken cancellationToken = default)
    {
        var blob = Blob(name);
        return await Call(name, "check", async () => (await blob.ExistsAsync(cancellationToken)).Value);
    }

    public async Task<BlobProperties?> GetPropertiesAsync(string name, CancellationToken cancellationToken = default)
    {
        var blob = Blob(name);
        global::Azure.Storage.Blobs.Models.BlobProperties properties;
        try
        {
            properties = (await blob.GetPropertiesAsync(cancellationToken: cancellationToken)).Value;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
        catch (RequestFailedException e)
        {
            throw Failed(name, "read the properties of", e);
        }
        var (sha256, metadata) = StoredBlobMetadata.Read(properties.Metadata);
        sha256 ??= await HashAsync(blob, name, properties.ETag, cancellationToken);
        return new BlobProperties(name, properties.ContentLength, properties.ContentType ?? ContentTypes.FromName(name), sha256,
            properties.LastModified, metadata);
    }

    public async Task<Stream> OpenReadAsync(string name, CancellationToken cancellationToken = default)
    {
        var blob = Blob(name);
        try
        {
            // Pinned to the version found first: a blob replaced mid-read fails instead of mixing two versions.
            return await blob.OpenReadAsync(new BlobOpenReadOptions(allowModifications: false), cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            throw new BlobNotFoundException(name, Location);
        }
        catch (RequestFailedException e)
        {
            throw Failed(name, "open", e);
        }
    }

    public async Task<BlobProperties> WriteAsync(string name, Stream content, BlobWriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var client = BlockBlob(name);
        StoredBlobMetadata.Validate(options?.Metadata);
        var contentType = options?.ContentType ?? ContentTypes.FromName(name);
        var conditions = options is { Overwrite: false } ? new BlobRequestConditions { IfNoneMatch = ETag.All } : null;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        var first = ArrayPool<byte>.Shared.Rent(BlockSize);
        try
        {
            var length = await ReadBlockAsync(content, first, cancellationToken);
            hash.AppendData(first, 0, length);
            if (length < BlockSize)
            {
                var sha256 = Convert.ToHexStringLower(hash.GetHashAndReset());
                var uploaded = await Upload(name, options, () => client.UploadAsync(new MemoryStream(first, 0, length, writable: false), new BlobUploadOptions
                {
                    HttpHeaders = new BlobHttpHeaders { ContentType = contentType },
                    Metadata = StoredBlobMetadata.ForWrite(options?.Metadata, sha256),
                    Conditions = conditions,
                }, cancellationToken));
                return new BlobProperties(name, length, contentType, sha256, uploaded.LastModified, UserMetadata(options));
            }
            return await WriteBlocksAsync(name, client, content, first, length, hash, contentType, conditions, options, cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(first);
        }
    }

    public async Task<BlobProperties> WriteFileAsync(string name, string localPath, BlobWriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        BlobName.Validate(name);
        FileStream file;
        try
        {
            file = new FileStream(localPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new FileNotFoundException($"local file '{localPath}' (to store as blob '{name}') does not exist", localPath, e);
        }
        await using (file)
            return await WriteAsync(name, file, options, cancellationToken);
    }

    public Task<PendingBlob> CreatePendingAsync(string name, BlobWriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        BlobName.Validate(name);
        StoredBlobMetadata.Validate(options?.Metadata);
        return Task.FromResult<PendingBlob>(new AzurePendingBlob(this, name, ScratchPath(name), options));
    }

    /// <summary>
    /// A local copy of the blob's current version, shared with other readers of that version
    /// (<see cref="BlobDownloadCache"/>): one download serves every segment a process renders from the same video.
    /// </summary>
    public async Task<LocalBlobFile> GetLocalFileAsync(string name, CancellationToken cancellationToken = default)
    {
        var blob = Blob(name);
        try
        {
            var version = (await blob.GetPropertiesAsync(cancellationToken: cancellationToken)).Value.ETag;
            // Only that version: a blob replaced in between fails the download (412) rather than filling the copy with another.
            return await _downloads.GetAsync(name, version.ToString(), (path, ct) => blob.DownloadToAsync(path,
                new BlobDownloadToOptions { Conditions = new BlobRequestConditions { IfMatch = version } }, ct), cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            throw new BlobNotFoundException(name, Location);
        }
        catch (RequestFailedException e)
        {
            throw Failed(name, "download", e);
        }
    }

    public async IAsyncEnumerable<BlobItem> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        BlobName.ValidatePrefix(prefix);
        var items = new List<BlobItem>();
        foreach (var container in _routing.Containers)
        {
            var client = _service.GetBlobContainerClient(container);
            await foreach (var item in client.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix }, cancellationToken))
            {
                // Names the store would refuse (uploaded by other tools) and blobs outside their container's share are not the store's.
                if (!IsStoreName(item.Name) || _routing.ContainerOf(item.Name) != container) continue;
                items.Add(new BlobItem(item.Name, item.Properties.ContentLength ?? 0, item.Properties.LastModified ?? DateTimeOffset.MinValue));
            }
        }
        items.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        foreach (var item in items) yield return item;
    }

    public async Task<bool> DeleteAsync(string name, CancellationToken cancellationToken = default)
    {
        var blob = Blob(name);
        return await Call(name, "delete", async () => (await blob.DeleteIfExistsAsync(cancellationToken: cancellationToken)).Value);
    }

    private BlobClient Blob(string name) => _service.GetBlobContainerClient(_routing.ContainerOf(name)).GetBlobClient(name);

    private BlockBlobClient BlockBlob(string name) => _service.GetBlobContainerClient(_routing.ContainerOf(name)).GetBlockBlobClient(name);

    private string ScratchPath(string name) => Path.Combine(_scratch, $"{Guid.NewGuid():N}{Path.GetExtension(name)}");

    private static IReadOnlyDictionary<string, string> UserMetadata(BlobWriteOptions? options) =>
        options?.Metadata is { } metadata ? new Dictionary<string, string>(metadata) : new Dictionary<string, string>();

    private async Task<BlobProperties> WriteBlocksAsync(string name, BlockBlobClient client, Stream content, byte[] first, int firstLength,
        IncrementalHash hash, string contentType, BlobRequestConditions? conditions, BlobWriteOptions? options, CancellationToken cancellationToken)
    {
        // Block ids unique to this writer: a concurrent writer of the same name cannot overwrite our staged blocks.
        var writer = Guid.NewGuid();
        var ids = new List<string>();
        var inFlight = new List<Task>();
        long total = 0;
        async Task Stage(byte[] block, int length)
        {
            var id = BlockIds.For(writer, ids.Count);
            ids.Add(id);
            total += length;
            inFlight.Add(StageAsync(client, name, id, block, length, cancellationToken));
            if (inFlight.Count >= BlocksInFlight)
            {
                var done = await Task.WhenAny(inFlight);
                inFlight.Remove(done);
                await done;
            }
        }

        try
        {
            var copy = ArrayPool<byte>.Shared.Rent(BlockSize);
            Buffer.BlockCopy(first, 0, copy, 0, firstLength);
            await Stage(copy, firstLength);
            while (true)
            {
                var block = ArrayPool<byte>.Shared.Rent(BlockSize);
                var length = await ReadBlockAsync(content, block, cancellationToken);
                if (length == 0)
                {
                    ArrayPool<byte>.Shared.Return(block);
                    break;
                }
                hash.AppendData(block, 0, length);
                await Stage(block, length);
                if (length < BlockSize) break;
            }
            await Task.WhenAll(inFlight);
        }
        catch
        {
            // Nothing is published without the commit; let the uploads in flight end before reporting the failure.
            try
            {
                await Task.WhenAll(inFlight);
            }
            catch (Exception)
            {
                // The first failure is the one to report.
            }
            throw;
        }

        var sha256 = Convert.ToHexStringLower(hash.GetHashAndReset());
        var committed = await Upload(name, options, () => client.CommitBlockListAsync(ids, new CommitBlockListOptions
        {
            HttpHeaders = new BlobHttpHeaders { ContentType = contentType },
            Metadata = StoredBlobMetadata.ForWrite(options?.Metadata, sha256),
            Conditions = conditions,
        }, cancellationToken));
        return new BlobProperties(name, total, contentType, sha256, committed.LastModified, UserMetadata(options));
    }

    private async Task StageAsync(BlockBlobClient client, string name, string id, byte[] block, int length, CancellationToken cancellationToken)
    {
        try
        {
            await client.StageBlockAsync(id, new MemoryStream(block, 0, length, writable: false), new BlockBlobStageBlockOptions(), cancellationToken);
        }
        catch (RequestFailedException e)
        {
            throw Failed(name, "upload a block of", e);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(block);
        }
    }

    /// <summary>Publishes (Put Blob or Put Block List) and says what a refusal means for this store.</summary>
    private async Task<BlobContentInfo> Upload(string name, BlobWriteOptions? options, Func<Task<Response<BlobContentInfo>>> publish)
    {
        try
        {
            return (await publish()).Value;
        }
        catch (RequestFailedException e) when (options is { Overwrite: false } && e.Status is 409 or 412)
        {
            throw new BlobAlreadyExistsException(name, Location);
        }
        catch (RequestFailedException e) when (e.ErrorCode == "InvalidBlockList")
        {
            // Another writer published the same name meanwhile, discarding our uncommitted blocks; its version stands.
            throw new BlobStoreException($"blob '{name}' in {Location} was replaced by another writer during this write; its version was kept", e);
        }
        catch (RequestFailedException e)
        {
            throw Failed(name, "write", e);
        }
    }

    private async Task<string> HashAsync(BlobClient blob, string name, ETag version, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = await blob.OpenReadAsync(new BlobOpenReadOptions(allowModifications: false)
            {
                Conditions = new BlobRequestConditions { IfMatch = version },
            }, cancellationToken);
            return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));
        }
        catch (RequestFailedException e)
        {
            throw Failed(name, "hash", e);
        }
    }

    private async Task<T> Call<T>(string name, string operation, Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (RequestFailedException e)
        {
            throw Failed(name, operation, e);
        }
    }

    /// <summary>A storage refusal in the store's terms: the operation, the blob, the status and error code (never the request URL).</summary>
    private BlobStoreException Failed(string name, string operation, RequestFailedException e) =>
        new($"could not {operation} blob '{name}' in {Location}: HTTP {e.Status} {e.ErrorCode}", e);

    private static async Task<int> ReadBlockAsync(Stream content, byte[] buffer, CancellationToken cancellationToken)
    {
        var total = 0;
        while (total < BlockSize)
        {
            var n = await content.ReadAsync(buffer.AsMemory(total, BlockSize - total), cancellationToken);
            if (n == 0) break;
            total += n;
        }
        return total;
    }

    private static bool IsStoreName(string name)
    {
        try
        {
            BlobName.Validate(name);
            return true;
        }
        catch (InvalidBlobNameException)
        {
            return false;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // A leftover in the scratch folder, not a failure of the operation.
        }
    }

    private sealed class AzurePendingBlob(AzureBlobStore store, string name, string localPath, BlobWriteOptions? options) : PendingBlob
    {
        private bool _committed;

        public override string Name => name;
        public override string LocalPath => localPath;
        public override bool IsCommitted => _committed;
        public override IDictionary<string, string> Metadata { get; } = new Dictionary<string, string>();

        public override async Task<BlobProperties> CommitAsync(CancellationToken cancellationToken = default)
        {
            if (_committed) throw new InvalidOperationException($"blob '{name}' was already committed");
            if (!File.Exists(localPath)) throw new BlobStoreException($"nothing was written to '{localPath}' for blob '{name}'");
            var metadata = new Dictionary<string, string>(options?.Metadata ?? new Dictionary<string, string>());
            foreach (var (key, value) in Metadata) metadata[key] = value;
            var properties = await store.WriteFileAsync(name, localPath, (options ?? new BlobWriteOptions()) with { Metadata = metadata }, cancellationToken);
            _committed = true;
            TryDelete(localPath);
            return properties;
        }

        public override ValueTask DisposeAsync()
        {
            TryDelete(localPath);
            return ValueTask.CompletedTask;
        }
    }
}
