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

    private static string Compose(string subject, string problem, string? tail) =>
        string.IsNullOrWhiteSpace(tail)
            ? $"'{subject}': {problem}"
            : $"'{subject}': {problem}{Environment.NewLine}ffmpeg said:{Environment.NewLine}{tail.TrimEnd()}";
}
