using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;
using SwapTalk.Core.Activities;
using SwapTalk.Functions.Composition;

// Flat memory over long GPU activities, as in the CLI (measured in docs/pipeline.md): large native blocks go back to
// the system when freed, and runtimeconfig.template.json sets System.GC.ConserveMemory.
PipelineServices.ReturnLargeBlocksToTheSystem();

// The isolated worker with ASP.NET Core integration; everything the functions use is wired in one place.
var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.Services.AddSwapTalkFunctions(builder.Configuration);
builder.Build().Run();
