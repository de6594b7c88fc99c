using System.Security.Cryptography;
using System.Text;
using SwapTalk.Core.Storage;
using SwapTalk.Tests.Support;

namespace SwapTalk.Tests.Storage;

/// <summary>The contract suite on the file-system store, plus what is particular to files on disk.</summary>
public sealed class FileSystemBlobStoreTests : BlobStoreContract
{
    private TempDir? _dir;

    protected override Task<IBlobStore> CreateStoreAsync()
    {
        _dir = new TempDir("swaptalk-blobs");
        return Task.FromResult<IBlobStore>(new FileSystemBlobStore(Path.Combine(_dir.Path, "store")));
    }

    protected override Task DeleteStoreAsync(IBlobStore store)
    {
        _dir?.Dispose();
        return Task.CompletedTask;
    }

    private FileSystemBlobStore Fs => (FileSystemBlobStore)Store;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Blob_is_the_file_under_the_root_and_the_local_file_is_that_file()
    {
        await Store.WriteTextAsync("jobs/j1/report.json", "{}", cancellationToken: Ct);
        var path = Path.Combine(Fs.Root, "jobs", "j1", "report.json");
        Fs.PathOf("jobs/j1/report.json").Should().Be(path);
        File.ReadAllText(path).Should().Be("{}");
        await using var local = await Store.GetLocalFileAsync("jobs/j1/report.json", Ct);
        local.LocalPath.Should().Be(path, "tools read blobs in place, without a copy");
    }

    [Fact]
    public async Task Interrupted_writes_leave_only_temporary_files_which_are_never_listed_and_can_be_swept()
    {
        // What a crash between "write temp" and "rename" leaves behind.
        var leftover = Path.Combine(Fs.Root, ".tmp", "0123456789abcdef.mkv");
        await File.WriteAllTextAsync(leftover, "half a segment", Ct);
        File.SetLastWriteTimeUtc(leftover, DateTime.UtcNow.AddDays(-2));
        await Store.WriteTextAsync("jobs/j1/report.json", "{}", cancellationToken: Ct);

        (await ListAsync("")).Should().Equal("jobs/j1/report.json");
        Fs.RemoveStaleTemporaryFiles(TimeSpan.FromDays(1)).Should().Be(1);
        File.Exists(leftover).Should().BeFalse();
        Directory.EnumerateFiles(Path.Combine(Fs.Root, ".tmp")).Should().BeEmpty("successful writes leave no temporary files");
    }

    [Fact]
    public async Task A_sidecar_that_does_not_match_its_file_is_ignored_and_properties_are_recomputed()
    {
        await Store.WriteTextAsync("jobs/j1/work/plan.json", "version one",
            new BlobWriteOptions { ContentType = "text/x-one", Metadata = new Dictionary<string, string> { ["k"] = "v" } }, Ct);
        // A data file that no longer matches its sidecar (a tool writing in place, a crash between the renames).
        await File.WriteAllTextAsync(Fs.PathOf("jobs/j1/work/plan.json"), "version two, longer", Ct);

        var props = await Store.GetPropertiesAsync("jobs/j1/work/plan.json", Ct);
        props!.ContentHash.Should().Be(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("version two, longer"))));
        props.ContentLength.Should().Be("version two, longer".Length);
        props.ContentType.Should().Be("application/json", "the stale sidecar's type is not trusted");
        props.Metadata.Should().BeEmpty();
    }

    [Fact]
    public void A_store_needs_a_root()
    {
        var act = () => new FileSystemBlobStore(" ");
        act.Should().Throw<ArgumentException>().WithMessage("*root folder*");
    }
}
