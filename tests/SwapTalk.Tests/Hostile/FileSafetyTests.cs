using Microsoft.DurableTask;
using SwapTalk.Core.Files;
using SwapTalk.Core.Workflow;
using SwapTalk.Tests.Support;

namespace SwapTalk.Tests.Hostile;

/// <summary>The output-safety module on its own: same-file identity, the work-folder lock, leftovers of killed runs, the retry decision.</summary>
public sealed class FileSafetyTests
{
    [Fact]
    public void Hard_links_and_symlinks_are_the_same_file_and_copies_are_not()
    {
        using var dir = new TempDir("swaptalk-files");
        var a = Path.Combine(dir.Path, "a.png");
        File.WriteAllText(a, "portrait");
        var copy = Path.Combine(dir.Path, "copy.png");
        File.Copy(a, copy);
        var sym = Path.Combine(dir.Path, "sym.png");
        File.CreateSymbolicLink(sym, a);
        var hard = Path.Combine(dir.Path, "hard.png");
        link(a, hard).Should().Be(0);

        FileIdentity.Same(a, sym).Should().BeTrue();
        FileIdentity.Same(a, hard).Should().BeTrue();
        FileIdentity.Same(a, Path.Combine(dir.Path, ".", "a.png")).Should().BeTrue();
        FileIdentity.Same(a, copy).Should().BeFalse();
        FileIdentity.Same(a, Path.Combine(dir.Path, "new.png")).Should().BeFalse();
    }

    [Fact]
    public async Task A_held_work_folder_is_refused_naming_the_holder_and_a_dead_holders_lock_is_taken_over()
    {
        using var dir = new TempDir("swaptalk-files");
        var work = Path.Combine(dir.Path, "work");
        using (WorkFolderLock.Acquire(work, "first"))
        {
            var second = () => WorkFolderLock.Acquire(work, "second");
            second.Should().Throw<WorkFolderBusyException>()
                .Which.Message.Should().Contain(work).And.Contain($"process {Environment.ProcessId}").And.Contain("first");
        }

        // A killed run: its owner file names a process that no longer runs, and its temporary files stayed.
        var dead = await DeadPidAsync();
        File.WriteAllText(Path.Combine(work, ".lock.owner"), $"{dead} swaptalk dub");
        Directory.CreateDirectory(Path.Combine(work, ".scratch", "seg-0001"));
        File.WriteAllBytes(Path.Combine(work, ".scratch", "seg-0001", "frames.raw"), new byte[100_000]);
        Directory.CreateDirectory(Path.Combine(work, ".tmp"));
        File.WriteAllBytes(Path.Combine(work, ".tmp", "0123.mkv"), new byte[50_000]);
        using (var taken = WorkFolderLock.Acquire(work, "third", [".scratch", ".tmp"]))
        {
            taken.LeftoverBytesRemoved.Should().Be(150_000);
            Directory.EnumerateFiles(work, "*", SearchOption.AllDirectories).Select(Path.GetFileName)
                .Should().BeEquivalentTo([".lock", ".lock.owner"]);
        }
    }

    [Fact]
    public async Task Temporary_files_of_dead_processes_beside_an_output_are_removed_and_a_live_ones_are_kept()
    {
        using var dir = new TempDir("swaptalk-files");
        var output = Path.Combine(dir.Path, "out.mp4");
        var dead = await DeadPidAsync();
        var leftovers = new[] { $".out.mp4.swaptalk-{dead}.partial.mp4", $"out.mp4.{dead}.partial", $"out.mp4.{dead}.tmp" };
        foreach (var name in leftovers) File.WriteAllBytes(Path.Combine(dir.Path, name), new byte[10]);
        var live = Path.GetFileName(AtomicFile.TempPathFor(output));
        File.WriteAllBytes(Path.Combine(dir.Path, live), new byte[10]);
        File.WriteAllBytes(Path.Combine(dir.Path, "other.mp4.123.partial"), new byte[10]);

        AtomicFile.RemoveLeftovers(output).Should().Be(30);
        Directory.EnumerateFiles(dir.Path).Select(Path.GetFileName).Should().BeEquivalentTo([live, "other.mp4.123.partial"]);
    }

    [Fact]
    public async Task An_atomic_write_that_fails_leaves_nothing_at_the_final_path_and_an_old_file_intact()
    {
        using var dir = new TempDir("swaptalk-files");
        var output = Path.Combine(dir.Path, "out.mp4");
        File.WriteAllText(output, "old");
        var failing = () => AtomicFile.WriteAsync(output, async temp =>
        {
            await File.WriteAllTextAsync(temp, "half");
            throw new IOException("disk gone");
        });
        await failing.Should().ThrowAsync<IOException>();
        File.ReadAllText(output).Should().Be("old");
        Directory.EnumerateFiles(dir.Path).Should().ContainSingle();
    }

    [Theory]
    [InlineData("System.IO.IOException", "No space left on device : '/w/.tmp/x.mkv'", false)]
    [InlineData("SwapTalk.Core.Media.MediaException", "'/w/seg.mkv': ffmpeg failed: av_interleaved_write_frame(): No space left on device", false)]
    [InlineData("System.UnauthorizedAccessException", "Access to the path '/w/x' is denied.", false)]
    [InlineData("System.IO.IOException", "Read-only file system : '/w/x'", false)]
    [InlineData("SwapTalk.Core.Jobs.BadInputException", "bad input: video: no frames", false)]
    [InlineData("System.Net.Sockets.SocketException", "Connection reset by peer", true)]
    [InlineData("System.TimeoutException", "the GPU was busy", true)]
    public void Failures_a_retry_cannot_fix_are_never_retried(string type, string message, bool retried)
    {
        JobRetry.IsTransient(new TaskFailureDetails(type, message, null, null, null)).Should().Be(retried);
        // Wrapped by an orchestration (as Durable and the fleet report a sub-orchestration's failure), the same.
        JobRetry.IsTransient(new TaskFailureDetails("Microsoft.DurableTask.TaskFailedException", "activity failed", null,
            new TaskFailureDetails(type, message, null, null, null), null)).Should().Be(retried);
    }

