using System.Security.Cryptography;
using System.Text;
using SwapTalk.Core.Storage;

namespace SwapTalk.Tests.Storage;

/// <summary>
/// The behaviour every <see cref="IBlobStore"/> must have. An implementation's test class derives from this and
/// supplies a fresh, empty store per test (the file-system store here; the Azure store against Azurite where its
/// packages restore).
/// </summary>
public abstract class BlobStoreContract : IAsyncLifetime
{
    private IBlobStore? _store;

    protected IBlobStore Store => _store ?? throw new InvalidOperationException("store not created");

    /// <summary>A new, empty store for one test.</summary>
    protected abstract Task<IBlobStore> CreateStoreAsync();

    protected virtual Task DeleteStoreAsync(IBlobStore store) => Task.CompletedTask;

    public async ValueTask InitializeAsync() => _store = await CreateStoreAsync();

    public async ValueTask DisposeAsync()
    {
        if (_store is not null) await DeleteStoreAsync(_store);
        GC.SuppressFinalize(this);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static string Sha(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
    protected static byte[] Bytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    [Fact]
    public async Task Write_then_read_round_trips_bytes_and_properties()
    {
        var content = Bytes(100_000, 1);
        var metadata = new Dictionary<string, string> { ["segment"] = "7", ["source_hash"] = "abc" };
        var written = await Store.WriteBytesAsync("jobs/j1/work/segments/00007.mkv", content,
            new BlobWriteOptions { ContentType = "video/x-test", Metadata = metadata }, Ct);

        written.Name.Should().Be("jobs/j1/work/segments/00007.mkv");
        written.ContentLength.Should().Be(content.Length);
        written.ContentHash.Should().Be(Sha(content));
        written.ContentType.Should().Be("video/x-test");
        written.Metadata.Should().BeEquivalentTo(metadata);

        (await Store.ReadBytesAsync("jobs/j1/work/segments/00007.mkv", Ct)).Should().Equal(content);
        var read = await Store.GetPropertiesAsync("jobs/j1/work/segments/00007.mkv", Ct);
        read.Should().NotBeNull();
        read!.ContentLength.Should().Be(content.Length);
        read.ContentHash.Should().Be(Sha(content));
        read.ContentType.Should().Be("video/x-test");
        read.Metadata.Should().BeEquivalentTo(metadata);
        read.LastModified.Should().BeCloseTo(DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5));
    }

    [Fact]
    public async Task Content_type_is_inferred_from_the_name_when_not_given()
    {
        (await Store.WriteTextAsync("jobs/j1/report.json", "{}", cancellationToken: Ct)).ContentType.Should().Be("application/json");
        (await Store.WriteBytesAsync("jobs/j1/output/dub.mp4", new byte[] { 1 }, cancellationToken: Ct)).ContentType.Should().Be("video/mp4");
        (await Store.WriteBytesAsync("jobs/j1/work/source-latent.bin", new byte[] { 1 }, cancellationToken: Ct)).ContentType.Should().Be("application/octet-stream");
        (await Store.GetPropertiesAsync("jobs/j1/report.json", Ct))!.ContentType.Should().Be("application/json");
    }

    [Fact]
    public async Task Empty_and_large_blobs_round_trip()
    {
        await Store.WriteBytesAsync("a/empty.bin", Array.Empty<byte>(), cancellationToken: Ct);
        (await Store.ReadBytesAsync("a/empty.bin", Ct)).Should().BeEmpty();
        (await Store.GetPropertiesAsync("a/empty.bin", Ct))!.ContentHash.Should().Be(Sha([]));

        var large = Bytes(5 << 20, 2);
        await using (var source = new MemoryStream(large))
            await Store.WriteAsync("a/large.bin", source, cancellationToken: Ct);
        (await Store.ReadBytesAsync("a/large.bin", Ct)).Should().Equal(large);
    }

    [Fact]
    public async Task Missing_blobs_are_reported_as_such()
    {
        (await Store.ExistsAsync("jobs/none/report.json", Ct)).Should().BeFalse();
        (await Store.GetPropertiesAsync("jobs/none/report.json", Ct)).Should().BeNull();
        var read = () => Store.OpenReadAsync("jobs/none/report.json", Ct);
        (await read.Should().ThrowAsync<BlobNotFoundException>()).WithMessage("*'jobs/none/report.json'*does not exist*");
        var local = () => Store.GetLocalFileAsync("jobs/none/report.json", Ct);
        await local.Should().ThrowAsync<BlobNotFoundException>();
        (await Store.DeleteAsync("jobs/none/report.json", Ct)).Should().BeFalse();
    }

    [Fact]
    public async Task Overwrite_replaces_content_and_properties()
    {
        await Store.WriteTextAsync("x/blob.txt", "first", new BlobWriteOptions { Metadata = new Dictionary<string, string> { ["v"] = "1" } }, Ct);
        await Store.WriteTextAsync("x/blob.txt", "second!", new BlobWriteOptions { Metadata = new Dictionary<string, string> { ["v"] = "2" } }, Ct);
        (await Store.ReadTextAsync("x/blob.txt", Ct)).Should().Be("second!");
        var props = await Store.GetPropertiesAsync("x/blob.txt", Ct);
        props!.ContentLength.Should().Be(7);
        props.ContentHash.Should().Be(Sha(Encoding.UTF8.GetBytes("second!")));
        props.Metadata["v"].Should().Be("2");
    }

    [Fact]
    public async Task Overwrite_false_keeps_the_first_writer()
    {
        await Store.WriteTextAsync("x/first.txt", "first", cancellationToken: Ct);
        var again = () => Store.WriteTextAsync("x/first.txt", "second", new BlobWriteOptions { Overwrite = false }, Ct);
        (await again.Should().ThrowAsync<BlobAlreadyExistsException>()).WithMessage("*'x/first.txt'*already exists*");
        (await Store.ReadTextAsync("x/first.txt", Ct)).Should().Be("first");
        (await Store.WriteTextAsync("x/new.txt", "new", new BlobWriteOptions { Overwrite = false }, Ct)).ContentLength.Should().Be(3);
    }

    [Fact]
    public async Task A_write_that_fails_midway_leaves_no_blob_and_keeps_the_old_one()
    {
        var fresh = () => Store.WriteAsync("x/partial.bin", new FailingStream(200_000), cancellationToken: Ct);
        await fresh.Should().ThrowAsync<IOException>().WithMessage("*source broke*");
        (await Store.ExistsAsync("x/partial.bin", Ct)).Should().BeFalse();

        await Store.WriteTextAsync("x/kept.txt", "old", cancellationToken: Ct);
        var replace = () => Store.WriteAsync("x/kept.txt", new FailingStream(200_000), cancellationToken: Ct);
        await replace.Should().ThrowAsync<IOException>();
        (await Store.ReadTextAsync("x/kept.txt", Ct)).Should().Be("old");

        var names = await ListAsync("x/");
        names.Should().Equal("x/kept.txt");
    }

    [Fact]
    public async Task Pending_blob_is_invisible_until_committed()
    {
        await using (var pending = await Store.CreatePendingAsync("jobs/j1/work/segments/00000.mkv", cancellationToken: Ct))
        {
            Path.GetExtension(pending.LocalPath).Should().Be(".mkv", "tools pick the container from the extension");
            await File.WriteAllBytesAsync(pending.LocalPath, Bytes(1000, 3), Ct);
            (await Store.ExistsAsync("jobs/j1/work/segments/00000.mkv", Ct)).Should().BeFalse();
            (await ListAsync("jobs/")).Should().BeEmpty();
            var props = await pending.CommitAsync(Ct);
            props.ContentLength.Should().Be(1000);
            props.ContentHash.Should().Be(Sha(Bytes(1000, 3)));
            pending.IsCommitted.Should().BeTrue();
        }
        (await Store.ReadBytesAsync("jobs/j1/work/segments/00000.mkv", Ct)).Should().Equal(Bytes(1000, 3));
    }

    [Fact]
    public async Task Pending_blob_disposed_without_commit_leaves_nothing()
    {
        string local;
        await using (var pending = await Store.CreatePendingAsync("jobs/j1/work/segments/00001.mkv", cancellationToken: Ct))
        {
            local = pending.LocalPath;
            await File.WriteAllTextAsync(local, "half a segment", Ct);
        }
        File.Exists(local).Should().BeFalse();
        (await Store.ExistsAsync("jobs/j1/work/segments/00001.mkv", Ct)).Should().BeFalse();

        await using var empty = await Store.CreatePendingAsync("jobs/j1/work/segments/00002.mkv", cancellationToken: Ct);
        var commit = () => empty.CommitAsync(Ct);
        (await commit.Should().ThrowAsync<BlobStoreException>()).WithMessage("*nothing was written*00002.mkv*");
    }

    [Fact]
    public async Task Local_file_holds_the_blob_content()
    {
        var content = Bytes(4096, 4);
        await Store.WriteBytesAsync("jobs/j1/input/video.mp4", content, cancellationToken: Ct);
        await using var local = await Store.GetLocalFileAsync("jobs/j1/input/video.mp4", Ct);
        local.Name.Should().Be("jobs/j1/input/video.mp4");
        (await File.ReadAllBytesAsync(local.LocalPath, Ct)).Should().Equal(content);
    }

    [Fact]
    public async Task Write_file_copies_a_local_file_in()
    {
        var path = Path.Combine(Path.GetTempPath(), $"swaptalk-contract-{Guid.NewGuid():N}.wav");
        try
        {
            await File.WriteAllBytesAsync(path, Bytes(3000, 5), Ct);
            var props = await Store.WriteFileAsync("jobs/j1/input/audio.wav", path, cancellationToken: Ct);
            props.ContentHash.Should().Be(Sha(Bytes(3000, 5)));
            props.ContentType.Should().Be("audio/wav");
            File.Exists(path).Should().BeTrue("the local file is copied, not moved");
            var missing = () => Store.WriteFileAsync("jobs/j1/input/other.wav", path + ".missing", cancellationToken: Ct);
            (await missing.Should().ThrowAsync<FileNotFoundException>()).WithMessage("*.missing*does not exist*");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task List_returns_names_with_the_prefix_in_ordinal_order()
    {
        foreach (var name in new[] { "jobs/b/report.json", "jobs/a/work/segments/00010.mkv", "jobs/a/work/segments/00002.mkv",
                     "jobs/a/work/plan.json", "jobs/a/report.json", "jobs/ab/report.json", "other/x.bin" })
            await Store.WriteTextAsync(name, name, cancellationToken: Ct);

        (await ListAsync("jobs/a/")).Should().Equal("jobs/a/report.json", "jobs/a/work/plan.json",
            "jobs/a/work/segments/00002.mkv", "jobs/a/work/segments/00010.mkv");
        (await ListAsync("jobs/a")).Should().Equal("jobs/a/report.json", "jobs/a/work/plan.json",
            "jobs/a/work/segments/00002.mkv", "jobs/a/work/segments/00010.mkv", "jobs/ab/report.json");
        (await ListAsync("jobs/a/work/segments/0000")).Should().Equal("jobs/a/work/segments/00002.mkv");
        (await ListAsync("")).Should().HaveCount(7);
        (await ListAsync("nothing/")).Should().BeEmpty();

        var items = new List<BlobItem>();
        await foreach (var item in Store.ListAsync("jobs/b/", Ct)) items.Add(item);
        items.Should().ContainSingle().Which.ContentLength.Should().Be("jobs/b/report.json".Length);
    }

    [Fact]
    public async Task Delete_removes_the_blob_and_its_properties()
    {
        await Store.WriteTextAsync("jobs/j1/work/plan.json", "{}", new BlobWriteOptions { Metadata = new Dictionary<string, string> { ["k"] = "v" } }, Ct);
        (await Store.DeleteAsync("jobs/j1/work/plan.json", Ct)).Should().BeTrue();
        (await Store.ExistsAsync("jobs/j1/work/plan.json", Ct)).Should().BeFalse();
        (await Store.GetPropertiesAsync("jobs/j1/work/plan.json", Ct)).Should().BeNull();
        (await ListAsync("jobs/")).Should().BeEmpty();
        await Store.WriteTextAsync("jobs/j1/work/plan.json", "[]", cancellationToken: Ct);
        (await Store.GetPropertiesAsync("jobs/j1/work/plan.json", Ct))!.Metadata.Should().BeEmpty("a new blob does not inherit old metadata");
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("../escape.txt", "'..' segment")]
    [InlineData("jobs/../../etc/passwd", "'..' segment")]
    [InlineData("jobs/./x", "'.' segment")]
    [InlineData("/etc/passwd", "absolute")]
    [InlineData("jobs\\j1\\x", "'\\'")]
    [InlineData("jobs//x", "empty segment")]
    [InlineData("jobs/x/", "ends with '/'")]
    [InlineData("c:/windows", "':'")]
    [InlineData("jobs/.meta/x", "starts with '.'")]
    [InlineData("jobs/x\n", "control character")]
    public async Task Invalid_names_are_rejected_by_every_operation(string name, string problem)
    {
        var operations = new List<Func<Task>>
        {
            () => Store.ExistsAsync(name, Ct),
            () => Store.GetPropertiesAsync(name, Ct),
            () => Store.OpenReadAsync(name, Ct),
            () => Store.WriteTextAsync(name, "x", cancellationToken: Ct),
            () => Store.CreatePendingAsync(name, cancellationToken: Ct),
            () => Store.GetLocalFileAsync(name, Ct),
            () => Store.DeleteAsync(name, Ct),
        };
        foreach (var operation in operations)
            (await operation.Should().ThrowAsync<InvalidBlobNameException>()).WithMessage($"*{problem}*");
    }

    [Theory]
    [InlineData("../")]
    [InlineData("/abs")]
    [InlineData("a\\b")]
    public async Task Invalid_prefixes_are_rejected(string prefix)
    {
        var list = () => ListAsync(prefix);
        await list.Should().ThrowAsync<InvalidBlobNameException>();
    }

    [Fact]
    public async Task Invalid_metadata_is_rejected_with_the_key_named()
    {
        var bad = () => Store.WriteTextAsync("x/m.txt", "x", new BlobWriteOptions { Metadata = new Dictionary<string, string> { ["Bad-Key"] = "v" } }, Ct);
        (await bad.Should().ThrowAsync<ArgumentException>()).WithMessage("*'Bad-Key'*");
        var value = () => Store.WriteTextAsync("x/m.txt", "x", new BlobWriteOptions { Metadata = new Dictionary<string, string> { ["k"] = "caf\u00e9" } }, Ct);
        (await value.Should().ThrowAsync<ArgumentException>()).WithMessage("*'k'*printable ASCII*");
        (await Store.ExistsAsync("x/m.txt", Ct)).Should().BeFalse();
    }

    [Fact]
    public async Task Concurrent_writers_of_one_name_leave_one_whole_version()
    {
        var versions = Enumerable.Range(0, 6).Select(i => Bytes(300_000 + i, 100 + i)).ToArray();
        await Task.WhenAll(versions.Select(v => Task.Run(() => Store.WriteBytesAsync("x/race.bin", v, cancellationToken: Ct), Ct)));
        var content = await Store.ReadBytesAsync("x/race.bin", Ct);
        versions.Any(v => v.SequenceEqual(content)).Should().BeTrue("one writer's whole content wins");
        var props = await Store.GetPropertiesAsync("x/race.bin", Ct);
        props!.ContentHash.Should().Be(Sha(content));
        props.ContentLength.Should().Be(content.Length);
    }

    [Fact]
    public async Task Produce_once_runs_the_producer_only_when_the_blob_is_missing()
    {
        var runs = 0;
        async Task Produce(PendingBlob pending, CancellationToken ct)
        {
            runs++;
            await File.WriteAllTextAsync(pending.LocalPath, "segment", ct);
            pending.Metadata["frames"] = "12"; // known only once the content is made
        }
        var first = await Store.ProduceOnceAsync("jobs/j1/work/segments/00003.mkv", Produce, cancellationToken: Ct);
        var second = await Store.ProduceOnceAsync("jobs/j1/work/segments/00003.mkv", Produce, cancellationToken: Ct);
        runs.Should().Be(1);
        first.Reused.Should().BeFalse();
        second.Reused.Should().BeTrue();
        second.Properties.ContentHash.Should().Be(first.Properties.ContentHash);
        second.Properties.Metadata["frames"].Should().Be("12");

        var failing = () => Store.ProduceOnceAsync("jobs/j1/work/segments/00004.mkv",
            async (PendingBlob pending, CancellationToken ct) =>
            {
                await File.WriteAllTextAsync(pending.LocalPath, "half", ct);
                throw new IOException("encoder crashed");
            }, cancellationToken: Ct);
        await failing.Should().ThrowAsync<IOException>().WithMessage("encoder crashed");
        (await Store.ExistsAsync("jobs/j1/work/segments/00004.mkv", Ct)).Should().BeFalse();

        var streamed = await Store.ProduceOnceAsync("jobs/j1/work/audio-features.bin",
            (Stream s, CancellationToken ct) => s.WriteAsync(new byte[] { 1, 2, 3 }, ct).AsTask(), cancellationToken: Ct);
        streamed.Properties.ContentLength.Should().Be(3);
    }

    [Fact]
    public async Task Produce_once_redoes_a_blob_the_caller_cannot_reuse()
    {
        await Store.WriteTextAsync("jobs/j1/work/segments/00005.mkv", "made without its frame counts", cancellationToken: Ct);
        var redone = await Store.ProduceOnceAsync("jobs/j1/work/segments/00005.mkv",
            async (PendingBlob pending, CancellationToken ct) =>
            {
                await File.WriteAllTextAsync(pending.LocalPath, "whole segment", ct);
                pending.Metadata["frames"] = "4";
            },
            reuseIf: p => p.Metadata.ContainsKey("frames"), cancellationToken: Ct);
        redone.Reused.Should().BeFalse();
        (await Store.ReadTextAsync("jobs/j1/work/segments/00005.mkv", Ct)).Should().Be("whole segment");
        (await Store.GetPropertiesAsync("jobs/j1/work/segments/00005.mkv", Ct))!.Metadata["frames"].Should().Be("4");
    }

    [Fact]
    public async Task Json_helpers_round_trip_and_name_the_blob_on_bad_json()
    {
        await Store.WriteJsonAsync("jobs/j1/work/plan.json", new Sample("a", 3), cancellationToken: Ct);
        (await Store.ReadJsonAsync<Sample>("jobs/j1/work/plan.json", cancellationToken: Ct)).Should().Be(new Sample("a", 3));
        (await Store.GetPropertiesAsync("jobs/j1/work/plan.json", Ct))!.ContentType.Should().Be("application/json");

        await Store.WriteTextAsync("jobs/j1/work/broken.json", "{ not json", cancellationToken: Ct);
        var read = () => Store.ReadJsonAsync<Sample>("jobs/j1/work/broken.json", cancellationToken: Ct);
        (await read.Should().ThrowAsync<BlobStoreException>()).WithMessage("*'jobs/j1/work/broken.json'*not valid Sample JSON*");
    }

    protected async Task<List<string>> ListAsync(string prefix)
    {
        var names = new List<string>();
        await foreach (var item in Store.ListAsync(prefix, Ct)) names.Add(item.Name);
        return names;
    }

    private sealed record Sample(string Name, int Count);

    /// <summary>A source that delivers some bytes, then fails: a network drop or a crashed producer.</summary>
    protected sealed class FailingStream(int failAfter) : Stream
    {
        private int _position;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_position >= failAfter) throw new IOException("source broke");
            var n = Math.Min(count, failAfter - _position);
            Array.Fill(buffer, (byte)7, offset, n);
            _position += n;
            return n;
        }
    }
}
