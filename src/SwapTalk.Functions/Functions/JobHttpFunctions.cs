using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using SwapTalk.Functions.Durable;
using SwapTalk.Functions.Http;
using SwapTalk.Http;
using SwapTalk.Functions.Settings;

namespace SwapTalk.Functions.Functions;

/// <summary>
/// The job API (docs/azure.md) on the ASP.NET Core integration: every endpoint requires a function key
/// (AuthorizationLevel.Function), and Easy Auth adds Microsoft Entra ID in front where configured. Durable's built-in
/// status URLs are never returned: they carry the Durable extension's system key.
/// </summary>
public sealed class JobHttpFunctions(JobApi api)
{
    [Function(HostFunctionNames.StartJob)]
    public Task<IActionResult> StartJob(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = JobLinks.JobsRoute)] HttpRequest request,
        [DurableClient] DurableTaskClient client) =>
        HttpGlue.RespondAsync(api.StartAsync(HttpGlue.ToApiRequest(request), new DurableJobInstances(client), request.HttpContext.RequestAborted));

    [Function(HostFunctionNames.GetJobStatus)]
    public Task<IActionResult> GetJobStatus(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = JobLinks.JobRoute)] HttpRequest request, string jobId,
        [DurableClient] DurableTaskClient client) =>
        HttpGlue.RespondAsync(api.StatusAsync(HttpGlue.ToApiRequest(request), jobId, new DurableJobInstances(client), request.HttpContext.RequestAborted));

    [Function(HostFunctionNames.GetJobResult)]
    public Task<IActionResult> GetJobResult(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = JobLinks.ResultRoute)] HttpRequest request, string jobId,
        [DurableClient] DurableTaskClient client) =>
        HttpGlue.RespondAsync(api.ResultAsync(HttpGlue.ToApiRequest(request), jobId, new DurableJobInstances(client), request.HttpContext.RequestAborted));

    [Function(HostFunctionNames.CancelJob)]
    public Task<IActionResult> CancelJob(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = JobLinks.CancelRoute)] HttpRequest request, string jobId,
        [DurableClient] DurableTaskClient client) =>
        HttpGlue.RespondAsync(api.CancelAsync(HttpGlue.ToApiRequest(request), jobId, new DurableJobInstances(client), request.HttpContext.RequestAborted));
}