    [Fact]
    public void The_no_space_sentence_names_the_folder_and_the_size()
    {
        EnvironmentFailures.Sentence(EnvironmentFailure.NoSpace, "/data/work", 30L << 20)
            .Should().StartWith("no space left on device writing /data/work (this job needs about 30 MB there)");
        EnvironmentFailures.Classify(new IOException("No space left on device : '/x'", 28)).Should().Be(EnvironmentFailure.NoSpace);
    }

    /// <summary>The id of a process that has just exited (so no process runs under it, for a while).</summary>
    private static async Task<int> DeadPidAsync()
    {
        using var p = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("true") { UseShellExecute = false })!;
        await p.WaitForExitAsync();
        return p.Id;
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int link(string existing, string created);
}

/// <summary>Read-only folders (a read-only tmpfs: root-only, like the full-disk case) are found before any work.</summary>
public sealed class ReadOnlyFolderTests
{
    [Fact]
    public async Task A_read_only_out_folder_or_work_folder_is_refused_up_front_naming_it()
    {
        Mounts.RequireRoot("mounting a read-only tmpfs needs root");
        using var dir = new TempDir("swaptalk-readonly");
        var locked = Directory.CreateDirectory(Path.Combine(dir.Path, "locked")).FullName;
        await Mounts.Sh("mount", "-t", "tmpfs", "-o", "size=64k,ro", "tmpfs", locked);
        try
        {
            var models = await SwapTalk.Tests.Pipeline.PipelineData.ModelsAsync();
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            var code = await SwapTalk.Cli.Program.InvokeAsync(
                ["dub", "--face", SwapTalk.Tests.Pipeline.PipelineData.Portrait, "--video", await SwapTalk.Tests.Pipeline.PipelineData.ShortClipAsync(),
                 "--models", models, "--out", Path.Combine(locked, "out.mp4"), "--work", Path.Combine(locked, "work"), "--telemetry", Path.Combine(locked, "t.json")],
                new System.CommandLine.InvocationConfiguration { Output = stdout, Error = stderr }, TestContext.Current.CancellationToken);
            code.Should().Be(2, stderr.ToString());
            stderr.ToString().Should().Contain("--out").And.Contain("--work").And.Contain("--telemetry").And.Contain($"'{locked}' is not writable (read-only file system)")
                .And.NotContain("   at ");
        }
        finally
        {
            await Mounts.Sh("umount", "-l", locked);
        }
    }

    [Fact]
    public void An_unexpected_failure_is_one_line_with_a_log_file_holding_the_stack_trace()
    {
        using var dir = new TempDir("swaptalk-log");
        var stderr = new StringWriter();
        var stdout = new StringWriter();
        Environment.SetEnvironmentVariable("SWAPTALK_LOG_DIR", dir.Path);
        int code;
        try
        {
            Exception thrown;
            try { throw new InvalidOperationException("the frame queue broke\nsecond line"); }
            catch (InvalidOperationException e) { thrown = e; }
            code = new SwapTalk.Cli.Commands.CommandFailures("dub", stdout, stderr, json: true).Unexpected(thrown, "the dub");
        }
        finally
        {
            Environment.SetEnvironmentVariable("SWAPTALK_LOG_DIR", null);
        }
        code.Should().Be(1);
        var line = stderr.ToString().TrimEnd();
        line.Should().NotContain("\n").And.Contain("the dub failed unexpectedly: InvalidOperationException: the frame queue broke").And.Contain(dir.Path);
        var log = Directory.EnumerateFiles(dir.Path).Should().ContainSingle().Subject;
        File.ReadAllText(log).Should().Contain("   at ").And.Contain("second line");
        using var json = System.Text.Json.JsonDocument.Parse(stdout.ToString());
        json.RootElement.GetProperty("log").GetString().Should().Be(log);
    }
}

/// <summary>Before rendering, the output's length is said, with a warning when a long audio makes it dwarf the video.</summary>
public sealed class OutputLengthTests
{
    [Theory]
    [InlineData(600.0, 15000, true)]
    [InlineData(3.0, 75, false)]
    public void The_output_length_is_announced_and_a_tenfold_one_is_warned_about(double audioSeconds, int frames, bool warned)
    {
        var request = new SwapTalk.Core.Jobs.JobRequest { Portrait = "/p.png", Video = "/v.mp4", Audio = "/long.wav", Models = "/m" };
        var validation = new SwapTalk.Core.Jobs.JobValidationResult([], null,
            new SwapTalk.Core.Jobs.VideoFacts(25, new SwapTalk.Core.Media.Rational(25, 1), 360, 288, 1.0, true, 1.0),
            new SwapTalk.Core.Jobs.AudioFacts(audioSeconds, 16000, 1));
        var writer = new StringWriter();
        SwapTalk.Cli.Commands.DubAnnouncements.AnnounceLength(writer, request, validation);
        writer.ToString().Should().Contain($"the output will have {frames} frames").And.Contain("the video has 25");
        if (warned) writer.ToString().Should().Contain("warning: the output will be 600 times as long as the video").And.Contain("/long.wav").And.Contain("--policy trim");
        else writer.ToString().Should().NotContain("warning");
    }
}
