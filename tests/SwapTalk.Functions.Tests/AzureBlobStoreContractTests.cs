using System.Security.Cryptography;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using SwapTalk.Http;
using SwapTalk.Azure.Storage;
using SwapTalk.Functions.Storage;
using SwapTalk.Core.Storage;
using SwapTalk.Tests.Storage;

namespace SwapTalk.Functions.Tests;

/// <summary>
/// The blob-store contract suite (the same class the file-system store passes) on <see cref="AzureBlobStore"/>
/// against Azurite, plus what is particular to Azure: the work container, staged blocks, foreign blobs, SAS links.
/// </summary>
public sealed class AzureBlobStoreContractTests : BlobStoreContract
{
    private BlobServiceClient? _service;
    private string _jobs = "";
    private string _work = "";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected override async Task<IBlobStore> CreateStoreAsync()
    {
        _service = await Azurite.ServiceAsync();
        _jobs = await Azurite.NewContainerAsync(_service, "jobs");
        _work = await Azurite.NewContainerAsync(_service, "work");
        return new AzureBlobStore(_service, new BlobContainerRouting(_jobs, _work));
    }

    protected override async Task DeleteStoreAsync(IBlobStore store)
    {
        if (_service is null) return;
        await _service.GetBlobContainerClient(_jobs).DeleteIfExistsAsync();
        await _service.GetBlobContainerClient(_work).DeleteIfExistsAsync();
    }

    private async Task<List<string>> NamesIn(string container)
    {
        var names = new List<string>();
        await foreach (var item in _service!.GetBlobContainerClient(container).GetBlobsAsync(cancellationToken: Ct)) names.Add(item.Name);
        return names;
    }

    [Fact]
    public async Task Work_names_live_in_the_work_container_under_their_full_name()
    {
        await Store.WriteTextAsync("jobs/j1/work/plan.json", "{}", cancellationToken: Ct);
        await Store.WriteTextAsync("jobs/j1/report.json", "{}", cancellationToken: Ct);
        (await NamesIn(_work)).Should().Equal("jobs/j1/work/plan.json");
        (await NamesIn(_jobs)).Should().Equal("jobs/j1/report.json");
        (await ListAsync("jobs/j1/")).Should().Equal("jobs/j1/report.json", "jobs/j1/work/plan.json");
    }

    [Fact]
    public async Task Readers_of_one_blob_version_share_one_downloaded_copy_which_outlives_them_for_the_next_reader()
    {
        var content = Bytes(50_000, 9);
        await Store.WriteBytesAsync("jobs/j1/input/video.mp4", content, cancellationToken: Ct);
        await using (var first = await Store.GetLocalFileAsync("jobs/j1/input/video.mp4", Ct))
        await using (var second = await Store.GetLocalFileAsync("jobs/j1/input/video.mp4", Ct))
        {
            second.LocalPath.Should().Be(first.LocalPath, "one download serves both");
            (await File.ReadAllBytesAsync(first.LocalPath, Ct)).Should().Equal(content);
        }
        await using var later = await Store.GetLocalFileAsync("jobs/j1/input/video.mp4", Ct);
        File.Exists(later.LocalPath).Should().BeTrue();
        (await File.ReadAllBytesAsync(later.LocalPath, Ct)).Should().Equal(content);
    }

    [Fact]
    public async Task A_new_blob_version_is_a_new_copy_and_unheld_copies_beyond_the_budget_are_deleted_but_never_a_held_one()
    {
        using var scratch = new Scratch();
        var store = new AzureBlobStore(_service!, new BlobContainerRouting(_jobs, _work), scratch.Path, downloadCacheBytes: 0);
        await store.WriteBytesAsync("jobs/j1/input/a.mp4", Bytes(10_000, 1), cancellationToken: Ct);
        var held = await store.GetLocalFileAsync("jobs/j1/input/a.mp4", Ct);
        await store.WriteBytesAsync("jobs/j1/input/a.mp4", Bytes(10_000, 2), cancellationToken: Ct); // a new version
        string replaced;
        await using (var current = await store.GetLocalFileAsync("jobs/j1/input/a.mp4", Ct))
        {
            current.LocalPath.Should().NotBe(held.LocalPath);
            (await File.ReadAllBytesAsync(current.LocalPath, Ct)).Should().Equal(Bytes(10_000, 2));
            replaced = current.LocalPath;
        }
        File.Exists(held.LocalPath).Should().BeTrue("a copy in use is never deleted");
        (await File.ReadAllBytesAsync(held.LocalPath, Ct)).Should().Equal(Bytes(10_000, 1), "a reader keeps the version it opened");
        await held.DisposeAsync();
        // Budget 0: only the most recently used unheld copy stays.
        File.Exists(held.LocalPath).Should().BeTrue("the old version was released last, so it is the newest unheld copy");
        File.Exists(replaced).Should().BeFalse("beyond the budget");
        await store.WriteBytesAsync("jobs/j1/input/b.mp4", Bytes(1000, 3), cancellationToken: Ct);
        await using (var other = await store.GetLocalFileAsync("jobs/j1/input/b.mp4", Ct)) { }
        File.Exists(held.LocalPath).Should().BeFalse("a newer unheld copy took its place");
    }

    [Fact]
    public async Task A_missing_blob_is_not_found_and_leaves_no_copy()
    {
        using var scratch = new Scratch();
        var store = new AzureBlobStore(_service!, new BlobContainerRouting(_jobs, _work), scratch.Path);
        var get = () => store.GetLocalFileAsync("jobs/j1/input/none.mp4", Ct);
        (await get.Should().ThrowAsync<BlobNotFoundException>()).WithMessage("*jobs/j1/input/none.mp4*");
        Directory.EnumerateFiles(scratch.Path, "*", SearchOption.AllDirectories).Should().BeEmpty();
    }

