namespace SwapTalk.Cli.Commands;

/// <summary>What <c>swaptalk dub</c> was asked beyond the job itself: where it works and writes, how it reports, what runs after.</summary>
internal sealed record DubSettings(string WorkDirectory, bool Json, string? TelemetryPath, int? Parallelism, int? Threads, int Batch,
    string? PreviewPath = null, string? Credit = null, bool Evaluate = false, string? IdentityModel = null, bool Force = false,
    bool AllowNoFace = false, string PreviewFlag = "--preview")
{
    /// <summary>out.mp4 -> out.preview.png, beside the output.</summary>
    public static string PreviewPathFor(string output) =>
        Path.Combine(Path.GetDirectoryName(output) ?? ".", Path.GetFileNameWithoutExtension(output) + ".preview.png");
}
