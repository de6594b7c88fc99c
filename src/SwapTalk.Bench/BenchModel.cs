using System.Text.Json;
using System.Text.Json.Serialization;

namespace SwapTalk.Bench;

/// <summary>
/// One benchmark area (media, inference, kernels, pipeline). Each area measures the engine and a
/// reference (plain ffmpeg, OpenCV, ...) in the same run and reports ratios, never bare timings.
/// </summary>
internal interface IBenchArea
{
    string Name { get; }
    string Description { get; }
    Task<BenchReport> RunAsync(BenchContext context, CancellationToken cancellationToken);
}

internal sealed record BenchContext(string OutDir, bool Quick, Action<string> Log);

/// <summary>A measured value; when a reference was measured beside it, ratio = value / reference.</summary>
internal sealed record BenchRow(
    string Case,
    string Metric,
    double Value,
    string Unit,
    double? Reference = null,
    string? ReferenceName = null,
    string? Goal = null)
{
    public double? Ratio => Reference is > 0 ? Value / Reference.Value : null;
}

internal sealed class BenchReport
{
    public required string Area { get; init; }
    public List<BenchRow> Rows { get; } = [];
    public List<string> Notes { get; } = [];
    public string Machine { get; init; } = $"{Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}";
    public DateTimeOffset MeasuredAt { get; init; } = DateTimeOffset.UtcNow;

    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>A markdown table, ready for the README.</summary>
    public string ToMarkdown()
    {
        var sb = new System.Text.StringBuilder();
        sb.AppendLine($"| case | metric | swaptalk | reference | ratio | goal |");
        sb.AppendLine("| --- | --- | ---: | --- | ---: | --- |");
        foreach (var r in Rows)
        {
            var reference = r.Reference is { } v ? $"{v:0.###} {r.Unit} ({r.ReferenceName})" : "";
            var ratio = r.Ratio is { } q ? $"{q:0.00}" : "";
            sb.AppendLine($"| {r.Case} | {r.Metric} | {r.Value:0.###} {r.Unit} | {reference} | {ratio} | {r.Goal} |");
        }
        foreach (var n in Notes) sb.AppendLine().Append("- ").AppendLine(n);
        return sb.ToString();
    }
}
