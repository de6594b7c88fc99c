namespace SwapTalk.Http;

/// <summary>
/// An HTTP request as the job API needs it, independent of the host's request type: the URL (its query is never
/// echoed: it may carry the function key), the body stream (read lazily, with a limit) and the headers.
/// </summary>
public sealed class ApiRequest
{
    private readonly Dictionary<string, string> _headers;

    public ApiRequest(Uri url, Stream body, IEnumerable<KeyValuePair<string, IEnumerable<string>>> headers)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(headers);
        Url = url;
        Body = body;
        _headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in headers)
            if (!_headers.ContainsKey(name) && values.FirstOrDefault() is { } value) _headers[name] = value;
    }

    public Uri Url { get; }
    public Stream Body { get; }

    /// <summary>The first value of a header, or null.</summary>
    public string? Header(string name) => _headers.GetValueOrDefault(name);

    /// <summary>The request's path only (for problem <c>instance</c> fields): no query, so no key.</summary>
    public string Path => Url.AbsolutePath;
}
