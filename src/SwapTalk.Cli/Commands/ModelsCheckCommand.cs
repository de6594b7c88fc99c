using System.Collections.Concurrent;
using System.CommandLine;
using Spectre.Console;
using SwapTalk.Cli.Hosting;
using SwapTalk.Core.Models;

namespace SwapTalk.Cli.Commands;

/// <summary><c>swaptalk models check DIR</c>: load every model the manifest names from DIR and compare it with its stage's contract, as a table.</summary>
internal static class ModelsCheckCommand
{
    public static Command Create()
    {
        var dir = new Argument<DirectoryInfo>("DIR") { Description = "folder holding the .onnx files" };
        var manifestOption = ModelsCommand.ManifestOption();
        var command = new Command("check", "Load each model present in DIR and compare its inputs and outputs with the manifest");
        command.Arguments.Add(dir);
        command.Options.Add(manifestOption);
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var folder = parse.GetValue(dir)!;
            if (!folder.Exists) return ModelsCommand.Fail(error, $"models check: {folder.FullName} does not exist or is not a folder");
            if (!ModelsCommand.TryManifest(parse.GetValue(manifestOption), folder, error, out var manifest)) return ModelsCommand.Unusable;
            using var host = CliHost.Build();
            if (!ModelsCommand.TryRuntime(host, error, out var runtime)) return ModelsCommand.Unusable;

            // ORT's own warnings (per model, tagged with the stage) are counted into the table, not printed.
            var warnings = new ConcurrentDictionary<string, int>();
            IReadOnlyList<ModelCheckResult> results;
            using (runtime.AddLogListener(m => { if (m.Level >= Microsoft.ML.OnnxRuntime.OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING) warnings.AddOrUpdate(m.LogId, 1, (_, n) => n + 1); }))
                results = ModelCheck.CheckDirectory(runtime, manifest, folder.FullName);

            var console = PlainConsole.For(output);
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
            return ModelsCommand.Mismatch;
        });
        return command;
    }
}
