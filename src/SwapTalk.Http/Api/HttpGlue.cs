using System.Text;
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

    public static async Task<IActionResult> RespondAsync(Task<ApiResponse> answer) => new ApiActionResult(await answer);
}

/// <summary>Writes an <see cref="ApiResponse"/> as it is: status, headers, the already serialized JSON body.</summary>
public sealed class ApiActionResult(ApiResponse response) : IActionResult
{
    public ApiResponse Response => response;

    public async Task ExecuteResultAsync(ActionContext context)
    {
        var http = context.HttpContext.Response;
        http.StatusCode = response.StatusCode;
        foreach (var (name, value) in response.Headers) http.Headers[name] = value;
        if (response.Body is not null)
            await http.Body.WriteAsync(Encoding.UTF8.GetBytes(response.Body), context.HttpContext.RequestAborted);
    }
}
