using System.Text;
using SwapTalk.Core.Hosting.Manifests;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Hosting;
using SwapTalk.Core.Hosting.Starting;
using SwapTalk.Functions.Settings;
using SwapTalk.Http;
using SwapTalk.Functions.Http;

namespace SwapTalk.Functions.Batch;

/// <summary>One job line of a batch manifest: its 1-based line number, its job id and what its JSON came to.</summary>
public sealed record BatchLine(int Number, string JobId, ManifestCheck Check);

/// <summary>
/// A batch manifest: a JSON Lines blob (<c>*.jsonl</c>) in the batch container, one cloud job manifest per line.
/// Blank lines and comment lines (<c>#</c> or <c>//</c> first) are skipped; every other line is a job, valid or
/// not, so one bad line is reported without stopping the batch. Job ids come from the batch's name, the version of
/// its content and the line number: a repeated timer run finds the same jobs; a changed file is a new batch.
/// </summary>
public static class BatchManifest
{
    public const string Extension = ".jsonl";
    public const string ReportSuffix = ".report.json";

    /// <summary>Batch manifests are the *.jsonl blobs; their reports (*.report.json) and anything else are not.</summary>
    public static bool IsBatchManifest(string blobName) => blobName.EndsWith(Extension, StringComparison.OrdinalIgnoreCase);

    public static string ReportName(string batchName) => batchName + ReportSuffix;

    public static IReadOnlyList<BatchLine> Parse(string batchName, string version, ReadOnlySpan<byte> utf8, CloudManifestReader reader, int maxLineBytes)
    {
        if (utf8.StartsWith("\uFEFF"u8)) utf8 = utf8[3..];
        var text = Encoding.UTF8.GetString(utf8);
        var lines = new List<BatchLine>();
        var number = 0;
        foreach (var raw in text.Split('\n'))
        {
            number++;
            var line = raw.TrimEnd('\r');
            var trimmed = line.TrimStart();
            if (trimmed.Length == 0 || trimmed.StartsWith('#') || trimmed.StartsWith("//", StringComparison.Ordinal)) continue;
            var jobId = TriggerInstanceIds.FromBatchLine(batchName, version, number);
            var bytes = Encoding.UTF8.GetByteCount(line);
            var check = bytes > maxLineBytes
                ? new ManifestCheck(null, null, [new JobInputError($"line {number}", $"the line is {bytes} bytes, over the limit of {maxLineBytes}")])
                : reader.Read(line, $"line {number}");
            lines.Add(new BatchLine(number, jobId, check));
        }
        return lines;
    }
}
