namespace SwapTalk.Core.Files;

/// <summary>What an input path as typed is, before it is looked up: a URL, a playlist, a name that is not valid UTF-8.</summary>
public static class InputPaths
{
    /// <summary>scheme://... or a bare scheme such as "rtmp:" (ffmpeg would open it as a protocol).</summary>
    public static bool LooksLikeUrl(string path) =>
        path.Contains("://", StringComparison.Ordinal)
        || System.Text.RegularExpressions.Regex.IsMatch(path, "^(https?|ftp|rtmp|rtmps|rtsp|srt|udp|tcp|data|file|pipe|concat|subfile|crypto|hls):", System.Text.RegularExpressions.RegexOptions.IgnoreCase);

    /// <summary>
    /// Why an input path cannot be used as typed, or null. A name .NET could not decode holds U+FFFD (the arguments
    /// arrive as UTF-8); no file of that name exists, so "does not exist" would mislead.
    /// </summary>
    public static string? Problem(string path)
    {
        if (LooksLikeUrl(path))
            return $"'{path}' is a URL; URLs are not read: download the file first and give its local path";
        if (path.Contains('\uFFFD') && !File.Exists(path) && !Directory.Exists(path))
            return $"'{path}': the file name is not valid UTF-8 (shown with \uFFFD), so it cannot be opened by that name; rename the file";
        return null;
    }

    /// <summary>True for an HLS/M3U playlist (by name or content): its entries are usually remote, and the engine reads local files only.</summary>
    public static bool IsPlaylist(string path)
    {
        var extension = Path.GetExtension(path).ToLowerInvariant();
        if (extension is ".m3u8" or ".m3u") return true;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 16);
            Span<byte> head = stackalloc byte[7];
            return stream.Read(head) == 7 && head.SequenceEqual("#EXTM3U"u8);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
