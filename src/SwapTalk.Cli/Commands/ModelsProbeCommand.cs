using System.CommandLine;
using SwapTalk.Core.Models.Probes;

namespace SwapTalk.Cli.Commands;

/// <summary><c>swaptalk models probe DIR</c>: write the contract-exact probe models into DIR, never over a trained export without --force.</summary>
internal static class ModelsProbeCommand
{
    public static Command Create()
    {
        var dir = new Argument<DirectoryInfo>("DIR") { Description = "folder to write the probe models into (created if absent)" };
        var force = new Option<bool>("--force") { Description = "replace existing files even when they are not probe models (trained exports)" };
        var manifestOption = ModelsCommand.ManifestOption();
        var command = new Command("probe", "Write contract-exact probe models (simple known maths, for tests and demos) into DIR");
        command.Arguments.Add(dir);
        command.Options.Add(force);
        command.Options.Add(manifestOption);
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var folder = parse.GetValue(dir)!;
            if (File.Exists(folder.FullName)) return ModelsCommand.Fail(error, $"models probe: {folder.FullName} is a file, not a folder");
            if (!ModelsCommand.TryManifest(parse.GetValue(manifestOption), folder, error, out var manifest)) return ModelsCommand.Unusable;
            IReadOnlyList<ProbeWriteResult> results;
            try
            {
                results = ProbeModels.WriteAll(folder.FullName, manifest, parse.GetValue(force));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return ModelsCommand.Fail(error, $"models probe: cannot write into {folder.FullName}: {e.Message}");
            }
            foreach (var r in results.Where(r => r.Outcome != ProbeWriteOutcome.RefusedExistingModel))
            {
                var what = r.Outcome switch
                {
                    ProbeWriteOutcome.Written => "wrote",
                    ProbeWriteOutcome.ReplacedProbe => "replaced probe",
                    _ => "REPLACED model (--force)",
                };
                output.WriteLine($"{what,-24} {r.Stage,-14} {r.Path}");
            }
            var refused = results.Where(r => r.Outcome == ProbeWriteOutcome.RefusedExistingModel).ToList();
            foreach (var r in refused)
                error.WriteLine($"models probe: refusing to overwrite {r.Path} ({r.Stage}): it is not a probe model (a trained export?); use --force to replace it");
            return refused.Count == 0 ? 0 : ModelsCommand.Mismatch;
        });
        return command;
    }
}
