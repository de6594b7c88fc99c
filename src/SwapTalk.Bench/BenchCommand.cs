using System.CommandLine;
using System.Text.Json;
using Spectre.Console;

namespace SwapTalk.Bench;

/// <summary><c>swaptalk-bench [AREA...]</c>: runs benchmark areas, prints tables, writes JSON and markdown.</summary>
internal static class BenchCommand
{
    /// <summary>Every benchmark area; one line per area.</summary>
    internal static IReadOnlyList<IBenchArea> Areas() =>
    [
        new InferenceBench(),
        new MediaBench(),
        new KernelBench(),
        new TrackingBench(),
        new PipelineBench(),
        new FleetBench(),
    ];

    public static RootCommand Create()
    {
        var areas = new Argument<string[]>("area") { Description = "areas to run (default: all)", Arity = ArgumentArity.ZeroOrMore };
        var outDir = new Option<DirectoryInfo>("--out") { Description = "where to write <area>.json and <area>.md", DefaultValueFactory = _ => new DirectoryInfo("out/bench") };
        var quick = new Option<bool>("--quick") { Description = "fewer iterations and shorter clips (a smoke run, not for reporting)" };
        var command = new RootCommand("swaptalk-bench: measure the engine against a reference in the same run and report ratios");
        command.Arguments.Add(areas);
        command.Options.Add(outDir);
        command.Options.Add(quick);
        command.SetAction(async (parse, ct) =>
        {
            var wanted = parse.GetValue(areas) ?? [];
            var all = Areas();
            var unknown = wanted.Where(w => all.All(a => a.Name != w)).ToList();
            if (unknown.Count > 0)
            {
                Console.Error.WriteLine($"swaptalk-bench: unknown area(s) {string.Join(", ", unknown)}; known: {string.Join(", ", all.Select(a => a.Name))}");
                return 2;
            }
            var dir = parse.GetValue(outDir)!;
            dir.Create();
            var context = new BenchContext(dir.FullName, parse.GetValue(quick), line => AnsiConsole.MarkupLineInterpolated($"[grey]{line}[/]"));
            foreach (var area in all.Where(a => wanted.Length == 0 || wanted.Contains(a.Name)))
            {
                AnsiConsole.MarkupLineInterpolated($"[bold]bench {area.Name}[/]: {area.Description}");
                var report = await area.RunAsync(context, ct);
                Print(report);
                await File.WriteAllTextAsync(Path.Combine(dir.FullName, $"{area.Name}.json"), JsonSerializer.Serialize(report, BenchReport.Json), ct);
                await File.WriteAllTextAsync(Path.Combine(dir.FullName, $"{area.Name}.md"), report.ToMarkdown(), ct);
            }
            return 0;
        });
        return command;
    }

    private static void Print(BenchReport report)
    {
        var table = new Table().AddColumns("case", "metric", "swaptalk", "reference", "ratio", "goal");
        foreach (var r in report.Rows)
            table.AddRow(
                Markup.Escape(r.Case), Markup.Escape(r.Metric), $"{r.Value:0.###} {Markup.Escape(r.Unit)}",
                r.Reference is { } v ? $"{v:0.###} ({Markup.Escape(r.ReferenceName ?? "")})" : "",
                r.Ratio is { } q ? $"{q:0.00}" : "", Markup.Escape(r.Goal ?? ""));
        AnsiConsole.Write(table);
        foreach (var n in report.Notes) AnsiConsole.MarkupLineInterpolated($"  - {n}");
    }
}
