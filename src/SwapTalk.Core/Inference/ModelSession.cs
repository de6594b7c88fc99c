using System.Buffers;
using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using Ort = Microsoft.ML.OnnxRuntime;

namespace SwapTalk.Core.Inference;

/// <summary>
/// One loaded model over ONNX Runtime's own <see cref="Ort.InferenceSession"/>. <see cref="Run"/> may be
/// called from several threads at once (ORT's Run is thread-safe; this wrapper keeps no per-call
/// state). Inputs are checked against the model's declared names, element types and fixed
/// dimensions before ORT sees them, so a mistake is reported with the model and tensor by name.
/// Tensors are ORT values over the caller's memory, pinned for the call: never copied.
/// </summary>
public sealed class ModelSession : IDisposable
{
    private readonly Ort.InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    // Runs hold the read side; Dispose takes the write side, so the native session is never freed under a running call.
    private readonly ReaderWriterLockSlim _lifetime = new(LockRecursionPolicy.NoRecursion);
    private readonly Dictionary<string, int> _inputIndex;
    private readonly Dictionary<string, int> _outputIndex;
    private readonly IReadOnlyDictionary<string, string> _metadata;
    private bool _disposed;

    private ModelSession(string name, Ort.InferenceSession session, ExecutionProvider provider, string? fallbackReason)
    {
        _session = session;
        Name = name;
        Provider = provider;
        ProviderFallbackReason = fallbackReason;
        Inputs = session.InputNames.Select(n => Describe(n, session.InputMetadata[n])).ToArray();
        Outputs = session.OutputNames.Select(n => Describe(n, session.OutputMetadata[n])).ToArray();
        _inputIndex = Inputs.Select((t, i) => (t.Name, i)).ToDictionary(p => p.Name, p => p.i);
        _outputIndex = Outputs.Select((t, i) => (t.Name, i)).ToDictionary(p => p.Name, p => p.i);
        _metadata = session.ModelMetadata.CustomMetadataMap;
    }

    /// <summary>The name used in errors and ORT's log lines (stage name or file name).</summary>
    public string Name { get; }

    public IReadOnlyList<TensorInfo> Inputs { get; }
    public IReadOnlyList<TensorInfo> Outputs { get; }

    /// <summary>The provider the session actually runs on.</summary>
    public ExecutionProvider Provider { get; }

    /// <summary>Why CUDA was asked for but CPU is used (ORT's message), or null.</summary>
    public string? ProviderFallbackReason { get; }

    public TensorInfo Input(string name) => _inputIndex.TryGetValue(name, out var i) ? Inputs[i]
        : throw new TensorContractException(Name, name, $"the model has no input '{name}' (inputs: {string.Join(", ", Inputs.Select(t => t.Name))})");

    public TensorInfo Output(string name) => _outputIndex.TryGetValue(name, out var i) ? Outputs[i]
        : throw new TensorContractException(Name, name, $"the model has no output '{name}' (outputs: {string.Join(", ", Outputs.Select(t => t.Name))})");

