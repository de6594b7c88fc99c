using System.Globalization;
using Microsoft.AspNetCore.Mvc;

namespace SwapTalk.Http;

/// <summary>
/// Reads a JSON request body within a size limit. The declared length is checked before a byte is read, and the
/// read stops one byte past the limit, so an oversized or endless body costs at most the limit in memory.
/// </summary>
public static class RequestBody
{
    /// <returns>The body, or the problem to answer with (413 too large, 415 not JSON, 400 empty or bad length).</returns>
    public static async Task<(byte[]? Body, ProblemDetails? Problem)> ReadJsonAsync(ApiRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        if (!IsJson(request.Header("Content-Type")))
            return (null, Problem.Of(415, "unsupported-media-type", "Unsupported media type",
                "send the job manifest as JSON with Content-Type: application/json", request.Path));

        if (request.Header("Content-Length") is { } declared)
        {
            if (!long.TryParse(declared, NumberStyles.None, CultureInfo.InvariantCulture, out var length))
                return (null, Problem.BadRequest("bad-content-length", "Bad Content-Length", "the Content-Length header is not a number of bytes", request.Path));
            if (length > maxBytes) return (null, TooLarge(request, maxBytes));
        }

        var body = await BoundedRead.ReadAsync(request.Body, maxBytes, cancellationToken);
        if (body is null) return (null, TooLarge(request, maxBytes));
        if (body.Length == 0)
            return (null, Problem.BadRequest("empty-body", "Empty body", "the request body is empty; send a job manifest as JSON", request.Path));
        return (body, null);
    }

    /// <summary>application/json or any application/*+json, in UTF-8 (the only encoding JSON allows on the wire).</summary>
    public static bool IsJson(string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType)) return false;
        var parts = contentType.Split(';');
        var media = parts[0].Trim();
        if (!media.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            && !(media.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && media.EndsWith("+json", StringComparison.OrdinalIgnoreCase)))
            return false;
        foreach (var parameter in parts.Skip(1))
        {
            var pair = parameter.Split('=', 2);
            if (pair.Length == 2 && pair[0].Trim().Equals("charset", StringComparison.OrdinalIgnoreCase)
                && !pair[1].Trim().Trim('"').Equals("utf-8", StringComparison.OrdinalIgnoreCase))
                return false;
        }
        return true;
    }

    private static ProblemDetails TooLarge(ApiRequest request, int maxBytes) =>
        Problem.Of(413, "body-too-large", "Request body too large",
            $"the request body is over the limit of {maxBytes} bytes; a job manifest names uploaded blobs, it does not carry media", request.Path);
}
