using System.Text.Json;
using SwapTalk.Core.Jobs;

namespace SwapTalk.Cli.Commands;

/// <summary>
/// How a command ends when it cannot do its work: problems listed in the user's flag names, one line (and the stack
/// trace in a log file, never on the terminal) for anything unexpected, and with <c>--json</c> one JSON object on
/// stdout in every case.
/// </summary>
internal sealed class CommandFailures(string command, TextWriter stdout, TextWriter stderr, bool json)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>One problem as the user sees it: the flag (or input) it concerns and what is wrong.</summary>
    internal sealed record Problem(string Input, string Message);

    private sealed record FailureJson(bool Ok, int ExitCode, string Error, IReadOnlyList<Problem> Problems, string? Log);

    /// <summary>Every problem at once, in the user's flag names: "--crf 99 is out of range...", "--face: '...' does not exist".</summary>
    public int BadInput(IEnumerable<JobInputError> errors, Func<string, string>? flagOf = null, Func<string, string>? userWords = null)
    {
        var problems = errors
            .Select(e => new Problem(flagOf?.Invoke(e.Input) ?? e.Input, userWords?.Invoke(e.Message) ?? e.Message))
            .Distinct()
            .ToList();
        if (problems.Count == 1) stderr.WriteLine($"{command}: bad input: {Render(problems[0])}");
        else
        {
            stderr.WriteLine($"{command}: bad input ({problems.Count} problems):");
            foreach (var p in problems) stderr.WriteLine($"  - {Render(p)}");
        }
        WriteJson(2, "bad input", problems, null);
        return 2;
    }

    /// <summary>A failure with a sentence of its own (an environment failure, a failed job): one line, the given exit code.</summary>
    public int Failed(int exitCode, string message, string error = "failed", string? input = null)
    {
        stderr.WriteLine($"{command}: {message}");
        WriteJson(exitCode, error, [new Problem(input ?? command, message)], null);
        return exitCode;
    }

    /// <summary>Anything unexpected: one line naming what failed and the log file holding the stack trace; exit 1.</summary>
    public int Unexpected(Exception e, string what)
    {
        var log = WriteLog(e, what);
        var first = (e.Message.Split('\n')[0]).Trim();
        stderr.WriteLine($"{command}: {what} failed unexpectedly: {e.GetType().Name}: {first}" + (log is null ? "" : $" (details: {log})"));
        WriteJson(1, "unexpected failure", [new Problem(command, $"{what}: {e.GetType().Name}: {first}")], log);
        return 1;
    }

    /// <summary>Exit 3: stopped by Ctrl-C or SIGTERM.</summary>
    public int Cancelled(string message)
    {
        stderr.WriteLine($"{command}: {message}");
        WriteJson(3, "cancelled", [], null);
        return 3;
    }

    /// <summary>Command-line errors (unknown option, missing value) under --json: each on stderr, one object on stdout; exit 2.</summary>
    public static int Usage(string command, IEnumerable<string> errors, TextWriter stdout, TextWriter stderr)
    {
        var problems = errors.Select(e => new Problem("usage", e)).ToList();
        foreach (var p in problems) stderr.WriteLine($"{command}: {p.Message}");
        stdout.WriteLine(JsonSerializer.Serialize(new FailureJson(false, 2, "usage", problems, null), Json));
        return 2;
    }

    private static string Render(Problem p) =>
        p.Input.StartsWith("--", StringComparison.Ordinal) && char.IsAsciiDigit(p.Message.FirstOrDefault()) || p.Message.StartsWith('-')
            ? $"{p.Input} {p.Message}"
            : $"{p.Input}: {p.Message}";

    private void WriteJson(int exitCode, string error, IReadOnlyList<Problem> problems, string? log)
    {
        if (json) stdout.WriteLine(JsonSerializer.Serialize(new FailureJson(false, exitCode, error, problems, log), Json));
    }

    /// <summary>The stack trace, in $SWAPTALK_LOG_DIR or the temp folder's swaptalk-logs; null where even that cannot be written.</summary>
    private string? WriteLog(Exception e, string what)
    {
        try
        {
            var dir = Environment.GetEnvironmentVariable("SWAPTALK_LOG_DIR") is { Length: > 0 } configured
                ? configured
                : Path.Combine(Path.GetTempPath(), "swaptalk-logs");
            Directory.CreateDirectory(dir);
            var path = Path.Combine(dir, $"swaptalk-{command}-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Environment.ProcessId}.log");
            File.WriteAllText(path, $"swaptalk {command}: {what} failed at {DateTime.UtcNow:O}\n{e}\n");
            return path;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
