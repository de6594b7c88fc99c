using System.Collections.Concurrent;
using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SwapTalk.Cli.Hosting;
using Spectre.Console;
using SwapTalk.Core.Inference;
using SwapTalk.Core.Models;
using SwapTalk.Core.Models.Probes;

namespace SwapTalk.Cli.Commands;

/// <summary>
/// <c>swaptalk models check DIR</c>: load every model the manifest names from DIR and compare it
/// with its stage's contract. <c>swaptalk models probe DIR</c>: write the probe models into DIR.
/// Exit codes: 0 fine, 1 mismatches or refused files, 2 unusable arguments or environment.
/// </summary>
internal static class ModelsCommand
{
    public const int Mismatch = 1;
    public const int Unusable = 2;

    public static Command Create()
    {
        var command = new Command("models", "Check model files against the manifest, or write probe models");
        command.Subcommands.Add(CheckCommand());
        command.Subcommands.Add(ProbeCommand());
        return command;
    }

    private static Option<FileInfo> ManifestOption() => new("--manifest")
    {
        Description = "manifest to check against (default: DIR/manifest.json if present, else the built-in one)",
    };

    private static Command CheckCommand()
    {
        var dir = new Argument<DirectoryInfo>("DIR") { Description = "folder holding the .onnx files" };
        var manifestOption = ManifestOption();
        var command = new Command("check", "Load each model present in DIR and compare its inputs and outputs with the manifest");
        command.Arguments.Add(dir);
        command.Options.Add(manifestOption);
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var folder = parse.GetValue(dir)!;
            if (!folder.Exists) return Fail(error, $"models check: {folder.FullName} does not exist or is not a folder");
            if (!TryManifest(parse.GetValue(manifestOption), folder, error, out var manifest)) return Unusable;
            using var host = CliHost.Build();
            if (!TryRuntime(host, error, out var runtime)) return Unusable;

            // ORT's own warnings (per model, tagged with the stage) are counted into the table, not printed.
            var warnings = new ConcurrentDictionary<string, int>();
            IReadOnlyList<ModelCheckResult> results;
            using (runtime.AddLogListener(m => { if (m.Level >= Microsoft.ML.OnnxRuntime.OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING) warnings.AddOrUpdate(m.LogId, 1, (_, n) => n + 1); }))
                results = ModelCheck.CheckDirectory(runtime, manifest, folder.FullName);

            var console = ConsoleFor(output);
            console.WriteLine($"manifest: {manifest.Source}; models: {folder.FullName}; ONNX Runtime {runtime.Version}");
            var table = new Table().AddColumns("stage", "file", "status", "kind", "notes");
            foreach (var r in results)
            {
                var status = r.Status switch
                {
                    ModelCheckStatus.Ok => "[green]ok[/]",
                    ModelCheckStatus.OptionalAbsent => "[grey]absent (optional)[/]",
                    ModelCheckStatus.Missing => "[red]missing[/]",
                    _ => "[red]MISMATCH[/]",
                };
                var kind = r.Status is ModelCheckStatus.Ok or ModelCheckStatus.Mismatch && File.Exists(r.Path) ? (r.IsProbe ? "probe" : "model") : "";
                var notes = r.Notes.ToList();
                if (warnings.TryGetValue(r.Spec.Stage, out var n)) notes.Add($"{n} ONNX Runtime warning(s) on load");
                table.AddRow(Markup.Escape(r.Spec.Stage), Markup.Escape(r.Spec.File), status, kind, Markup.Escape(string.Join("; ", notes)));
            }
            console.Write(table);

            var failures = results.Where(r => r.Failed).SelectMany(r => r.Problems.Select(p => $"{r.Spec.Stage}: {p}")).ToList();
            if (failures.Count == 0)
            {
                console.WriteLine($"models check: all {results.Count(r => r.Status == ModelCheckStatus.Ok)} models present match the manifest");
                return 0;
            }
            error.WriteLine($"models check: {failures.Count} mismatch(es) in {folder.FullName}:");
            foreach (var f in failures) error.WriteLine($"  - {f}");
            return Mismatch;
        });
        return command;
    }

    private static Command ProbeCommand()
    {
        var dir = new Argument<DirectoryInfo>("DIR") { Description = "folder to write the probe models into (created if absent)" };
        var force = new Option<bool>("--force") { Description = "replace existing files even when they are not probe models (trained exports)" };
        var manifestOption = ManifestOption();
        var command = new Command("probe", "Write contract-exact probe models (simple known maths, for tests and demos) into DIR");
        command.Arguments.Add(dir);
        command.Options.Add(force);
        command.Options.Add(manifestOption);
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var folder = parse.GetValue(dir)!;
            if (File.Exists(folder.FullName)) return Fail(error, $"models probe: {folder.FullName} is a file, not a folder");
            if (!TryManifest(parse.GetValue(manifestOption), folder, error, out var manifest)) return Unusable;
            IReadOnlyList<ProbeWriteResult> results;
            try
            {
                results = ProbeModels.WriteAll(folder.FullName, manifest, parse.GetValue(force));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return Fail(error, $"models probe: cannot write into {folder.FullName}: {e.Message}");
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
            return refused.Count == 0 ? 0 : Mismatch;
        });
        return command;
    }

    private static bool TryManifest(FileInfo? explicitPath, DirectoryInfo folder, TextWriter error, out ModelManifest manifest)
    {
        try
        {
            var inFolder = Path.Combine(folder.FullName, "manifest.json");
            manifest = explicitPath is not null ? ModelManifest.Load(explicitPath.FullName)
                : File.Exists(inFolder) ? ModelManifest.Load(inFolder)
                : ModelManifest.Default;
            return true;
        }
        catch (InvalidDataException e)
        {
            error.WriteLine(e.Message);
            manifest = null!;
            return false;
        }
    }

    private static bool TryRuntime(IHost host, TextWriter error, out OrtRuntime runtime)
    {
        try
        {
            // The binding's own warnings (e.g. a CUDA fallback) go to stderr; ORT's load chatter is tallied in the table.
            runtime = host.Services.GetRequiredService<OrtRuntime>();
            return true;
        }
        catch (OrtLibraryException e)
        {
            error.WriteLine($"models check: {e.Message}");
            runtime = null!;
            return false;
        }
    }

    private static int Fail(TextWriter error, string message)
    {
        error.WriteLine(message);
        return Unusable;
    }

    private static IAnsiConsole ConsoleFor(TextWriter writer)
    {
        // Pipes, files and tests get plain text: no colour codes, and no wrapping of long notes.
        var output = new AnsiConsoleOutput(writer);
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = output,
            Ansi = output.IsTerminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = output.IsTerminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
        });
        if (!output.IsTerminal) console.Profile.Width = 200;
        return console;
    }
}
