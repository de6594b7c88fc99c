using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace SwapTalk.Http;

/// <summary>
/// The job API's answer, independent of the host: a status with a JSON value, or an RFC 9457 problem
/// (<see cref="Problem"/>), plus headers. Written by ASP.NET Core's own results (<c>TypedResults.Json</c>,
/// <see cref="TypedResults.Problem(ProblemDetails)"/>), on Kestrel (<c>swaptalk serve</c>) and in the Functions app alike.
/// </summary>
public sealed record ApiResponse : IResult
{
    private ApiResponse(int statusCode, object? value, ProblemDetails? problem, IReadOnlyDictionary<string, string>? headers)
    {
        StatusCode = statusCode;
        Value = value;
        Problem = problem;
        Headers = headers ?? new Dictionary<string, string>();
    }

    public int StatusCode { get; }

    /// <summary>The JSON body of a success (null for a problem).</summary>
    public object? Value { get; }

    /// <summary>The problem body of a failure (null for a success).</summary>
    public ProblemDetails? Problem { get; }

    public IReadOnlyDictionary<string, string> Headers { get; }

    public static ApiResponse Json(int statusCode, object body, IReadOnlyDictionary<string, string>? headers = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        return new ApiResponse(statusCode, body, null, headers);
    }

    public static ApiResponse From(ProblemDetails problem, IReadOnlyDictionary<string, string>? headers = null)
    {
        ArgumentNullException.ThrowIfNull(problem);
        return new ApiResponse(problem.Status ?? StatusCodes.Status500InternalServerError, null, problem, headers);
    }

    /// <summary>The framework's result for this answer: <c>application/problem+json</c> for a problem, <c>application/json</c> otherwise.</summary>
    public IResult ToResult() => Problem is not null
        ? TypedResults.Problem(Problem)
        : TypedResults.Json(Value, ApiJson.Options, statusCode: StatusCode);

    public Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        foreach (var (name, value) in Headers) httpContext.Response.Headers[name] = value;
        return ToResult().ExecuteAsync(httpContext);
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
