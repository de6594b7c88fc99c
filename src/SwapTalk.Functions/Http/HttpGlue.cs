using System.Net;
using Microsoft.Azure.Functions.Worker.Http;
using SwapTalk.Core.Hosting.Http;

namespace SwapTalk.Functions.Http;

/// <summary>Between the worker's HTTP types and the core's job API: no decisions, only copying.</summary>
internal static class HttpGlue
{
    public static ApiRequest ToApiRequest(HttpRequestData request) => new(request.Url, request.Body, request.Headers);

    public static async Task<HttpResponseData> RespondAsync(HttpRequestData request, Task<ApiResponse> answer)
    {
        var result = await answer;
        var response = request.CreateResponse((HttpStatusCode)result.StatusCode);
        foreach (var (name, value) in result.Headers) response.Headers.TryAddWithoutValidation(name, value);
        if (result.Body is not null) await response.WriteStringAsync(result.Body, request.FunctionContext.CancellationToken);
        return response;
    }
}
