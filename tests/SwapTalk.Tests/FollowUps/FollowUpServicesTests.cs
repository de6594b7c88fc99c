using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using SwapTalk.Cli;
using SwapTalk.Core.Activities;
using SwapTalk.Core.Composition;
using SwapTalk.Core.Evaluation;
using SwapTalk.Core.Execution;
using SwapTalk.Core.FollowUps;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Models;
using SwapTalk.Core.Models.Probes;
using SwapTalk.Core.Storage;
using SwapTalk.Tests.Support;
using static SwapTalk.Tests.Evaluation.EvaluationData;

namespace SwapTalk.Tests.FollowUps;

/// <summary>
/// What runs after a dub, as Core services from the composition root with no command line: the preview sheet, the
/// report's notes, the evaluation added to report.json; and <c>swaptalk eval</c> printing what the same service computes.
/// </summary>
public sealed class FollowUpServicesTests
{
    [Fact]
    public async Task A_job_run_from_the_composition_root_gets_its_preview_notes_and_evaluation_without_the_command_line()
    {
        var ct = TestContext.Current.CancellationToken;
        using var temp = new TempDir("swaptalk-followups");
        var models = Path.Combine(temp.Path, "models");
        Directory.CreateDirectory(models);
        ProbeModels.WriteAll(models, ModelManifest.Default, force: false);
        foreach (var file in new[] { "yunet_n_dynamic.onnx", "peppa_slim_160_68pt.onnx" })
            File.Copy(SharedData.Model(file), Path.Combine(models, file));
        var video = await ShortGridClipAsync();
        var output = Path.Combine(temp.Path, "dub.mkv");
        var work = Path.Combine(temp.Path, "work");
        using var provider = new ServiceCollection()
            .AddSingleton<IBlobStore>(new FileSystemBlobStore(work))
            .AddSingleton(new SwapTalkHostSettings(null, new PipelineOptions { ScratchDirectory = Path.Combine(work, ".scratch") }))
            .AddSwapTalk(new ConfigurationBuilder().AddEnvironmentVariables().Build())
            .BuildServiceProvider();
        var services = provider.GetRequiredService<PipelineServices>();
        var store = provider.GetRequiredService<IBlobStore>();
        var request = new JobRequest
        {
            Portrait = SharedData.Face, Video = video, Models = models, Output = output,
            Options = new JobOptions { Engine = DubEngine.Latent, Quality = new OutputQuality { Lossless = true } },
        };
        var result = await new LocalJobRunner(store, provider.GetRequiredService<ActivityRegistry>(), new LocalExecutorOptions { MaxParallelActivities = 2 },
            PipelineActivities.UpFrontInspector(services, models), PipelineActivities.Inventory(services)).RunAsync(request, cancellationToken: ct);
        var jobId = result.Result.JobId;
        File.Exists(output).Should().BeTrue();

        // The preview sheet: written where asked, the header from the plan; a sheet that cannot be written is a warning, not an exception.
        var sheet = provider.GetRequiredService<PreviewSheet>();
        var warnings = new List<string>();
        var sheetPath = Path.Combine(temp.Path, "dub.preview.png");
        IReadOnlyList<string>? header = null;
        var written = await sheet.TryWriteAsync(store, jobId, plan => header = PreviewSheet.DubHeader(jobId, plan, request, "CREDIT LINE"),
            SharedData.Face, video, output, sheetPath, warnings.Add, ct);
        written.Should().Be(sheetPath);
        warnings.Should().BeEmpty();
        (await File.ReadAllBytesAsync(sheetPath, ct)).Take(4).Should().Equal(0x89, (byte)'P', (byte)'N', (byte)'G');
        header.Should().Equal($"SWAPTALK DUB  {jobId}", $"PORTRAIT {Path.GetFileName(SharedData.Face)}   VIDEO grid30.mkv   AUDIO (THE VIDEO'S OWN)",
            "30 FRAMES AT 25 FPS, 360X288, self-driven, ping-pong", "ENGINE LATENT", "CREDIT LINE");
        var blocked = Path.Combine(sheetPath, "under-a-file.png"); // its folder is a file
        (await sheet.TryWriteAsync(store, jobId, plan => PreviewSheet.PageHeader(jobId, plan), SharedData.Face, video, output, blocked, warnings.Add, ct))
            .Should().BeNull();
        warnings.Should().ContainSingle().Which.Should().NotBeNullOrWhiteSpace();
        File.Exists(blocked).Should().BeFalse();

        // The evaluation and the notes go into report.json beside every field the job wrote.
        var evaluation = provider.GetRequiredService<DubEvaluation>();
        var evalRequest = new EvaluationRequest { Video = output, Portrait = SharedData.Face, Original = video, LongerOutput = DubEvaluation.RuleFor(LengthPolicy.PingPong) };
        var image = Path.Combine(temp.Path, "core", "dub.eval.png");
        Directory.CreateDirectory(Path.GetDirectoryName(image)!);
        var measured = await evaluation.EvaluateAsync(evalRequest, models, IdentityModel, image, cancellationToken: ct);
        measured.Frames.Should().Be(30);
        measured.Mode.Should().Be("self-driven");
        File.Exists(image).Should().BeTrue();
        var editor = provider.GetRequiredService<JobReportEditor>();
        await editor.AddNotesAsync(result.Result.ReportBlob, [new ReportNote("checked", "a note from a test", new { by = "test" })]);
        await editor.AddEvaluationAsync(result.Result.ReportBlob, measured);
        var report = JsonNode.Parse(await store.ReadTextAsync(result.Result.ReportBlob, ct))!.AsObject();
        report["jobId"]!.GetValue<string>().Should().Be(jobId);
        report["outputFrames"]!.GetValue<int>().Should().Be(30);
        report["notes"]!.AsArray().Select(n => n!.GetValue<string>()).Should().Contain("a note from a test");
        report["checked"]!["by"]!.GetValue<string>().Should().Be("test");
        report["evaluation"]!["frames"]!.GetValue<int>().Should().Be(30);
        report["evaluation"]!["identity"]!["toOriginal"]!.GetValue<double>().Should().Be(measured.Identity.ToOriginal!.Value);

        // swaptalk eval prints what the Core service computed (bar where the image went).
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await Program.InvokeAsync(["eval", "--video", output, "--portrait", SharedData.Face, "--original", video, "--models", models,
            "--identity-model", IdentityModel, "--out", Path.Combine(temp.Path, "cli"), "--json"], new InvocationConfiguration { Output = stdout, Error = stderr }, ct);
        code.Should().Be(0, stderr.ToString());
        var fromCli = JsonNode.Parse(stdout.ToString())!.AsObject();
        var fromCore = JsonSerializer.SerializeToNode(measured, FollowUpJson.Options)!.AsObject();
        fromCli.Remove("image");
        fromCore.Remove("image");
        fromCli.ToJsonString().Should().Be(fromCore.ToJsonString());
    }
}
