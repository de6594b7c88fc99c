using SwapTalk.Core.Jobs;
using SwapTalk.Http;

namespace SwapTalk.Functions.Tests.Triggers;

public class TriggerInstanceIdTests
{
    [Fact]
    public void Same_blob_and_etag_give_the_same_id_however_the_etag_is_spelt()
    {
        var id = TriggerInstanceIds.FromInboxBlob("alice/job.json", "\"0x8DC1F2A3B4C5D6E\"");
        TriggerInstanceIds.FromInboxBlob("alice/job.json", "0x8DC1F2A3B4C5D6E").Should().Be(id, "headers quote ETags, payloads may not");
        TriggerInstanceIds.FromInboxBlob("alice/job.json", " W/\"0x8DC1F2A3B4C5D6E\" ").Should().Be(id);
        id.Should().StartWith("inbox-").And.HaveLength("inbox-".Length + 20);
        JobIds.IsValid(id).Should().BeTrue("a trigger's id is a job id and a Durable instance id");
    }

    [Fact]
    public void A_new_etag_or_another_blob_gives_a_new_id()
    {
        var id = TriggerInstanceIds.FromInboxBlob("alice/job.json", "0x1");
        TriggerInstanceIds.FromInboxBlob("alice/job.json", "0x2").Should().NotBe(id, "re-uploading a manifest is a new version: a new job");
        TriggerInstanceIds.FromInboxBlob("alice/job2.json", "0x1").Should().NotBe(id);
        TriggerInstanceIds.FromInboxBlob("alice/job.json", "0x1").Should().Be(id);
    }

    [Fact]
    public void The_inbox_id_is_the_documented_hash_so_a_caller_can_compute_it()
    {
        // docs/azure.md: "inbox-" + 20 hex of sha256("17:swaptalk-inbox-v1\n{len}:{name}\n{len}:{etag}\n").
        TriggerInstanceIds.FromInboxBlob("alice/job.json", "\"0x8DC01\"").Should().Be("inbox-ae595106430f7ed7935e");
    }

    [Fact]
    public void Parts_cannot_run_into_each_other()
    {
        TriggerInstanceIds.FromInboxBlob("a/b", "c").Should().NotBe(TriggerInstanceIds.FromInboxBlob("a", "b/c"));
        TriggerInstanceIds.FromBatchLine("b1", "v", 11).Should().NotBe(TriggerInstanceIds.FromBatchLine("b", "1v", 11));
    }

    [Fact]
    public void An_empty_etag_is_refused_rather_than_treated_as_one_version()
    {
        foreach (var etag in new[] { "", "  ", "\"\"", "W/\"\"", null })
        {
            var id = () => TriggerInstanceIds.FromInboxBlob("a.json", etag!);
            id.Should().Throw<ArgumentException>().WithMessage("*ETag is empty*");
        }
    }

    [Fact]
    public void Batch_lines_get_one_id_each_from_name_version_and_line()
    {
        var ids = Enumerable.Range(1, 500).Select(n => TriggerInstanceIds.FromBatchLine("nightly.jsonl", "abc", n)).ToList();
        ids.Should().OnlyHaveUniqueItems().And.OnlyContain(id => id.StartsWith("batch-") && JobIds.IsValid(id));
        TriggerInstanceIds.FromBatchLine("nightly.jsonl", "abc", 7).Should().Be(ids[6]);
        TriggerInstanceIds.FromBatchLine("nightly.jsonl", "abd", 7).Should().NotBe(ids[6], "a changed file is a new batch");
        TriggerInstanceIds.FromBatchLine("other.jsonl", "abc", 7).Should().NotBe(ids[6]);
        var zero = () => TriggerInstanceIds.FromBatchLine("b", "v", 0);
        zero.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void Api_ids_follow_the_idempotency_key_and_the_request()
    {
        var id = TriggerInstanceIds.FromApiRequest("key-1", "{\"a\":1}");
        TriggerInstanceIds.FromApiRequest("key-1", "{\"a\":1}").Should().Be(id);
        TriggerInstanceIds.FromApiRequest("key-2", "{\"a\":1}").Should().NotBe(id);
        TriggerInstanceIds.FromApiRequest("key-1", "{\"a\":2}").Should().NotBe(id, "one key reused for another request must not return the first job");
        id.Should().StartWith("api-");
        JobIds.IsValid(id).Should().BeTrue();
    }
}
