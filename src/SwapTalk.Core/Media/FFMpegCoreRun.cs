using System.Text;
using FFMpegCore;
using FFMpegCore.Exceptions;

namespace SwapTalk.Core.Media;

/// <summary>
/// Runs FFMpegCore's ffmpeg/ffprobe calls under the engine's rules. FFMpegCore starts the binary
/// with one argument string and no shell; .NET splits that string into argv with the Windows rules
/// (double quotes group, backslashes escape quotes). FFMpegCore puts every path between double
/// quotes without escaping it, so <see cref="Path"/> escapes what would end the quotes early:
/// a name with '"' or a trailing '\' can then neither split into more arguments nor add options
/// (tested with real files and real runs). '$', ';', backticks and single quotes are plain
/// characters there, as there is no shell.
/// </summary>
internal static class FFMpegCoreRun
{
    /// <summary>Options every input gets first: never read the terminal; local files and pipes only.</summary>
    public static readonly string InputGuard = $"-nostdin -hide_banner -nostats -loglevel error -protocol_whitelist {MediaCommands.ProtocolWhitelist}";

    /// <summary>FFMpegCore finds a binary by folder; <see cref="MediaTools"/> guarantees the names are ffmpeg and ffprobe.</summary>
    public static FFOptions Options(string binary) => new()
    {
        BinaryFolder = System.IO.Path.GetDirectoryName(binary)!,
        // No trailing "-v" (FFMpegCore appends the log level after the output); the commands set -v error up front.
        LogLevel = null,
        Encoding = Encoding.UTF8,
        UseCache = false,
    };

    /// <summary>An absolute path, escaped for FFMpegCore's "…" slot: "file:" keeps a name with ':' local (the whitelist then sees the file protocol).</summary>
    public static string Path(string path) => Escape(MediaCommands.FileUrl(path));

    /// <summary>Escapes <paramref name="value"/> so that "value" is read back as exactly one argument, value itself.</summary>
    public static string Escape(string value)
    {
        var sb = new StringBuilder(value.Length + 8);
        var backslashes = 0;
        foreach (var c in value)
        {
            if (c == '\\')
            {
                backslashes++;
                continue;
            }
            // Backslashes are literal unless a quote follows: then each is doubled and the quote escaped.
            sb.Append('\\', c == '"' ? backslashes * 2 + 1 : backslashes).Append(c);
            backslashes = 0;
        }
        // The closing quote FFMpegCore adds follows: trailing backslashes are doubled so it still closes.
        return sb.Append('\\', backslashes * 2).ToString();
    }

    /// <summary>
    /// Runs an ffmpeg command built with FFMpegArguments. Cancellation kills ffmpeg at once (no grace
    /// period: with -nostdin the 'q' FFMpegCore sends first is ignored anyway) and waits for it to exit.
    /// A non-zero exit is a <see cref="MediaException"/> naming <paramref name="subject"/> with the stderr tail.
    /// </summary>
    public static async Task RunAsync(MediaTools tools, FFMpegArgumentProcessor processor, string subject, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        FFMpegResult result;
        try
        {
            result = await processor
                .CancellableThrough(cancellationToken, TimeSpan.Zero)
                .ProcessAsynchronously(throwOnError: false, Options(tools.Ffmpeg), cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (FFMpegException e)
        {
            throw new MediaException(subject, $"ffmpeg could not run: {e.Message}", inner: e);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new MediaException(subject, $"could not start {tools.Ffmpeg}: {e.Message}", inner: e);
        }
        cancellationToken.ThrowIfCancellationRequested();
        if (!result.Success) throw MediaException.FromTool(subject, $"ffmpeg failed (exit code {result.ExitCode})", Tail(result.StandardError));
    }

    /// <summary>ffprobe's container and stream analysis through FFMpegCore's typed model.</summary>
    public static async Task<IMediaAnalysis> AnalyseAsync(MediaTools tools, string path, CancellationToken cancellationToken)
    {
        var full = System.IO.Path.GetFullPath(path);
        // FFProbe checks File.Exists on the very string it quotes, so a name that needs escaping is probed through a plain-named link.
        string? aliasDir = null;
        var probed = full;
        if (Escape(full) != full)
        {
            aliasDir = Directory.CreateTempSubdirectory("swaptalk-probe-").FullName;
            probed = System.IO.Path.Combine(aliasDir, "input");
            File.CreateSymbolicLink(probed, full);
        }
        try
        {
            return await FFProbe.AnalyseAsync(probed, Options(tools.Ffprobe),
                $"-hide_banner -protocol_whitelist {MediaCommands.ProtocolWhitelist}", cancellationToken).ConfigureAwait(false);
        }
        catch (FFProbeProcessException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw MediaException.FromTool(path, $"ffprobe failed (exit code {e.ExitCode})", Tail(e.StandardError), e);
        }
        catch (FFMpegException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new MediaException(path, $"ffprobe gave no usable analysis ({e.Message}); the input is not readable media", inner: e) { IsBadInput = true };
        }
        finally
        {
            if (aliasDir is not null)
                try { Directory.Delete(aliasDir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>The last <see cref="MediaProcess.StderrTailLines"/> non-empty stderr lines.</summary>
    private static string Tail(IReadOnlyList<string> stderr) =>
        string.Join(Environment.NewLine, stderr.Where(l => !string.IsNullOrWhiteSpace(l)).TakeLast(MediaProcess.StderrTailLines).Select(l => l.Length > 500 ? l[..500] : l));
}
