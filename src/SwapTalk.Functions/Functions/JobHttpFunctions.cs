using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Http;
using Microsoft.DurableTask.Client;
using SwapTalk.Core.Hosting;
using SwapTalk.Core.Hosting.Http;
using SwapTalk.Functions.Durable;
using SwapTalk.Functions.Http;

namespace SwapTalk.Functions.Functions;

/// <summary>
/// The job API (docs/azure.md): every endpoint requires a function key (AuthorizationLevel.Function; the methods-only
/// attribute constructor would leave it anonymous), and Easy Auth adds Microsoft Entra ID in front where configured.
/// Durable's built-in status URLs are never returned: they carry the Durable extension's system key.
/// </summary>
public sealed class JobHttpFunctions(JobApi api)
{
    [Function(HostFunctionNames.StartJob)]
    public Task<HttpResponseData> StartJob(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = JobLinks.JobsRoute)] HttpRequestData request,
        [DurableClient] DurableTaskClient client) =>
        HttpGlue.RespondAsync(request, api.StartAsync(HttpGlue.ToApiRequest(request), new DurableJobInstances(client), request.FunctionContext.CancellationToken));

    [Function(HostFunctionNames.GetJobStatus)]
    public Task<HttpResponseData> GetJobStatus(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = JobLinks.JobRoute)] HttpRequestData request, string jobId,
        [DurableClient] DurableTaskClient client) =>
        HttpGlue.RespondAsync(request, api.StatusAsync(HttpGlue.ToApiRequest(request), jobId, new DurableJobInstances(client), request.FunctionContext.CancellationToken));

    [Function(HostFunctionNames.GetJobResult)]
    public Task<HttpResponseData> GetJobResult(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = JobLinks.ResultRoute)] HttpRequestData request, string jobId,
        [DurableClient] DurableTaskClient client) =>
        HttpGlue.RespondAsync(request, api.ResultAsync(HttpGlue.ToApiRequest(request), jobId, new DurableJobInstances(client), request.FunctionContext.CancellationToken));

    [Function(HostFunctionNames.CancelJob)]
    public Task<HttpResponseData> CancelJob(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = JobLinks.CancelRoute)] HttpRequestData request, string jobId,
        [DurableClient] DurableTaskClient client) =>
        HttpGlue.RespondAsync(request, api.CancelAsync(HttpGlue.ToApiRequest(request), jobId, new DurableJobInstances(client), request.FunctionContext.CancellationToken));
}
