using System.CommandLine;
using System.Text.Json;
using SwapTalk.Cli;
using static SwapTalk.Tests.Pipeline.PipelineData;

namespace SwapTalk.Tests.Pipeline;

/// <summary><c>swaptalk dub</c> run in-process through the real command tree: output, JSON, exit codes, Ctrl-C and resume.</summary>
public sealed class DubCommandTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<(int Code, string Out, string Err)> Run(CancellationToken cancellationToken, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await Program.InvokeAsync(args, new InvocationConfiguration { Output = stdout, Error = stderr }, cancellationToken);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static async Task<string[]> Args(string output, params string[] extra) =>
    [
        "dub", "--face", Portrait, "--video", await ShortClipAsync(), "--audio", await SilenceAsync(1), "--models", await ModelsAsync(),
        "--out", output, "--preset", "ultrafast", "--engine", "latent", .. extra, // the data flow of the probe models
    ];

    [Fact]
    public async Task Json_mode_prints_one_result_object_and_nothing_else_on_stdout()
    {
        var dir = Path.Combine(Dir, $"cli-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        var output = Path.Combine(dir, "dub.mp4");
        var (code, stdout, stderr) = await Run(Ct, await Args(output, "--json", "--telemetry", Path.Combine(dir, "telemetry.json")));

        code.Should().Be(0, stderr);
        using var json = JsonDocument.Parse(stdout); // throws if anything but one JSON value is on stdout
        var root = json.RootElement;
        root.GetProperty("output").GetString().Should().Be(output);
        root.GetProperty("frames").GetInt32().Should().Be(25);
        root.GetProperty("jobId").GetString().Should().StartWith("job-");
        root.GetProperty("seconds").GetDouble().Should().BeGreaterThan(0);
        root.GetProperty("peakMemoryBytes").GetInt64().Should().BeGreaterThan(0);
        File.Exists(root.GetProperty("report").GetString()).Should().BeTrue();
        File.Exists(output).Should().BeTrue();
        root.GetProperty("preview").GetString().Should().Be(Path.Combine(dir, "dub.preview.png"));
        using (var sheet = SwapTalk.Core.Imaging.ImageFile.Read(root.GetProperty("preview").GetString()!))
            sheet.Width.Should().BeGreaterThan(sheet.Height, "pairs of frames side by side under a header");
        stderr.Should().Contain("rendering: 1/1 segments", "progress goes to stderr in JSON mode");

        using var telemetry = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(dir, "telemetry.json"), Ct));
        var spans = telemetry.RootElement.GetProperty("spans").EnumerateArray().Select(s => s.GetProperty("name").GetString()).ToList();
        spans.Should().Contain(["activity RenderSegment", "stage encode", "stage swap", "stage sync", "stage decode-vq", "stage paste"]);
    }

    [Fact]
    public async Task Plain_mode_prints_progress_lines_the_output_and_the_report_path()
    {
        var dir = Path.Combine(Dir, $"cli-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        var (code, stdout, stderr) = await Run(Ct, await Args(Path.Combine(dir, "dub.mp4"), "--work", Path.Combine(dir, "work")));
        code.Should().Be(0, stderr);
        stdout.Should().Contain("dub: preview: " + Path.Combine(dir, "dub.preview.png"));
        stdout.Should().Contain("dub: rendering: 1/1 segments, 25/25 frames").And.Contain("frames/s")
            .And.Contain("dub: report: " + Path.Combine(dir, "work", "jobs")).And.Contain("render stages (work seconds, share): probe");
    }

    [Fact]
    public async Task No_preview_writes_no_sheet_and_reports_none()
    {
        var dir = Path.Combine(Dir, $"cli-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        var (code, stdout, stderr) = await Run(Ct, await Args(Path.Combine(dir, "dub.mp4"), "--json", "--no-preview"));
        code.Should().Be(0, stderr);
        using var json = JsonDocument.Parse(stdout);
        json.RootElement.GetProperty("preview").ValueKind.Should().Be(JsonValueKind.Null);
        File.Exists(Path.Combine(dir, "dub.preview.png")).Should().BeFalse();
    }

    [Fact]
    public async Task Ctrl_C_exits_3_keeping_finished_segments_and_the_same_command_resumes()
    {
        var dir = Path.Combine(Dir, $"cli-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        var work = Path.Combine(dir, "work");
        var args = await Args(Path.Combine(dir, "dub.mp4"), "--work", work, "--segment-frames", "5", "--parallel", "1", "--json");

        // Stop as soon as a segment is stored, as a user's Ctrl-C would (Main turns it into this token).
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var watcher = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                if (Directory.Exists(work) && Directory.EnumerateFiles(work, "*.mp4", SearchOption.AllDirectories).Any(f => f.Contains("segments"))) stop.Cancel();
                await Task.Delay(20, CancellationToken.None);
            }
        }, CancellationToken.None);
        var (code, stdout, stderr) = await Run(stop.Token, args);
        await watcher;
        code.Should().Be(3, stderr);
        stderr.Should().Contain("cancelled").And.Contain("run the same command again to resume");
        using (var cancelled = JsonDocument.Parse(stdout)) // --json: one object on a stop too
            cancelled.RootElement.GetProperty("exitCode").GetInt32().Should().Be(3);

        var (again, json, err) = await Run(Ct, args);
        again.Should().Be(0, err);
        using var result = JsonDocument.Parse(json);
        result.RootElement.GetProperty("segmentsReused").GetInt32().Should().BeGreaterThan(0);
        (result.RootElement.GetProperty("segmentsReused").GetInt32() + result.RootElement.GetProperty("segmentsRendered").GetInt32()).Should().Be(5);
    }

    [Fact]
    public async Task SIGTERM_to_the_swaptalk_process_stops_the_job_cleanly_with_exit_3()
    {
        var dir = Path.Combine(Dir, $"cli-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        var work = Path.Combine(dir, "work");
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "swaptalk.dll"));
        // The 50-frame clip in 5-frame segments, one at a time: time to stop it between segments.
        var args = await Args(Path.Combine(dir, "dub.mp4"), "--work", work, "--segment-frames", "5", "--parallel", "1");
        args[Array.IndexOf(args, "--video") + 1] = await GapClipAsync();
        args[Array.IndexOf(args, "--audio") + 1] = await SilenceAsync(2);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var process = System.Diagnostics.Process.Start(psi)!;
        var stderr = process.StandardError.ReadToEndAsync(Ct);
        var stdout = process.StandardOutput.ReadToEndAsync(Ct);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!(Directory.Exists(work) && Directory.EnumerateFiles(work, "*.mp4", SearchOption.AllDirectories).Any(f => f.Contains("segments"))))
        {
            if (process.HasExited) Assert.Fail($"swaptalk exited {process.ExitCode} before storing a segment: {await stderr}");
            DateTime.UtcNow.Should().BeBefore(deadline, "a segment should be stored within a minute");
            await Task.Delay(20, Ct);
        }
        process.HasExited.Should().BeFalse("the job is still rendering its other segments");
        Kill(process.Id, 15).Should().Be(0);
        await process.WaitForExitAsync(Ct);
        process.ExitCode.Should().Be(3, await stderr);
        (await stderr).Should().Contain("run the same command again to resume");
        Directory.EnumerateFiles(Path.Combine(work, ".tmp")).Should().BeEmpty("nothing half-written is left");
        _ = await stdout;
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill")]
    private static extern int Kill(int pid, int signal);

    [Fact]
    public async Task Bad_input_exits_2_naming_every_problem()
    {
        var dir = Path.Combine(Dir, $"cli-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        var missing = Path.Combine(dir, "nobody.png");
        var (code, _, stderr) = await Run(Ct, "dub", "--face", missing, "--video", Path.Combine(dir, "nothing.mp4"), "--models", await ModelsAsync(), "--out", Path.Combine(dir, "o.mp4"));
        code.Should().Be(2);
        stderr.Should().Contain("bad input (2 problems)").And.Contain($"--face: '{missing}' does not exist").And.Contain("--video: ");

        (code, _, stderr) = await Run(Ct, await Args(Path.Combine(dir, "o.mkv")));
        code.Should().Be(2);
        stderr.Should().Contain("must end in .mp4");

        var faceless = await FacelessPortraitAsync();
        var args = await Args(Path.Combine(dir, "o.mp4"));
        args[2] = faceless;
        (code, _, stderr) = await Run(Ct, args);
        code.Should().Be(2);
        stderr.Should().Contain($"--face: no face found in '{faceless}'");

        var empty = Directory.CreateDirectory(Path.Combine(dir, "models-partial")).FullName;
        File.Copy(Path.Combine(await ModelsAsync(), "vq_encoder.onnx"), Path.Combine(empty, "vq_encoder.onnx"));
        args = await Args(Path.Combine(dir, "o.mp4"));
        args[Array.IndexOf(args, "--models") + 1] = empty;
        (code, _, stderr) = await Run(Ct, args);
        code.Should().Be(2);
        stderr.Should().Contain("models").And.Contain("face_detector");
    }

    [Fact]
    public async Task Usage_errors_exit_2_not_1()
    {
        var (code, _, stderr) = await Run(Ct, "dub", "--face", "a.png", "--bogus");
        code.Should().Be(2);
        stderr.Should().Contain("--bogus");
        (code, _, _) = await Run(Ct, "dub", "--face", "a.png", "--video", "v.mp4", "--out", "o.mp4", "--policy", "sideways");
        code.Should().Be(2);
        (code, _, _) = await Run(Ct, "no-such-command");
        code.Should().Be(2);
    }
}
