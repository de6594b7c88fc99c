using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;
using SwapTalk.Functions.Composition;

// The isolated worker with ASP.NET Core integration; everything the functions use is wired in one place.
var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.Services.AddSwapTalkFunctions(builder.Configuration);
builder.Build().Run();
