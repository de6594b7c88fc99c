using SwapTalk.Bench;
using SwapTalk.Tests.Support;
using static SwapTalk.Tests.Pipeline.PipelineData;

namespace SwapTalk.Tests.Fleet;

/// <summary>
/// <c>swaptalk-bench fleet</c> end to end on a small clip: every side dubs, the rows are there with their references,
/// and nothing is left behind (Azurite and the workers stopped, Azurite's folder gone). No timing is asserted.
/// </summary>
public sealed class FleetBenchTests
{
    [Fact]
    public async Task Quick_run_dubs_embedded_and_on_one_and_two_workers_and_leaves_no_process_behind()
    {
        var ct = TestContext.Current.CancellationToken;
        var inputs = new FleetBenchInputs(Portrait, await ShortClipAsync(), null, await ModelsAsync(), 5, "GRID, 25 frames");
        using var dir = new TempDir("fleet-bench");
        var report = await new FleetBench(RepoPaths.Root, inputs).RunAsync(new BenchContext(dir.Path, Quick: true, _ => { }), ct);
        if (report.Notes.FirstOrDefault(n => n.StartsWith("skipped: Azurite")) is { } skipped)
        {
            if (Environment.GetEnvironmentVariable("CI") == "true" || Environment.GetEnvironmentVariable("SWAPTALK_REQUIRE_AZURITE") == "1") Assert.Fail(skipped);
            Assert.Skip(skipped);
        }
        TestContext.Current.TestOutputHelper?.WriteLine(report.ToMarkdown());

        var overhead = report.Rows.Single(r => r.Metric.StartsWith("fleet overhead: 1 worker, whole command"));
        overhead.ReferenceName.Should().StartWith("embedded");
        overhead.Goal.Should().Be("ratio <= 1.25");
        overhead.Ratio.Should().BePositive();
        report.Rows.Single(r => r.Metric.StartsWith("scaling: 2 workers")).ReferenceName.Should().Be("1 worker");
        report.Rows.Should().OnlyContain(r => r.Value > 0 && r.Case.EndsWith("25 frames in 5 segments"));

        // Who rendered what in the 2-worker run, from its report: the counts cover every segment.
        var byWorker = report.Notes.Single(n => n.StartsWith("Segments by worker with 2 workers: "));
        byWorker.Should().MatchRegex(@"worker-\d \d");
        byWorker.TrimEnd('.').Split(": ")[1].Split(", ").Sum(p => int.Parse(p.Split(' ')[1])).Should().Be(5);
        foreach (var side in new[] { "embedded", "fleet-1", "fleet-2", "embedded-2" })
            File.Exists(Path.Combine(dir.Path, "fleet", "runs", side, "dub.mp4")).Should().BeTrue(side);

        Directory.Exists(Path.Combine(dir.Path, "fleet", "azurite")).Should().BeFalse("the bench's Azurite folder is deleted");
        Running(dir.Path).Should().BeEmpty("the bench's Azurite is stopped");
        Running($"w1{Environment.ProcessId}").Should().BeEmpty("the workers of both fleet runs (task hubs bench1w1PID, bench2w1PID) are stopped");
    }

    /// <summary>Processes whose command line holds <paramref name="text"/>.</summary>
    private static List<string> Running(string text)
    {
        var found = new List<string>();
        foreach (var proc in Directory.EnumerateDirectories("/proc").Where(d => int.TryParse(Path.GetFileName(d), out _)))
        {
            try
            {
                var command = File.ReadAllText(Path.Combine(proc, "cmdline")).Replace('\0', ' ');
                if (command.Contains(text, StringComparison.Ordinal)) found.Add(command);
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return found;
    }
}