    [Fact]
    public async Task Copies_left_by_a_process_that_ended_are_removed_when_a_store_starts_and_a_running_ones_are_kept()
    {
        using var scratch = new Scratch();
        using var running = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("sleep", "30"))!;
        using var ended = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("true"))!;
        await ended.WaitForExitAsync(Ct);
        foreach (var pid in new[] { running.Id, ended.Id })
        {
            Directory.CreateDirectory(Path.Combine(scratch.Path, $"downloads-{pid}"));
            await File.WriteAllTextAsync(Path.Combine(scratch.Path, $"downloads-{pid}", "copy.mp4"), "x", Ct);
        }
        _ = new AzureBlobStore(_service!, new BlobContainerRouting(_jobs, _work), scratch.Path);
        Directory.Exists(Path.Combine(scratch.Path, $"downloads-{ended.Id}")).Should().BeFalse("its process has ended");
        Directory.Exists(Path.Combine(scratch.Path, $"downloads-{running.Id}")).Should().BeTrue("another store may be using it");
        Directory.Exists(Path.Combine(scratch.Path, $"downloads-{Environment.ProcessId}")).Should().BeTrue();
        running.Kill();
    }

    [Fact]
    public async Task Content_over_one_block_is_staged_and_committed_whole_with_its_hash()
    {
        var content = new byte[AzureBlobStore.BlockSize * 2 + 12345];
        new Random(7).NextBytes(content);
        var written = await Store.WriteBytesAsync("jobs/j1/input/video.mp4", content, cancellationToken: Ct);
        written.ContentHash.Should().Be(Convert.ToHexStringLower(SHA256.HashData(content)));
        written.ContentLength.Should().Be(content.Length);
        (await Store.ReadBytesAsync("jobs/j1/input/video.mp4", Ct)).Should().Equal(content);

        var blocks = await _service!.GetBlobContainerClient(_jobs).GetBlockBlobClient("jobs/j1/input/video.mp4").GetBlockListAsync(cancellationToken: Ct);
        blocks.Value.CommittedBlocks.Should().HaveCount(3);

        var again = () => Store.WriteBytesAsync("jobs/j1/input/video.mp4", content, new BlobWriteOptions { Overwrite = false }, Ct);
        await again.Should().ThrowAsync<BlobAlreadyExistsException>("first writer wins on the block path too");
    }

    [Fact]
    public async Task A_large_write_that_fails_midway_publishes_nothing()
    {
        var broken = new FailingStream(AzureBlobStore.BlockSize + 100);
        var write = () => Store.WriteAsync("jobs/j1/input/broken.mp4", broken, cancellationToken: Ct);
        await write.Should().ThrowAsync<IOException>();
        (await Store.ExistsAsync("jobs/j1/input/broken.mp4", Ct)).Should().BeFalse("staged blocks are not a blob until committed");
    }

    [Fact]
    public async Task A_blob_uploaded_by_another_tool_gets_its_hash_computed_and_the_store_metadata_stays_hidden()
    {
        var content = "uploaded with azcopy"u8.ToArray();
        await _service!.GetBlobContainerClient(_jobs).GetBlobClient("jobs/j1/input/portrait.png").UploadAsync(new BinaryData(content), Ct);
        var properties = await Store.GetPropertiesAsync("jobs/j1/input/portrait.png", Ct);
        properties!.ContentHash.Should().Be(Convert.ToHexStringLower(SHA256.HashData(content)));
        properties.Metadata.Should().BeEmpty();

        await Store.WriteTextAsync("jobs/j1/x.txt", "x", new BlobWriteOptions { Metadata = new Dictionary<string, string> { ["k"] = "v" } }, Ct);
        (await Store.GetPropertiesAsync("jobs/j1/x.txt", Ct))!.Metadata.Should().Equal(new Dictionary<string, string> { ["k"] = "v" });
        var raw = await _service.GetBlobContainerClient(_jobs).GetBlobClient("jobs/j1/x.txt").GetPropertiesAsync(cancellationToken: Ct);
        raw.Value.Metadata.Should().ContainKey(StoredBlobMetadata.Sha256Key);
    }

    [Fact]
    public async Task A_result_link_reads_the_blob_and_nothing_else()
    {
        await Store.WriteTextAsync("jobs/j1/output/dub.mp4", "the video", cancellationToken: Ct);
        var signer = new AzureResultUrlSigner(_service!, new BlobContainerRouting(_jobs, _work));
        var window = ResultUrlPolicy.Window(DateTimeOffset.UtcNow, 5);
        var url = await signer.SignReadAsync("jobs/j1/output/dub.mp4", window, Ct);

        url.Query.Should().Contain("sp=r").And.Contain("sr=b");
        using var http = new HttpClient();
        (await http.GetStringAsync(url, Ct)).Should().Be("the video");
        var put = new HttpRequestMessage(HttpMethod.Put, url) { Content = new StringContent("overwritten") };
        put.Headers.Add("x-ms-blob-type", "BlockBlob");
        ((int)(await http.SendAsync(put, Ct)).StatusCode).Should().Be(403, "the link is read-only");
        var other = new UriBuilder(url) { Path = url.AbsolutePath.Replace("dub.mp4", "other.mp4") }.Uri;
        ((int)(await http.GetAsync(other, Ct)).StatusCode).Should().Be(403, "the link is for one blob");
    }

    /// <summary>A throw-away scratch folder for a store of the test's own.</summary>
    private sealed class Scratch : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("swaptalk-blob-cache-").FullName;

        public void Dispose()
        {
            try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
        }
    }
}
