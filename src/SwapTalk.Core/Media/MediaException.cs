namespace SwapTalk.Core.Media;

/// <summary>
/// A media operation failed. The message names the input (or output) it concerns and says what is
/// wrong; when ffmpeg/ffprobe ran, the tail of its stderr is kept for diagnosis and appended.
/// </summary>
public sealed class MediaException : Exception
{
    public MediaException(string subject, string problem, string? stderrTail = null, Exception? inner = null)
        : base(Compose(subject, problem, stderrTail), inner)
    {
        Subject = subject;
        Problem = problem;
        StderrTail = string.IsNullOrWhiteSpace(stderrTail) ? null : stderrTail;
    }

    /// <summary>The file (as the caller named it) the error concerns.</summary>
    public string Subject { get; }

    /// <summary>What is wrong, without the subject or stderr.</summary>
    public string Problem { get; }

    /// <summary>The last lines ffmpeg/ffprobe wrote to stderr, if a process ran.</summary>
    public string? StderrTail { get; }

    /// <summary>True when the input itself is at fault (missing, empty, unreadable, wrong kind), not the machine.</summary>
    public bool IsBadInput { get; init; }

    /// <summary>
    /// A failed ffmpeg/ffprobe run about <paramref name="subject"/>, with its stderr tail; recognises
    /// inputs refused by the protocol whitelist and inputs that are not readable media (both bad input).
    /// </summary>
    public static MediaException FromTool(string subject, string problem, string? stderrTail, Exception? inner = null)
    {
        var tail = stderrTail ?? "";
        var badInput = false;
        if (tail.Contains("not on whitelist", StringComparison.Ordinal))
        {
            problem = "refers to a resource that is not a local file (only local files and pipes are allowed; remote URLs and other protocols are refused)";
            badInput = true;
        }
        else if (tail.Contains("Invalid data found when processing input", StringComparison.Ordinal)
                 || tail.Contains("moov atom not found", StringComparison.Ordinal)
                 || tail.Contains("partial file", StringComparison.Ordinal)
                 || tail.Contains("End of file", StringComparison.Ordinal))
        {
            problem += "; the input is not readable media (corrupt, truncated, or not audio/video at all)";
            badInput = true;
        }
        return new MediaException(subject, problem, tail, inner) { IsBadInput = badInput };
    }

    private static string Compose(string subject, string problem, string? tail) =>
        string.IsNullOrWhiteSpace(tail)
            ? $"'{subject}': {problem}"
            : $"'{subject}': {problem}{Environment.NewLine}ffmpeg said:{Environment.NewLine}{tail.TrimEnd()}";
}
