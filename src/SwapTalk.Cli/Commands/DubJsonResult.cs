namespace SwapTalk.Cli.Commands;

/// <summary>What <c>swaptalk dub --json</c> prints: one object, nothing else on stdout.</summary>
internal sealed record DubJsonResult(
    string Output,
    string Report,
    string JobId,
    int Frames,
    int FramesWithFace,
    int SegmentsRendered,
    int SegmentsReused,
    double Seconds,
    long PeakMemoryBytes,
    string? Preview,
    string? EvaluationImage = null,
    IReadOnlyList<string>? Notes = null);
