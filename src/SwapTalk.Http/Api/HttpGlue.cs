using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.AspNetCore.Mvc;

namespace SwapTalk.Http;

/// <summary>Between ASP.NET Core's request and response and the job API's messages: no decisions, only copying.</summary>
public static class HttpGlue
{
    public static ApiRequest ToApiRequest(HttpRequest request) =>
        new(new Uri(request.GetDisplayUrl()), request.Body,
            request.Headers.Select(h => new KeyValuePair<string, IEnumerable<string>>(h.Key, h.Value.Where(v => v is not null).Select(v => v!))));

    /// <summary>For the Functions app's MVC-style functions: the same framework results, as an action result.</summary>
    public static async Task<IActionResult> RespondAsync(Task<ApiResponse> answer) => (await answer).AsActionResult();
}
