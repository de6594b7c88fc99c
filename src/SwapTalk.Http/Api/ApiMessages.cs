using System.Text.Json;
using System.Text.Json.Serialization;
using SwapTalk.Core.Hosting;
using SwapTalk.Core.Hosting.Manifests;
using SwapTalk.Core.Hosting.Starting;

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

/// <summary>A response the host writes as it is: status, headers, and a JSON body (already serialized).</summary>
public sealed record ApiResponse(int StatusCode, string? Body, IReadOnlyDictionary<string, string> Headers)
{
    public const string JsonContentType = "application/json; charset=utf-8";
    public const string ProblemContentType = "application/problem+json; charset=utf-8";

    public static ApiResponse Json(int statusCode, object body, IReadOnlyDictionary<string, string>? headers = null)
    {
        var all = new Dictionary<string, string>(headers ?? new Dictionary<string, string>(), StringComparer.OrdinalIgnoreCase)
        {
            ["Content-Type"] = JsonContentType,
        };
        return new ApiResponse(statusCode, JsonSerializer.Serialize(body, body.GetType(), ApiJson.Options), all);
    }

    public static ApiResponse From(Problem problem, IReadOnlyDictionary<string, string>? headers = null)
    {
        var all = new Dictionary<string, string>(headers ?? new Dictionary<string, string>(), StringComparer.OrdinalIgnoreCase)
        {
            ["Content-Type"] = ProblemContentType,
        };
        return new ApiResponse(problem.Status, JsonSerializer.Serialize(problem, ApiJson.Options), all);
    }
}

/// <summary>How the API writes JSON: camelCase, enums as their JSON names, nulls left out.</summary>
public static class ApiJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}

/// <summary>One field's problem in a <see cref="Problem"/>: <c>options.segmentFrames</c>, and what is wrong.</summary>
public sealed record ProblemError(string Field, string Message);

/// <summary>
/// An RFC 7807 (RFC 9457) problem body: <c>type</c>, <c>title</c>, <c>status</c>, <c>detail</c>, <c>instance</c>,
/// plus <c>errors</c> naming each field. Every text is redacted (<see cref="Redaction"/>): a caller who pasted a
/// SAS URL into a field gets the field named, not the token echoed.
/// </summary>
public sealed record Problem
{
    private Problem(string type, string title, int status, string detail, string? instance, IReadOnlyList<ProblemError>? errors)
    {
        Type = type;
        Title = title;
        Status = status;
        Detail = Redaction.Message(detail);
        Instance = instance;
        Errors = errors?.Select(e => new ProblemError(Redaction.Echo(e.Field), Redaction.Message(e.Message))).ToList();
    }

    public string Type { get; }
    public string Title { get; }
    public int Status { get; }
    public string Detail { get; }
    public string? Instance { get; }
    public IReadOnlyList<ProblemError>? Errors { get; }

    private const string TypeBase = "urn:swaptalk:problem:";

    public static Problem BadRequest(string slug, string title, string detail, string instance, IReadOnlyList<ProblemError>? errors = null) =>
        new(TypeBase + slug, title, 400, detail, instance, errors);

    public static Problem Of(int status, string slug, string title, string detail, string instance, IReadOnlyList<ProblemError>? errors = null) =>
        new(TypeBase + slug, title, status, detail, instance, errors);
}
