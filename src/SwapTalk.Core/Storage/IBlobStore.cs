namespace SwapTalk.Core.Storage;

/// <summary>
/// The blob-store port: every byte a job stores (inputs, latents, audio features, segments, output, report)
/// goes through it, under deterministic names (<see cref="BlobNames"/>), so every activity is idempotent.
/// Writes are atomic: a reader sees the old blob, the whole new blob, or nothing; never a half-written blob
/// under its final name. Names are '/'-separated relative paths (<see cref="BlobName"/>).
/// Implementations: <see cref="FileSystemBlobStore"/> here; an Azure Blob Storage one in the cloud host.
/// Both must pass the contract suite in the test project.
/// </summary>
public interface IBlobStore
{
    /// <summary>Where the store keeps its blobs, for messages (a folder, an account and container).</summary>
    string Location { get; }

    Task<bool> ExistsAsync(string name, CancellationToken cancellationToken = default);

    /// <returns>The blob's properties, or null when it does not exist.</returns>
    Task<BlobProperties?> GetPropertiesAsync(string name, CancellationToken cancellationToken = default);

    /// <exception cref="BlobNotFoundException">No blob has that name.</exception>
    Task<Stream> OpenReadAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Writes <paramref name="content"/> (read to its end) atomically under <paramref name="name"/>.</summary>
    /// <exception cref="BlobAlreadyExistsException">The blob exists and <see cref="BlobWriteOptions.Overwrite"/> is false.</exception>
    Task<BlobProperties> WriteAsync(string name, Stream content, BlobWriteOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Copies a local file in atomically (the local file is left as it was).</summary>
    Task<BlobProperties> WriteFileAsync(string name, string localPath, BlobWriteOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// A local path a tool (ffmpeg) writes the blob's content to, then <see cref="PendingBlob.CommitAsync"/>
    /// publishes it atomically; disposing without committing discards it.
    /// </summary>
    Task<PendingBlob> CreatePendingAsync(string name, BlobWriteOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// A local file with the blob's content, for tools that need a path. The file-system store hands out the
    /// blob file itself (read it, never write it); a cloud store downloads to a temporary file removed on dispose.
    /// </summary>
    /// <exception cref="BlobNotFoundException">No blob has that name.</exception>
    Task<LocalBlobFile> GetLocalFileAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Blobs whose names start with <paramref name="prefix"/> (a plain string prefix), in ordinal name order.</summary>
    IAsyncEnumerable<BlobItem> ListAsync(string prefix, CancellationToken cancellationToken = default);

    /// <returns>True if a blob was deleted, false if there was none.</returns>
    Task<bool> DeleteAsync(string name, CancellationToken cancellationToken = default);
}

/// <summary>How a blob is written. Metadata keys are lowercase identifiers ([a-z][a-z0-9_]*), values printable ASCII.</summary>
public sealed record BlobWriteOptions
{
    /// <summary>The MIME type; null: guessed from the name's extension.</summary>
    public string? ContentType { get; init; }
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    /// <summary>False: fail with <see cref="BlobAlreadyExistsException"/> rather than replace an existing blob (first writer wins).</summary>
    public bool Overwrite { get; init; } = true;
}

/// <param name="ContentHash">sha256 of the content, lowercase hex.</param>
public sealed record BlobProperties(
    string Name,
    long ContentLength,
    string ContentType,
    string ContentHash,
    DateTimeOffset LastModified,
    IReadOnlyDictionary<string, string> Metadata);

public sealed record BlobItem(string Name, long ContentLength, DateTimeOffset LastModified);

/// <summary>A blob being produced at a local path; see <see cref="IBlobStore.CreatePendingAsync"/>.</summary>
public abstract class PendingBlob : IAsyncDisposable
{
    public abstract string Name { get; }

    /// <summary>Where to write the content. The file does not exist yet; the writer creates it.</summary>
    public abstract string LocalPath { get; }

    public abstract bool IsCommitted { get; }

    /// <summary>Metadata known only once the content is made (frame counts...), added to the write options' metadata at commit.</summary>
    public abstract IDictionary<string, string> Metadata { get; }

    /// <summary>Publishes the file at <see cref="LocalPath"/> as the blob, atomically, with its metadata.</summary>
    public abstract Task<BlobProperties> CommitAsync(CancellationToken cancellationToken = default);

    public abstract ValueTask DisposeAsync();
}

/// <summary>A local file holding a blob's content; see <see cref="IBlobStore.GetLocalFileAsync"/>.</summary>
public abstract class LocalBlobFile : IAsyncDisposable
{
    public abstract string Name { get; }
    public abstract string LocalPath { get; }
    public abstract ValueTask DisposeAsync();
}

public class BlobStoreException(string message, Exception? innerException = null) : IOException(message, innerException);

public sealed class BlobNotFoundException(string name, string location)
    : BlobStoreException($"blob '{name}' does not exist in {location}")
{
    public string Name { get; } = name;
}

public sealed class BlobAlreadyExistsException(string name, string location)
    : BlobStoreException($"blob '{name}' already exists in {location} and overwriting was not allowed")
{
    public string Name { get; } = name;
}