    internal static ModelSession Create(OrtRuntime runtime, string name, SessionSettings settings, string? path, byte[]? bytes)
    {
        using var options = new SessionOptions
        {
            LogId = name,
            LogSeverityLevel = runtime.LogLevel,
            IntraOpNumThreads = settings.IntraOpThreads,
            GraphOptimizationLevel = settings.Optimization,
        };
        foreach (var (key, value) in settings.ConfigEntries)
        {
            try
            {
                options.AddSessionConfigEntry(key, value);
            }
            catch (OnnxRuntimeException e)
            {
                throw new OrtException(name, $"session config entry {key}={value}", e.Message, e);
            }
        }

        var provider = ExecutionProvider.Cpu;
        string? fallback = null;
        if (settings.Provider == ExecutionProvider.Cuda)
        {
            fallback = TryAppendCuda(options, settings.CudaDeviceId);
            if (fallback is null) provider = ExecutionProvider.Cuda;
            else
                runtime.Logger.LogWarning(
                    "{Model}: CUDA execution provider (device {Device}) unavailable in ONNX Runtime {Version}: {Reason}; falling back to CPU",
                    name, settings.CudaDeviceId, runtime.Version, fallback);
        }

        Ort.InferenceSession session;
        try
        {
            session = path is not null ? new Ort.InferenceSession(path, options) : new Ort.InferenceSession(bytes!, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new OrtException(name, path is not null ? $"loading {path}" : "loading model bytes", e.Message, e);
        }
        try
        {
            return new ModelSession(name, session, provider, fallback);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>Appends CUDA with the requested device; returns null on success, else why not.</summary>
    private static string? TryAppendCuda(SessionOptions options, int deviceId)
    {
        try
        {
            using var cuda = new OrtCUDAProviderOptions();
            cuda.UpdateOptions(new Dictionary<string, string> { ["device_id"] = deviceId.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            options.AppendExecutionProvider_CUDA(cuda);
            return null;
        }
        // The CPU package lacks the CUDA entry points; the GPU package without CUDA's libraries fails to load its provider.
        catch (Exception e) when (e is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException)
        {
            return e.Message;
        }
    }

    private static TensorInfo Describe(string name, NodeMetadata metadata)
    {
        if (!metadata.IsTensor) return new TensorInfo(name, TensorElementType.Undefined, []);
        var shape = new TensorDim[metadata.Dimensions.Length];
        for (var d = 0; d < shape.Length; d++)
        {
            var symbol = d < metadata.SymbolicDimensions.Length ? metadata.SymbolicDimensions[d] : null;
            shape[d] = new TensorDim(metadata.Dimensions[d], string.IsNullOrEmpty(symbol) ? null : symbol);
        }
        return new TensorInfo(name, (TensorElementType)(int)metadata.ElementDataType, shape);
    }

    /// <summary>
    /// Runs the model with <paramref name="inputs"/> and returns the named outputs (all outputs when
    /// none are named) in ORT's memory; dispose the result to free them.
    /// </summary>
    public InferenceResult Run(ReadOnlySpan<TensorInput> inputs, params ReadOnlySpan<string> outputs)
    {
        var outputIdx = outputs.IsEmpty ? Enumerable.Range(0, Outputs.Count).ToArray() : ResolveOutputs(outputs);
        return RunCore(inputs, outputIdx, ReadOnlySpan<TensorOutput>.Empty)!;
    }

    /// <summary>Runs the model writing each named output into the caller's buffer (no copy out of ORT).</summary>
    public void RunInto(ReadOnlySpan<TensorInput> inputs, ReadOnlySpan<TensorOutput> outputs)
    {
        if (outputs.IsEmpty) throw new ArgumentException($"{Name}: RunInto needs at least one output buffer", nameof(outputs));
        var names = new string[outputs.Length];
        for (var i = 0; i < outputs.Length; i++)
        {
            var info = Output(outputs[i].Name);
            CheckTensor(info, outputs[i].ElementType, outputs[i].Shape, "output");
            names[i] = outputs[i].Name;
        }
        RunCore(inputs, ResolveOutputs(names), outputs);
    }

    private int[] ResolveOutputs(ReadOnlySpan<string> names)
    {
        var idx = new int[names.Length];
        for (var i = 0; i < names.Length; i++)
        {
            idx[i] = _outputIndex.TryGetValue(names[i], out var j) ? j
                : throw new TensorContractException(Name, names[i], $"the model has no output '{names[i]}' (outputs: {string.Join(", ", Outputs.Select(t => t.Name))})");
            for (var k = 0; k < i; k++)
                if (idx[k] == idx[i]) throw new TensorContractException(Name, names[i], "output requested twice");
        }
        return idx;
    }

    private void CheckInputs(ReadOnlySpan<TensorInput> inputs)
    {
        Span<bool> seen = stackalloc bool[Inputs.Count];
        for (var i = 0; i < inputs.Length; i++)
        {
            var input = inputs[i];
            if (!_inputIndex.TryGetValue(input.Name, out var j))
                throw new TensorContractException(Name, input.Name, $"the model has no input '{input.Name}' (inputs: {string.Join(", ", Inputs.Select(t => t.Name))})");
            if (seen[j]) throw new TensorContractException(Name, input.Name, "input given twice");
            seen[j] = true;
            CheckTensor(Inputs[j], input.ElementType, input.Shape, "input");
        }
        List<string>? missing = null;
        for (var j = 0; j < Inputs.Count; j++)
            if (!seen[j]) (missing ??= []).Add(Inputs[j].Name);
        if (missing is not null)
            throw new TensorContractException(Name, missing[0],
                $"missing input{(missing.Count > 1 ? "s" : "")} {string.Join(", ", missing.Select(m => $"'{m}'"))} (the model needs {string.Join(", ", Inputs)})");
    }

    private void CheckTensor(TensorInfo declared, TensorElementType type, IReadOnlyList<long> shape, string role)
    {
        if (declared.ElementType != type)
            throw new TensorContractException(Name, declared.Name,
                $"{role} is {declared.ElementType.DisplayName()} {ShapeText(declared)}, got {type.DisplayName()} {TensorShape.Format(shape)}");
        if (declared.Rank != shape.Count)
            throw new TensorContractException(Name, declared.Name,
                $"{role} has rank {declared.Rank} {ShapeText(declared)}, got rank {shape.Count} {TensorShape.Format(shape)}");
        for (var d = 0; d < shape.Count; d++)
            if (declared.Shape[d].IsFixed && declared.Shape[d].Value != shape[d])
                throw new TensorContractException(Name, declared.Name,
                    $"{role} shape {ShapeText(declared)} does not fit {TensorShape.Format(shape)}: dimension {d} must be {declared.Shape[d].Value}");
    }

    private static string ShapeText(TensorInfo info) => "[" + string.Join(",", info.Shape) + "]";

    private InferenceResult? RunCore(ReadOnlySpan<TensorInput> inputs, int[] outputIdx, ReadOnlySpan<TensorOutput> callerOutputs)
    {
        CheckInputs(inputs);
        int nIn = inputs.Length, nBound = callerOutputs.Length;
        var pins = ArrayPool<MemoryHandle>.Shared.Rent(nIn + nBound);
        var inputNames = new string[nIn];
        var inputValues = new OrtValue[nIn];
        var boundValues = new OrtValue[nBound];
        var outputNames = new string[outputIdx.Length];
        for (var i = 0; i < outputIdx.Length; i++) outputNames[i] = Outputs[outputIdx[i]].Name;
        try
        {
            for (var i = 0; i < nIn; i++)
            {
                pins[i] = inputs[i].Pin();
                inputNames[i] = inputs[i].Name;
                inputValues[i] = Wrap(inputs[i].Name, pins[i], inputs[i].ElementType, inputs[i].Shape, inputs[i].Length, inputs[i].ElementSize);
            }
            for (var i = 0; i < nBound; i++)
            {
                var o = callerOutputs[i];
                pins[nIn + i] = o.Pin();
                boundValues[i] = Wrap(o.Name, pins[nIn + i], o.ElementType, o.Shape, o.Length, o.ElementSize);
            }
            _lifetime.EnterReadLock();
            try
            {
                if (_disposed) throw new ObjectDisposedException($"{Name}: the inference session was disposed");
                if (nBound > 0)
                {
                    _session.Run(_runOptions, inputNames, inputValues, outputNames, boundValues);
                    return null;
                }
                var produced = _session.Run(_runOptions, inputNames, inputValues, outputNames);
                try
                {
                    var tensors = new OutputTensor[produced.Count];
                    var k = 0;
                    foreach (var value in produced) tensors[k] = new OutputTensor(Name, outputNames[k++], value);
                    return new InferenceResult(tensors);
                }
                catch
                {
                    produced.Dispose();
                    throw;
                }
            }
            catch (OnnxRuntimeException e)
            {
                throw new OrtException(Name, "Run", e.Message, e);
            }
            finally
            {
                _lifetime.ExitReadLock();
            }
        }
        finally
        {
            foreach (var v in inputValues) v?.Dispose();
            foreach (var v in boundValues) v?.Dispose();
            for (var i = 0; i < nIn + nBound; i++) pins[i].Dispose();
            ArrayPool<MemoryHandle>.Shared.Return(pins, clearArray: true);
        }
    }

    /// <summary>An ORT value over memory the caller already pinned (or native memory): ORT reads and writes it in place.</summary>
    internal unsafe OrtValue Wrap(string tensor, MemoryHandle pin, TensorElementType type, IReadOnlyList<long> shape, int length, int elementSize)
    {
        try
        {
            return OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, (Ort.Tensors.TensorElementType)(int)type,
                shape as long[] ?? shape.ToArray(), (nint)pin.Pointer, (long)length * elementSize);
        }
        catch (OnnxRuntimeException e)
        {
            throw new OrtException(Name, $"wrapping tensor '{tensor}'", e.Message, e);
        }
    }

    /// <summary>A value from the model's metadata_props (ORT's custom metadata map), or null.</summary>
    public string? GetMetadata(string key) => _metadata.TryGetValue(key, out var value) ? value : null;

    public void Dispose()
    {
        if (_disposed) return;
        _lifetime.EnterWriteLock();
        try
        {
            if (_disposed) return;
            _disposed = true;
            _session.Dispose();
            _runOptions.Dispose();
        }
        finally
        {
            _lifetime.ExitWriteLock();
        }
    }

    public override string ToString() => $"{Name} ({Provider}): in {string.Join("; ", Inputs)} -> out {string.Join("; ", Outputs)}";
}
