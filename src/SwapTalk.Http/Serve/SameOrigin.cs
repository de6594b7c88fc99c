using Microsoft.AspNetCore.Http;

namespace SwapTalk.Http;

/// <summary>
/// What keeps other web sites out of a server on this machine. A page from elsewhere can make the browser send
/// requests to 127.0.0.1 (a form post, or a DNS name rebound to 127.0.0.1): on loopback without a token, requests must
/// name this server's own host (Host header: 400 otherwise, the DNS-rebinding defence), and API requests carrying
/// another site's Origin are refused (403, the cross-site-request defence). With a token, any host name may reach it
/// (it listens for other machines), and the token does the rest.
/// </summary>
public static class SameOrigin
{
    public static Func<HttpContext, RequestDelegate, Task> Gate(IReadOnlyList<Uri> urls, bool anyHost)
    {
        var hosts = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "localhost", "127.0.0.1", "[::1]" };
        foreach (var url in urls) hosts.Add(url.Host);
        return async (context, next) =>
        {
            var request = context.Request;
            if (!anyHost && !hosts.Contains(request.Host.Host))
            {
                await Refuse(context, 400, "unknown-host", "Unknown host",
                    $"this server answers to {string.Join(", ", hosts.Order())} only");
                return;
            }
            if (request.Path.StartsWithSegments("/" + JobLinks.RoutePrefix) && request.Headers.Origin.ToString() is { Length: > 0 } origin
                && !string.Equals(origin, $"{request.Scheme}://{request.Host}", StringComparison.OrdinalIgnoreCase))
            {
                await Refuse(context, 403, "cross-origin", "Cross-origin request", "the API answers its own page only");
                return;
            }
            await next(context);
        };
    }

    private static Task Refuse(HttpContext context, int status, string slug, string title, string detail) =>
        TypedResults.Problem(Problem.Of(status, slug, title, detail, context.Request.Path)).ExecuteAsync(context);
}
