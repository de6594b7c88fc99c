using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Extensions.Logging;
using SwapTalk.Core.Inference.Native;

namespace SwapTalk.Core.Inference;

/// <summary>
/// One loaded model. <see cref="Run"/> may be called from several threads at once (ORT's
/// sessions are thread-safe for Run; this wrapper keeps no per-call state). Inputs are checked
/// against the model's declared names, element types and fixed dimensions before ORT sees them,
/// so a mistake is reported with the model and tensor by name.
/// </summary>
public sealed unsafe class InferenceSession : IDisposable
{
    private readonly OrtRuntime _runtime;
    private readonly OrtApi _api;
    private readonly OrtHandle _session;
    private readonly Dictionary<string, int> _inputIndex;
    private readonly Dictionary<string, int> _outputIndex;
    // Input then output names as NUL-terminated UTF-8 in one immutable block, pinned per call.
    private readonly byte[] _names;
    private readonly int[] _inputNameOffset;
    private readonly int[] _outputNameOffset;

    private InferenceSession(OrtRuntime runtime, string name, OrtHandle session, ExecutionProvider provider, string? fallbackReason)
    {
        _runtime = runtime;
        _api = runtime.Api;
        _session = session;
        Name = name;
        Provider = provider;
        ProviderFallbackReason = fallbackReason;
        Inputs = ReadInfos(input: true);
        Outputs = ReadInfos(input: false);
        _inputIndex = Inputs.Select((t, i) => (t.Name, i)).ToDictionary(p => p.Name, p => p.i);
        _outputIndex = Outputs.Select((t, i) => (t.Name, i)).ToDictionary(p => p.Name, p => p.i);
        var blob = new List<byte>();
        _inputNameOffset = Inputs.Select(t => AppendName(blob, t.Name)).ToArray();
        _outputNameOffset = Outputs.Select(t => AppendName(blob, t.Name)).ToArray();
        _names = blob.ToArray();
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

    internal static InferenceSession Create(OrtRuntime runtime, string name, SessionSettings settings, string? path, ReadOnlySpan<byte> bytes)
    {
        var api = runtime.Api;
        nint rawOptions;
        api.Check(api.CreateSessionOptions(&rawOptions), name, "CreateSessionOptions");
        using var options = new OrtHandle(rawOptions, api.ReleaseSessionOptions, "SessionOptions");
        var nameBytes = Utf8(name);
        fixed (byte* logId = nameBytes)
            api.Check(api.SetSessionLogId(rawOptions, logId), name, "SetSessionLogId");
        api.Check(api.SetIntraOpNumThreads(rawOptions, settings.IntraOpThreads), name, "SetIntraOpNumThreads");
        api.Check(api.SetSessionGraphOptimizationLevel(rawOptions, (int)settings.Optimization), name, "SetSessionGraphOptimizationLevel");
        foreach (var (key, value) in settings.ConfigEntries)
        {
            fixed (byte* k = Utf8(key))
            fixed (byte* v = Utf8(value))
                api.Check(api.AddSessionConfigEntry(rawOptions, k, v), name, $"AddSessionConfigEntry({key}={value})");
        }

        var provider = ExecutionProvider.Cpu;
        string? fallback = null;
        if (settings.Provider == ExecutionProvider.Cuda)
        {
            fallback = TryAppendCuda(api, rawOptions, settings.CudaDeviceId);
            if (fallback is null) provider = ExecutionProvider.Cuda;
            else
                runtime.Logger.LogWarning(
                    "{Model}: CUDA execution provider (device {Device}) unavailable in ONNX Runtime {Version} at {Library}: {Reason}; falling back to CPU",
                    name, settings.CudaDeviceId, runtime.Version, runtime.LibraryPath, fallback);
        }

        nint session;
        var envAdded = false;
        runtime.Env.DangerousAddRef(ref envAdded);
        try
        {
            if (path is not null)
            {
                fixed (byte* p = Utf8(path))
                    api.Check(api.CreateSession(runtime.Env.DangerousGetHandle(), p, rawOptions, &session), name, $"loading {path}");
            }
            else
            {
                fixed (byte* data = bytes)
                    api.Check(api.CreateSessionFromArray(runtime.Env.DangerousGetHandle(), data, (nuint)bytes.Length, rawOptions, &session), name, "loading model bytes");
            }
        }
        finally
        {
            if (envAdded) runtime.Env.DangerousRelease();
        }
        var handle = new OrtHandle(session, api.ReleaseSession, "Session");
        try
        {
            return new InferenceSession(runtime, name, handle, provider, fallback);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Appends CUDA with the requested device; returns null on success, else ORT's reason.</summary>
    private static string? TryAppendCuda(OrtApi api, nint options, int deviceId)
    {
        nint cuda;
        var status = api.CreateCUDAProviderOptions(&cuda);
        if (status != 0) return api.TakeStatus(status).Message;
        using var cudaOptions = new OrtHandle(cuda, api.ReleaseCUDAProviderOptions, "CUDAProviderOptionsV2");
        var key = Utf8("device_id");
        var value = Utf8(deviceId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        fixed (byte* k = key)
        fixed (byte* v = value)
        {
            var keys = stackalloc byte*[1] { k };
            var values = stackalloc byte*[1] { v };
            status = api.UpdateCUDAProviderOptions(cuda, keys, values, 1);
        }
        if (status != 0) return api.TakeStatus(status).Message;
        status = api.SessionOptionsAppendExecutionProvider_CUDA_V2(options, cuda);
        return status != 0 ? api.TakeStatus(status).Message : null;
    }

    private IReadOnlyList<TensorInfo> ReadInfos(bool input)
    {
        nuint count;
        var raw = _session.DangerousGetHandle();
        _api.Check(input ? _api.SessionGetInputCount(raw, &count) : _api.SessionGetOutputCount(raw, &count), Name,
            input ? "SessionGetInputCount" : "SessionGetOutputCount");
        var infos = new TensorInfo[(int)count];
        for (nuint i = 0; i < count; i++)
        {
            byte* rawName;
            _api.Check(input ? _api.SessionGetInputName(raw, i, _runtime.DefaultAllocator, &rawName)
                : _api.SessionGetOutputName(raw, i, _runtime.DefaultAllocator, &rawName), Name, input ? "SessionGetInputName" : "SessionGetOutputName");
            var tensorName = _api.TakeAllocatedString(_runtime.DefaultAllocator, rawName);
            nint typeInfo;
            _api.Check(input ? _api.SessionGetInputTypeInfo(raw, i, &typeInfo) : _api.SessionGetOutputTypeInfo(raw, i, &typeInfo), Name,
                input ? $"SessionGetInputTypeInfo('{tensorName}')" : $"SessionGetOutputTypeInfo('{tensorName}')");
            using var owner = new OrtHandle(typeInfo, _api.ReleaseTypeInfo, "TypeInfo");
            nint tensorInfo;
            // The cast result is owned by the type info: not released separately.
            _api.Check(_api.CastTypeInfoToTensorInfo(typeInfo, &tensorInfo), Name, "CastTypeInfoToTensorInfo");
            infos[(int)i] = tensorInfo == 0
                ? new TensorInfo(tensorName, TensorElementType.Undefined, [])
                : new TensorInfo(tensorName, ReadElementType(tensorInfo), ReadShape(tensorInfo, symbolic: true));
        }
        return infos;
    }

    private TensorElementType ReadElementType(nint info)
    {
        int type;
        _api.Check(_api.GetTensorElementType(info, &type), Name, "GetTensorElementType");
        return (TensorElementType)type;
    }

    private TensorDim[] ReadShape(nint info, bool symbolic)
    {
        nuint rank;
        _api.Check(_api.GetDimensionsCount(info, &rank), Name, "GetDimensionsCount");
        var dims = new long[(int)rank];
        var symbols = new nint[(int)rank];
        fixed (long* d = dims)
            _api.Check(_api.GetDimensions(info, d, rank), Name, "GetDimensions");
        if (symbolic && rank > 0)
            fixed (nint* s = symbols)
                _api.Check(_api.GetSymbolicDimensions(info, (byte**)s, rank), Name, "GetSymbolicDimensions");
        var shape = new TensorDim[(int)rank];
        for (var i = 0; i < shape.Length; i++)
        {
            var symbol = symbols[i] == 0 ? null : Marshal.PtrToStringUTF8(symbols[i]);
            shape[i] = new TensorDim(dims[i], string.IsNullOrEmpty(symbol) ? null : symbol);
        }
        return shape;
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

    private void CheckInputs(ReadOnlySpan<TensorInput> inputs, Span<int> inputIdx)
    {
        Span<bool> seen = stackalloc bool[Inputs.Count];
        for (var i = 0; i < inputs.Length; i++)
        {
            var input = inputs[i];
            if (!_inputIndex.TryGetValue(input.Name, out var j))
                throw new TensorContractException(Name, input.Name, $"the model has no input '{input.Name}' (inputs: {string.Join(", ", Inputs.Select(t => t.Name))})");
            if (seen[j]) throw new TensorContractException(Name, input.Name, "input given twice");
            seen[j] = true;
            inputIdx[i] = j;
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
        Span<int> inputIdx = inputs.Length <= 16 ? stackalloc int[inputs.Length] : new int[inputs.Length];
        CheckInputs(inputs, inputIdx);

        int nIn = inputs.Length, nOut = outputIdx.Length;
        var pins = ArrayPool<MemoryHandle>.Shared.Rent(nIn + callerOutputs.Length);
        var inputValues = new OrtHandle?[nIn];
        var boundOutputs = new OrtHandle?[callerOutputs.Length];
        var produced = new nint[nOut];
        var sessionAdded = false;
        try
        {
            var inNames = stackalloc nint[nIn];
            var inValues = stackalloc nint[nIn];
            var outNames = stackalloc nint[nOut];
            fixed (byte* names = _names)
            fixed (nint* outValues = produced)
            {
                for (var i = 0; i < nIn; i++)
                {
                    pins[i] = inputs[i].Pin();
                    inputValues[i] = CreateValue(inputs[i].Name, pins[i].Pointer, inputs[i].Length, inputs[i].ElementSize, inputs[i].Shape, inputs[i].ElementType);
                    inValues[i] = inputValues[i]!.DangerousGetHandle();
                    inNames[i] = (nint)(names + _inputNameOffset[inputIdx[i]]);
                }
                for (var i = 0; i < callerOutputs.Length; i++)
                {
                    var o = callerOutputs[i];
                    pins[nIn + i] = o.Pin();
                    boundOutputs[i] = CreateValue(o.Name, pins[nIn + i].Pointer, o.Length, o.ElementSize, o.Shape, o.ElementType);
                    outValues[i] = boundOutputs[i]!.DangerousGetHandle();
                }
                for (var i = 0; i < nOut; i++) outNames[i] = (nint)(names + _outputNameOffset[outputIdx[i]]);

                _session.DangerousAddRef(ref sessionAdded);
                var status = _api.Run(_session.DangerousGetHandle(), 0, inNames, inValues, (nuint)nIn, outNames, (nuint)nOut, outValues);
                if (status != 0)
                {
                    // ORT may have filled some outputs before failing; those are ours to release.
                    for (var i = callerOutputs.Length; i < nOut; i++)
                        if (produced[i] != 0) { _api.ReleaseValue(produced[i]); produced[i] = 0; }
                    _api.Check(status, Name, "Run");
                }
            }
            if (!callerOutputs.IsEmpty) return null;
            return WrapOutputs(outputIdx, produced);
        }
        finally
        {
            if (sessionAdded) _session.DangerousRelease();
            foreach (var v in inputValues) v?.Dispose();
            foreach (var v in boundOutputs) v?.Dispose();
            for (var i = 0; i < nIn + callerOutputs.Length; i++) pins[i].Dispose();
            ArrayPool<MemoryHandle>.Shared.Return(pins, clearArray: true);
        }
    }

    private OrtHandle CreateValue(string tensor, void* data, int length, int elementSize, IReadOnlyList<long> shape, TensorElementType type)
    {
        var rank = shape.Count;
        var dims = stackalloc long[Math.Max(rank, 1)];
        for (var d = 0; d < rank; d++) dims[d] = shape[d];
        nint value;
        _api.Check(_api.CreateTensorWithDataAsOrtValue(_runtime.CpuMemory.DangerousGetHandle(), data, (nuint)((long)length * elementSize),
            dims, (nuint)rank, (int)type, &value), Name, $"CreateTensorWithDataAsOrtValue('{tensor}')");
        return new OrtHandle(value, _api.ReleaseValue, "Value");
    }

    private InferenceResult WrapOutputs(int[] outputIdx, nint[] produced)
    {
        var handles = new OrtHandle[produced.Length];
        for (var i = 0; i < produced.Length; i++) handles[i] = new OrtHandle(produced[i], _api.ReleaseValue, "Value");
        try
        {
            var tensors = new OutputTensor[produced.Length];
            for (var i = 0; i < produced.Length; i++)
            {
                var name = Outputs[outputIdx[i]].Name;
                nint info;
                _api.Check(_api.GetTensorTypeAndShape(produced[i], &info), Name, $"GetTensorTypeAndShape('{name}')");
                TensorElementType type;
                long[] shape;
                using (new OrtHandle(info, _api.ReleaseTensorTypeAndShapeInfo, "TensorTypeAndShapeInfo"))
                {
                    type = ReadElementType(info);
                    shape = ReadShape(info, symbolic: false).Select(d => d.Value).ToArray();
                }
                void* data;
                _api.Check(_api.GetTensorMutableData(produced[i], &data), Name, $"GetTensorMutableData('{name}')");
                long count = 1;
                foreach (var d in shape) count *= d;
                tensors[i] = new OutputTensor(Name, name, type, shape, count, data, handles[i]);
            }
            return new InferenceResult(tensors);
        }
        catch
        {
            foreach (var h in handles) h.Dispose();
            throw;
        }
    }

    /// <summary>A value from the model's metadata_props, or null.</summary>
    public string? GetMetadata(string key)
    {
        var added = false;
        _session.DangerousAddRef(ref added);
        try
        {
            nint metadata;
            _api.Check(_api.SessionGetModelMetadata(_session.DangerousGetHandle(), &metadata), Name, "SessionGetModelMetadata");
            using var owner = new OrtHandle(metadata, _api.ReleaseModelMetadata, "ModelMetadata");
            byte* value;
            fixed (byte* k = Utf8(key))
                _api.Check(_api.ModelMetadataLookupCustomMetadataMap(metadata, _runtime.DefaultAllocator, k, &value), Name, "ModelMetadataLookupCustomMetadataMap");
            return value == null ? null : _api.TakeAllocatedString(_runtime.DefaultAllocator, value);
        }
        finally
        {
            if (added) _session.DangerousRelease();
        }
    }

    public void Dispose() => _session.Dispose();

    private static int AppendName(List<byte> blob, string name)
    {
        var offset = blob.Count;
        blob.AddRange(Encoding.UTF8.GetBytes(name));
        blob.Add(0);
        return offset;
    }

    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s + "\0");

    public override string ToString() => $"{Name} ({Provider}): in {string.Join("; ", Inputs)} -> out {string.Join("; ", Outputs)}";
}
