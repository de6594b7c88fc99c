using SwapTalk.Core.Activities;
using SwapTalk.Core.Execution;
using SwapTalk.Core.Storage;
using static SwapTalk.Tests.Pipeline.PipelineData;

namespace SwapTalk.Tests.Pipeline;

/// <summary>Resume after a stop over a real dub (replay is the Durable test host's: tests/SwapTalk.Functions.Durable.Tests).</summary>
public sealed class ResumeAndReplayTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Reports executor events on the calling thread (System.Progress would post them later).</summary>
    private sealed class Events(Action<ExecutionEvent> onEvent) : IProgress<ExecutionEvent>
    {
        public void Report(ExecutionEvent value) => onEvent(value);
    }

    [Fact]
    public async Task A_stopped_job_resumes_rendering_only_the_missing_segments_and_matches_an_uninterrupted_run_bit_for_bit()
    {
        var request = await Dubs.BaselineRequest();
        var work = Path.Combine(Dir, $"resume-{Guid.NewGuid():N}");
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        // One activity at a time, stopped as soon as the first segment is stored.
        var events = new Events(e => { if (e is ActivitySucceeded { Output: RenderSegmentResult }) stop.Cancel(); });
        var interrupted = () => DubAsync(request, work, new LocalExecutorOptions { MaxParallelActivities = 1, Progress = events }, stop.Token);
        await interrupted.Should().ThrowAsync<OperationCanceledException>();

        var store = new FileSystemBlobStore(work);
        var jobFolders = await store.ListAsync("jobs/", Ct).Select(b => b.Name.Split('/')[1]).Distinct().ToListAsync(Ct);
        var jobId = jobFolders.Should().ContainSingle().Subject;
        var stored = await store.ListAsync(BlobNames.SegmentsPrefix(jobId), Ct).ToListAsync(Ct);
        stored.Should().NotBeEmpty().And.HaveCountLessThan(3, "the job stopped after its first segment");
        var hashes = new Dictionary<string, string>();
        foreach (var s in stored) hashes[s.Name] = (await store.GetPropertiesAsync(s.Name, Ct))!.ContentHash;
        (await store.ExistsAsync(BlobNames.Report(jobId), Ct)).Should().BeFalse("a cancelled job has no report yet");

        var resumed = await DubAsync(request, work, cancellationToken: Ct);
        resumed.Result.Result.JobId.Should().Be(jobId, "the same request is the same job");
        resumed.Report.SegmentsReused.Should().Be(stored.Count);
        resumed.Report.SegmentsRendered.Should().Be(3 - stored.Count, "only the missing segments render");
        foreach (var (name, hash) in hashes)
            (await store.GetPropertiesAsync(name, Ct))!.ContentHash.Should().Be(hash, $"{name} was reused, not rewritten");

        var uninterrupted = await Dubs.Baseline();
        var expected = await FramesAsync(uninterrupted.Output);
        var actual = await FramesAsync(resumed.Output);
        actual.Should().HaveCount(expected.Length);
        for (var i = 0; i < expected.Length; i++)
            actual[i].AsSpan().SequenceEqual(expected[i]).Should().BeTrue($"frame {i} equals the uninterrupted run's");
        (await Engine.ReadSpeechAsync(resumed.Output, Ct)).Should().Equal(await Engine.ReadSpeechAsync(uninterrupted.Output, Ct), "the audio too");
    }
}
