using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace SwapTalk.Http;

/// <summary>
/// The access rule of <c>swaptalk serve</c>: on loopback addresses no token is needed; an address other machines can
/// reach needs one (<c>--token</c> or <see cref="EnvironmentVariable"/>), and with a token set every API request must
/// carry it, as <c>Authorization: Bearer TOKEN</c> or the page's cookie <see cref="CookieName"/>, or gets 401. The page's
/// own files are served without it (they hold no data; the page asks for the token).
/// </summary>
public static class AccessToken
{
    public const string EnvironmentVariable = "SWAPTALK_SERVE_TOKEN";
    public const string CookieName = "swaptalk_token";

    /// <summary>Shortest token accepted: 16 characters, so it cannot be guessed over the network.</summary>
    public const int MinLength = 16;

    /// <returns>The problem with the listening addresses and token, or null when they may be used together.</returns>
    public static string? Check(IReadOnlyList<Uri> urls, string? token)
    {
        if (token is not null && token.Length < MinLength)
            return $"the access token is {token.Length} characters; use at least {MinLength} (e.g. `openssl rand -hex 16`)";
        var open = urls.Where(u => !IsLoopback(u)).ToList();
        if (open.Count > 0 && token is null)
            return $"{string.Join(", ", open)} can be reached from other machines; give an access token (--token or ${EnvironmentVariable}) or listen on 127.0.0.1";
        return null;
    }

    public static bool IsLoopback(Uri url) =>
        url.IsLoopback || (IPAddress.TryParse(url.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));

    /// <summary>Middleware: API requests without the token get a 401 problem.</summary>
    public static Func<HttpContext, RequestDelegate, Task> Gate(string token)
    {
        var expected = Encoding.UTF8.GetBytes(token);
        return async (context, next) =>
        {
            if (!context.Request.Path.StartsWithSegments("/" + JobLinks.RoutePrefix) || Carries(context.Request, expected))
            {
                await next(context);
                return;
            }
            context.Response.Headers.WWWAuthenticate = "Bearer";
            await TypedResults.Problem(Problem.Of(401, "unauthorized", "Access token needed",
                "this server needs its access token: send Authorization: Bearer TOKEN (the page asks for it)", context.Request.Path)).ExecuteAsync(context);
        };
    }

    private static bool Carries(HttpRequest request, byte[] expected)
    {
        var header = request.Headers.Authorization.ToString();
        var given = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim()
            : request.Cookies.TryGetValue(CookieName, out var cookie) ? Uri.UnescapeDataString(cookie) : null;
        return given is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), expected);
    }
}
