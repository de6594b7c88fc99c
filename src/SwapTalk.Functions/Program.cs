using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SwapTalk.Core.Activities;
using SwapTalk.Core.Telemetry;
using SwapTalk.Functions.Composition;
using SwapTalk.Functions.Settings;

// Flat memory over long GPU activities, as in the CLI (measured in docs/pipeline.md): large native blocks go back to
// the system when freed, and runtimeconfig.template.json sets System.GC.ConserveMemory.
PipelineServices.ReturnLargeBlocksToTheSystem();

// The isolated worker with ASP.NET Core integration; everything the functions use is wired in one place.
var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.Services.AddSwapTalkFunctions(builder.Configuration);

// The core's spans and metrics (and the worker's own) through OpenTelemetry to Azure Monitor, where the standard
// APPLICATIONINSIGHTS_CONNECTION_STRING setting names a resource; without it nothing is exported.
var telemetry = builder.Services.AddOpenTelemetry()
    .WithTracing(tracing => tracing.AddSource(SwapTalkTelemetry.SourceName))
    .WithMetrics(metrics => metrics.AddMeter(SwapTalkTelemetry.MeterName))
    .UseFunctionsWorkerDefaults();
if (!string.IsNullOrWhiteSpace(builder.Configuration[AppSettingNames.ApplicationInsightsConnection]))
{
    // The resource has local (key) auth off: the app's user-assigned identity sends the telemetry.
    var identity = builder.Configuration[AppSettingNames.AzureClientId];
    telemetry.UseAzureMonitorExporter(exporter =>
    {
        if (!string.IsNullOrWhiteSpace(identity)) exporter.Credential = new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(identity));
    });
}

builder.Build().Run();
