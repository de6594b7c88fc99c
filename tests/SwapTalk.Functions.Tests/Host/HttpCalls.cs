using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace SwapTalk.Functions.Tests.Host;

/// <summary>What an HTTP function answered, as the ASP.NET Core integration would write it.</summary>
public sealed record HttpAnswer(int Status, IHeaderDictionary Headers, string Body)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement;

    public ProblemDetails Problem => JsonSerializer.Deserialize<ProblemDetails>(Body, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
}

/// <summary>Real ASP.NET Core request objects (DefaultHttpContext) for the functions, and their results executed onto the response.</summary>
public static class HttpCalls
{
    public const string Host = "swaptalk.example";

    /// <summary>The request services a host gives every request (the framework's results log through them).</summary>
    public static IServiceProvider Services { get; } = new ServiceCollection().AddLogging().BuildServiceProvider();

    public static HttpRequest Request(string method, string path, string? body = null, string? contentType = "application/json",
        IReadOnlyDictionary<string, string>? headers = null)
    {
        var context = new DefaultHttpContext { RequestServices = Services };
        var request = context.Request;
        request.Method = method;
        request.Scheme = "https";
        request.Host = new HostString(Host);
        request.Path = path;
        request.QueryString = new QueryString("?code=FUNCTION-KEY");
        if (contentType is not null) request.ContentType = contentType;
        var bytes = body is null ? [] : Encoding.UTF8.GetBytes(body);
        request.Body = new MemoryStream(bytes);
        if (body is not null) request.ContentLength = bytes.Length;
        foreach (var (name, value) in headers ?? new Dictionary<string, string>()) request.Headers[name] = value;
        context.Response.Body = new MemoryStream();
        return request;
    }

    public static async Task<HttpAnswer> SendAsync(HttpRequest request, Func<HttpRequest, Task<IActionResult>> function)
    {
        var result = await function(request);
        await result.ExecuteResultAsync(new ActionContext(request.HttpContext, new RouteData(), new ActionDescriptor()));
        var response = request.HttpContext.Response;
        response.Body.Position = 0;
        return new HttpAnswer(response.StatusCode, response.Headers, await new StreamReader(response.Body).ReadToEndAsync());
    }
}
