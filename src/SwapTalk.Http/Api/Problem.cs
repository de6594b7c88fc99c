using Microsoft.AspNetCore.Mvc;
using SwapTalk.Azure;

namespace SwapTalk.Http;

/// <summary>One field's problem in a problem's <c>errors</c>: <c>options.segmentFrames</c>, and what is wrong.</summary>
public sealed record ProblemError(string Field, string Message);

/// <summary>
/// The API's RFC 9457 problems as ASP.NET Core's <see cref="ProblemDetails"/>: <c>type</c> is
/// <c>urn:swaptalk:problem:SLUG</c>, <c>instance</c> the request's path (never its query: it may carry the function
/// key), and an <c>errors</c> extension names each field. Every text is redacted (<see cref="Redaction"/>): a caller
/// who pasted a SAS URL into a field gets the field named, not the token echoed. No IProblemDetailsService
/// (AddProblemDetails) is registered: every problem is made here, with its own type and redacted text, and the
/// service's customization hook would have nothing to add.
/// </summary>
public static class Problem
{
    private const string TypeBase = "urn:swaptalk:problem:";

    /// <summary>The name of the extension member that lists each field's problem.</summary>
    public const string ErrorsMember = "errors";

    public static ProblemDetails BadRequest(string slug, string title, string detail, string instance, IReadOnlyList<ProblemError>? errors = null) =>
        Of(400, slug, title, detail, instance, errors);

    public static ProblemDetails Of(int status, string slug, string title, string detail, string instance, IReadOnlyList<ProblemError>? errors = null)
    {
        var problem = new ProblemDetails
        {
            Type = TypeBase + slug,
            Title = title,
            Status = status,
            Detail = Redaction.Message(detail),
            Instance = instance,
        };
        if (errors is not null)
            problem.Extensions[ErrorsMember] = errors.Select(e => new ProblemError(Redaction.Echo(e.Field), Redaction.Message(e.Message))).ToList();
        return problem;
    }
}
