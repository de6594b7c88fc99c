using System.Text;
using System.Text.Json;

namespace SwapTalk.Core.Storage;

/// <summary>The result of <see cref="BlobStoreExtensions">ProduceOnceAsync</see>: the blob, and whether it was already there.</summary>
public sealed record ProducedBlob(BlobProperties Properties, bool Reused);

public static class BlobStoreExtensions
{
    /// <summary>
    /// The idempotency rule of every activity that makes a blob: if the blob exists it is complete (writes are
    /// atomic), so it is reused and <paramref name="produce"/> does not run; otherwise <paramref name="produce"/>
    /// writes the content to <see cref="PendingBlob.LocalPath"/> (and may add <see cref="PendingBlob.Metadata"/>)
    /// and the blob is published atomically. A retry after a crash, or a resumed job, redoes only what is missing.
    /// </summary>
    /// <param name="produce">Writes the whole content to the pending blob's local path (a tool such as ffmpeg may create it).</param>
    /// <param name="reuseIf">
    /// Whether an existing blob is usable (e.g. it carries the metadata a reuse reads back); when false it is
    /// produced again. Null: any existing blob is reused.
    /// </param>
    public static async Task<ProducedBlob> ProduceOnceAsync(
        this IBlobStore store,
        string name,
        Func<PendingBlob, CancellationToken, Task> produce,
        BlobWriteOptions? options = null,
        Func<BlobProperties, bool>? reuseIf = null,
        CancellationToken cancellationToken = default)
    {
        if (await store.GetPropertiesAsync(name, cancellationToken) is { } existing && (reuseIf is null || reuseIf(existing)))
            return new ProducedBlob(existing, Reused: true);
        await using var pending = await store.CreatePendingAsync(name, options, cancellationToken);
        await produce(pending, cancellationToken);
        return new ProducedBlob(await pending.CommitAsync(cancellationToken), Reused: false);
    }

    /// <summary><see cref="ProduceOnceAsync(IBlobStore, string, Func{PendingBlob, CancellationToken, Task}, BlobWriteOptions?, Func{BlobProperties, bool}?, CancellationToken)"/> for content written to a stream.</summary>
    public static Task<ProducedBlob> ProduceOnceAsync(
        this IBlobStore store,
        string name,
        Func<Stream, CancellationToken, Task> write,
        BlobWriteOptions? options = null,
        Func<BlobProperties, bool>? reuseIf = null,
        CancellationToken cancellationToken = default) =>
        store.ProduceOnceAsync(name, async (PendingBlob pending, CancellationToken ct) =>
        {
            await using var file = new FileStream(pending.LocalPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
            await write(file, ct);
        }, options, reuseIf, cancellationToken);

    public static async Task<BlobProperties> WriteBytesAsync(this IBlobStore store, string name, ReadOnlyMemory<byte> bytes, BlobWriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        await using var stream = new MemoryStream(bytes.ToArray(), writable: false);
        return await store.WriteAsync(name, stream, options, cancellationToken);
    }

    public static async Task<byte[]> ReadBytesAsync(this IBlobStore store, string name, CancellationToken cancellationToken = default)
    {
        await using var stream = await store.OpenReadAsync(name, cancellationToken);
        using var memory = new MemoryStream();
        await stream.CopyToAsync(memory, cancellationToken);
        return memory.ToArray();
    }

    public static Task<BlobProperties> WriteTextAsync(this IBlobStore store, string name, string text, BlobWriteOptions? options = null, CancellationToken cancellationToken = default) =>
        store.WriteBytesAsync(name, Encoding.UTF8.GetBytes(text), options, cancellationToken);

    public static async Task<string> ReadTextAsync(this IBlobStore store, string name, CancellationToken cancellationToken = default) =>
        Encoding.UTF8.GetString(await store.ReadBytesAsync(name, cancellationToken));

    public static Task<BlobProperties> WriteJsonAsync<T>(this IBlobStore store, string name, T value, JsonSerializerOptions? json = null, BlobWriteOptions? options = null, CancellationToken cancellationToken = default) =>
        store.WriteBytesAsync(name, JsonSerializer.SerializeToUtf8Bytes(value, json ?? StoredJson.Options),
            options ?? new BlobWriteOptions { ContentType = "application/json" }, cancellationToken);

    /// <exception cref="BlobStoreException">The blob is not valid JSON for <typeparamref name="T"/> (the message names it).</exception>
    public static async Task<T> ReadJsonAsync<T>(this IBlobStore store, string name, JsonSerializerOptions? json = null, CancellationToken cancellationToken = default)
    {
        await using var stream = await store.OpenReadAsync(name, cancellationToken);
        try
        {
            return await JsonSerializer.DeserializeAsync<T>(stream, json ?? StoredJson.Options, cancellationToken)
                ?? throw new BlobStoreException($"blob '{name}' in {store.Location} holds JSON null, expected {typeof(T).Name}");
        }
        catch (JsonException ex)
        {
            throw new BlobStoreException($"blob '{name}' in {store.Location} is not valid {typeof(T).Name} JSON: {ex.Message}", ex);
        }
    }
}

/// <summary>How JSON blobs (plan, report) are written: camelCase, indented, readable by people and tools.</summary>
public static class StoredJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { WriteIndented = true };
}
