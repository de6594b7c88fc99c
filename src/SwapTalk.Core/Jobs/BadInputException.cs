namespace SwapTalk.Core.Jobs;

/// <summary>One thing wrong with a job's input: which input (e.g. "video", "options.segmentFrames") and what.</summary>
public sealed record JobInputError(string Input, string Message)
{
    public override string ToString() => $"{Input}: {Message}";
}

/// <summary>
/// The job's input is wrong (missing file, no face, no video stream, option out of range, too long...).
/// Retrying cannot help, so the executor and the workflow's retry policy never retry it, unlike
/// transient failures (a busy GPU, a storage hiccup). Activities throw it for bad input they discover.
/// </summary>
public class BadInputException : Exception
{
    public BadInputException(string input, string message)
        : this([new JobInputError(input, message)])
    {
    }

    public BadInputException(IReadOnlyList<JobInputError> errors, Exception? innerException = null)
        : base(Describe(errors), innerException)
    {
        if (errors.Count == 0) throw new ArgumentException("a bad-input failure needs at least one error", nameof(errors));
        Errors = errors;
    }

    public IReadOnlyList<JobInputError> Errors { get; }

    private static string Describe(IReadOnlyList<JobInputError> errors) =>
        errors.Count == 1
            ? $"bad input: {errors[0]}"
            : $"bad input ({errors.Count} problems): {string.Join("; ", errors)}";
}
