using System.Text.RegularExpressions;

namespace SwapTalk.Azure;

/// <summary>
/// Removes secrets from text that goes back to a caller or into a record: query strings of URLs (SAS tokens,
/// <c>code=</c> function keys), and key-bearing settings (<c>AccountKey=</c>, <c>SharedAccessSignature=</c>,
/// <c>sig=</c>, bearer tokens). Applied to every message a trigger answers with or writes, because a user may
/// paste a SAS URL where a blob name belongs and the error would otherwise echo it.
/// </summary>
public static partial class Redaction
{
    public const string Marker = "[redacted]";

    /// <summary>Longest text echoed back; longer values are cut (a message is for a person, not a data channel).</summary>
    public const int MaxEchoLength = 200;

    public static string Redact(string? text)
    {
        if (string.IsNullOrEmpty(text)) return text ?? "";
        var result = UrlQuery().Replace(text, m => m.Groups["base"].Value + "?" + Marker);
        result = SettingValue().Replace(result, m => m.Groups["key"].Value + Marker);
        result = QueryValue().Replace(result, m => m.Groups["key"].Value + Marker);
        result = Bearer().Replace(result, m => m.Groups["scheme"].Value + Marker);
        return result;
    }

    /// <summary>Longest message passed on (a list of every problem with a request can be long, but not unbounded).</summary>
    public const int MaxMessageLength = 2000;

    /// <summary>A message for a caller or a record: redacted and cut to <see cref="MaxMessageLength"/>.</summary>
    public static string Message(string? text)
    {
        var redacted = Redact(text);
        return redacted.Length <= MaxMessageLength ? redacted : redacted[..MaxMessageLength] + "...";
    }

    /// <summary>A user-supplied value for an error message: redacted, control characters escaped, cut to a readable length.</summary>
    public static string Echo(string? value)
    {
        var redacted = Redact(value);
        var printable = string.Concat(redacted.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));
        return printable.Length <= MaxEchoLength ? printable : printable[..MaxEchoLength] + "...";
    }

    // scheme://anything-not-space up to '?', then the query (and fragment) up to whitespace or a closing quote.
    [GeneratedRegex(@"(?<base>[A-Za-z][A-Za-z0-9+.-]*://[^\s?'""<>]*)\?[^\s'""<>]*")]
    private static partial Regex UrlQuery();

    // Connection-string settings run to the next ';' (a SAS value holds '&').
    [GeneratedRegex(@"(?<key>\b(?:AccountKey|SharedAccessSignature|SharedAccessKey|password|pwd)\s*[=:]\s*)[^\s;'""]+", RegexOptions.IgnoreCase)]
    private static partial Regex SettingValue();

    // Query-style parameters outside a URL run to the next '&'.
    [GeneratedRegex(@"(?<key>\b(?:sig|code|x-functions-key|skoid|sktid)\s*[=:]\s*)(?!\[redacted\])[^\s;&'""]+", RegexOptions.IgnoreCase)]
    private static partial Regex QueryValue();

    [GeneratedRegex(@"(?<scheme>\bBearer\s+)[A-Za-z0-9\-._~+/]+=*", RegexOptions.IgnoreCase)]
    private static partial Regex Bearer();
}
