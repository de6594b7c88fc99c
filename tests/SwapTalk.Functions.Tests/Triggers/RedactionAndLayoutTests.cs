using System.Text;
using SwapTalk.Azure;
using SwapTalk.Azure.Storage;
using SwapTalk.Core.Storage;

namespace SwapTalk.Functions.Tests.Triggers;

public class RedactionAndLayoutTests
{
    [Theory]
    [InlineData("see https://a.blob.core.windows.net/c/b.mp4?sv=2024-08-04&se=x&sig=abc%2Bdef= now",
        "see https://a.blob.core.windows.net/c/b.mp4?[redacted] now")]
    [InlineData("'https://host/api/jobs?code=FUNCTIONKEY'", "'https://host/api/jobs?[redacted]'")]
    [InlineData("DefaultEndpointsProtocol=https;AccountName=a;AccountKey=KEY123==;EndpointSuffix=core",
        "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=[redacted];EndpointSuffix=core")]
    [InlineData("BlobEndpoint=https://a/;SharedAccessSignature=sv=1&sig=S", "BlobEndpoint=https://a/;SharedAccessSignature=[redacted]")]
    [InlineData("sig=RAW&x=1", "sig=[redacted]&x=1")]
    [InlineData("Authorization: Bearer eyJ0eXAi.eyJhdWQi.c2ln", "Authorization: Bearer [redacted]")]
    [InlineData("plain text, nothing secret: inbox/a.png", "plain text, nothing secret: inbox/a.png")]
    public void Secrets_are_removed_and_the_rest_kept(string text, string expected) =>
        Redaction.Redact(text).Should().Be(expected);

    [Fact]
    public void Echoed_values_are_cut_and_control_characters_made_visible()
    {
        Redaction.Echo(new string('x', 500)).Should().HaveLength(Redaction.MaxEchoLength + 3).And.EndWith("...");
        Redaction.Echo("a\nb\u0000").Should().Be("a\\u000ab\\u0000");
        Redaction.Echo(null).Should().BeEmpty();
    }

    [Fact]
    public void Work_names_go_to_the_work_container_and_everything_else_stays()
    {
        var routing = new BlobContainerRouting("jobs", "work");
        routing.ContainerOf("jobs/j1/work/plan.json").Should().Be("work");
        routing.ContainerOf("jobs/j1/work/segments/00001.mkv").Should().Be("work");
        routing.ContainerOf("jobs/j1/input/video.mp4").Should().Be("jobs");
        routing.ContainerOf("jobs/j1/report.json").Should().Be("jobs");
        routing.ContainerOf("jobs/j1/output/work").Should().Be("jobs", "only a folder named work counts, not a file");
        routing.ContainerOf("x/working/a").Should().Be("jobs");
        routing.Containers.Should().Equal("jobs", "work");
        new BlobContainerRouting("inbox").ContainerOf("a/work/b").Should().Be("inbox", "a store without a work container keeps everything");

        var bad = () => routing.ContainerOf("jobs/../work/x");
        bad.Should().Throw<InvalidBlobNameException>();
        var same = () => new BlobContainerRouting("jobs", "jobs");
        same.Should().Throw<ArgumentException>();
    }

    [Fact]
    public void The_content_hash_rides_in_metadata_under_a_key_callers_cannot_use()
    {
        var sha = new string('a', 64);
        var stored = StoredBlobMetadata.ForWrite(new Dictionary<string, string> { ["frames"] = "12" }, sha);
        stored.Should().BeEquivalentTo(new Dictionary<string, string> { ["frames"] = "12", [StoredBlobMetadata.Sha256Key] = sha });

        var (hash, metadata) = StoredBlobMetadata.Read(new Dictionary<string, string> { ["Frames"] = "12", ["SWAPTALK_SHA256"] = sha });
        hash.Should().Be(sha);
        metadata.Should().BeEquivalentTo(new Dictionary<string, string> { ["frames"] = "12" });
        StoredBlobMetadata.Read(new Dictionary<string, string> { [StoredBlobMetadata.Sha256Key] = "not a hash" }).Sha256.Should().BeNull();
        StoredBlobMetadata.Read(null).Metadata.Should().BeEmpty();

        var reserved = () => StoredBlobMetadata.ForWrite(new Dictionary<string, string> { [StoredBlobMetadata.Sha256Key] = sha }, sha);
        reserved.Should().Throw<ArgumentException>().WithMessage("*'swaptalk_sha256' is reserved*");
        var invalid = () => StoredBlobMetadata.ForWrite(new Dictionary<string, string> { ["Bad-Key"] = "v" }, sha);
        invalid.Should().Throw<ArgumentException>().WithMessage("*'Bad-Key'*");
    }

    [Fact]
    public void Block_ids_are_equal_length_per_blob_and_distinct_between_writers()
    {
        var a = Guid.NewGuid();
        var b = Guid.NewGuid();
        var ids = Enumerable.Range(0, BlockIds.MaxBlocks).Select(i => BlockIds.For(a, i)).ToList();
        ids.Select(i => i.Length).Distinct().Should().ContainSingle();
        ids.Should().OnlyHaveUniqueItems();
        Encoding.ASCII.GetString(Convert.FromBase64String(ids[0])).Length.Should().BeLessThanOrEqualTo(64, "Azure's limit before encoding");
        BlockIds.For(b, 0).Should().NotBe(ids[0]);
        var tooMany = () => BlockIds.For(a, BlockIds.MaxBlocks);
        tooMany.Should().Throw<ArgumentOutOfRangeException>();
    }
}
