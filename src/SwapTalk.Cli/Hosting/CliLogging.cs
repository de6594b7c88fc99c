using Microsoft.Extensions.Logging;

namespace SwapTalk.Cli.Hosting;

/// <summary>
/// The logging every command sets up, in one place: one line per message on the console, warnings and worse (a CUDA
/// fallback, a model binding's own warnings); ONNX Runtime's load chatter (Peppa's ~150 warnings) only from errors.
/// The worker adds its own timestamps and the pipeline's progress (Commands/WorkerCommand.cs).
/// </summary>
internal static class CliLogging
{

    public static void Configure(ILoggingBuilder logging) => logging
        .AddSimpleConsole(o => o.SingleLine = true)
        .SetMinimumLevel(LogLevel.Warning)
        .AddFilter("SwapTalk.Inference.OnnxRuntime", LogLevel.Error);
}
