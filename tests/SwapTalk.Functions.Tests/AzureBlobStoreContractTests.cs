using System.Security.Cryptography;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using SwapTalk.Functions.Http;
using SwapTalk.Functions.Storage;
using SwapTalk.Core.Storage;
using SwapTalk.Functions.Storage;
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
}
