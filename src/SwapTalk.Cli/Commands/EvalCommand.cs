using System.CommandLine;
using System.Text.Json;
using SwapTalk.Cli.Hosting;
using SwapTalk.Core.FollowUps;
using SwapTalk.Core.Models;

namespace SwapTalk.Cli.Commands;

/// <summary>
/// <c>swaptalk eval --video OUT --portrait P [--original V] [--audio A] [--gallery DIR] [--out DIR] [--json]</c>:
/// the paper's metrics where models allow (identity, lip sync, image quality), a readable summary or one JSON
/// object on stdout, and a PNG of per-frame curves and frames. Exit codes: 0 fine, 2 bad input (a missing or
/// unreadable file, no face in the portrait or the clip, models missing), 1 anything else.
/// </summary>
internal static class EvalCommand
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int BadInput = 2;
    public const int Cancelled = 3;

    /// <summary>The JSON the command prints; +-infinity (a PSNR of identical frames) is written as "Infinity".</summary>
    internal static readonly JsonSerializerOptions Json = FollowUpJson.Options;

    public static Command Create()
    {
        var options = new EvalOptions();
        var command = new Command("eval", "Measure a talking-face video: identity to the portrait, lip sync to the audio, image quality against the original");
        foreach (var o in options.All) command.Options.Add(o);
        command.SetAction(async (parse, ct) =>
        {
            var request = options.Request(parse);
            var imagePath = DubEvaluation.ImagePathFor(request.Video, parse.GetValue(options.Output));
            var (stdout, stderr, json) = (parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, parse.GetValue(options.Json));
            var fail = new CommandFailures("eval", stdout, stderr, json);
            try
            {
                // Every input and the image's location first, all problems at once; the image never replaces an input.
                var problems = options.Problems(parse, request, imagePath);
                if (problems.Count > 0) return fail.BadInput(problems);
                Core.Files.AtomicFile.RemoveLeftovers(imagePath);
                using var host = CliHost.Build();
                var errors = new StringWriter();
                var (code, result) = await EvaluationRun.RunAsync(host.Services, request, ModelCatalog.ResolveDirectory(parse.GetValue(options.Models)),
                    parse.GetValue(options.Identity), imagePath, errors, ct, parse.GetValue(options.Reference));
                stderr.Write(errors.ToString());
                // --json: one object on stdout on failure too (the message is on stderr already).
                if (result is null && json) stdout.WriteLine(JsonSerializer.Serialize(new { ok = false, exitCode = code, error = errors.ToString().Trim() }, Json));
                else if (json) stdout.WriteLine(JsonSerializer.Serialize(result, Json));
                else if (result is not null) EvaluationSummary.Write(stdout, result);
                return code;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return fail.Cancelled("cancelled");
            }
            catch (Exception e)
            {
                return fail.Unexpected(e, "the evaluation");
            }
        });
        return command;
    }
}
