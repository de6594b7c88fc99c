using System.Text;
using Microsoft.AspNetCore.Http;

namespace SwapTalk.Http;

/// <summary>Writes an <see cref="ApiResponse"/> as it is, for minimal APIs (<see cref="ApiActionResult"/> is the MVC twin the Functions app uses).</summary>
public sealed class ApiResult(ApiResponse response) : IResult
{
    public ApiResponse Response => response;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var http = httpContext.Response;
        http.StatusCode = response.StatusCode;
        foreach (var (name, value) in response.Headers) http.Headers[name] = value;
        if (response.Body is not null)
            await http.Body.WriteAsync(Encoding.UTF8.GetBytes(response.Body), httpContext.RequestAborted);
    }
}
