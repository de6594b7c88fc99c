using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using SwapTalk.Core.Inference;

[assembly: AssemblyFixture(typeof(SwapTalk.Tests.Inference.OrtRuntimeFixture))]

namespace SwapTalk.Tests.Inference;

/// <summary>
/// Creates the process's one ONNX Runtime before any test, with a logger that records what the
/// binding and ORT log, so tests can assert on routed log lines whatever order tests run in.
/// </summary>
public sealed class OrtRuntimeFixture
{
    public static RecordingLoggerProvider Log { get; } = new();

    private static readonly Lazy<(OrtRuntime? Runtime, Exception? Error)> Created = new(() =>
    {
        try
        {
            return (OrtRuntime.Initialize(new OrtRuntimeOptions(), LoggerFactory.Create(b => b.AddProvider(Log).SetMinimumLevel(LogLevel.Debug))), null);
        }
        catch (Exception e)
        {
            return (null, e);
        }
    });

    public OrtRuntimeFixture() => _ = Created.Value;

    /// <summary>The runtime; fails the test with the loader's message where the library is missing (run scripts/setup.sh).</summary>
    public static OrtRuntime Runtime => Created.Value.Runtime
        ?? throw new InvalidOperationException("ONNX Runtime did not load: " + Created.Value.Error?.Message, Created.Value.Error);
}

public sealed record LogLine(string Category, LogLevel Level, string Message);

public sealed class RecordingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<LogLine> _lines = new();

    public IReadOnlyCollection<LogLine> Lines => _lines;

    public ILogger CreateLogger(string categoryName) => new Recorder(categoryName, _lines);

    public void Dispose() { }

    private sealed class Recorder(string category, ConcurrentQueue<LogLine> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (lines.Count < 10_000) lines.Enqueue(new LogLine(category, logLevel, formatter(state, exception)));
        }
    }
}
