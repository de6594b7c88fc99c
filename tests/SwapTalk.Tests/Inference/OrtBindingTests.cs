using SwapTalk.Core.Inference;
using SwapTalk.Core.Stages;
using SwapTalk.Tests.Support;

namespace SwapTalk.Tests.Inference;

public class OrtBindingTests
{
    private static OrtRuntime Runtime => OrtRuntimeFixture.Runtime;

    [Fact]
    public void The_runtime_is_the_nuget_package_the_build_pins()
    {
        // Directory.Packages.props pins the CPU package and the GPU one (-p:SwapTalkGpu=true) each to their version.
        var pins = System.Xml.Linq.XDocument.Load(Path.Combine(RepoPaths.Root, "Directory.Packages.props"));
        var package = OrtRuntime.Package;
        var pinned = pins.Descendants("PackageVersion").Single(e => (string?)e.Attribute("Include") == package).Attribute("Version")!.Value;
        Runtime.Version.Should().Be(pinned);
        Runtime.Providers.Should().Contain("CPUExecutionProvider");
    }

    [Fact]
    public void Initialize_again_returns_the_same_runtime()
    {
        OrtRuntime.Initialize().Should().BeSameAs(Runtime);
        OrtRuntime.Shared.Should().BeSameAs(Runtime);
    }

    [Fact]
    public unsafe void Tensors_wrap_the_callers_own_memory_without_a_copy()
    {
        using var session = Runtime.OpenSession(TestModels.Tiny(), "tiny");
        using var native = new NativeFloats(16); // the pipeline's 64-byte aligned native buffers
        var input = TensorInput.Of<float>("x", native.Memory, 1, 16);
        using var pin = input.Pin();
        using var value = session.Wrap(input.Name, pin, input.ElementType, input.Shape, input.Length, input.ElementSize);
        fixed (byte* data = value.GetTensorMutableRawData())
            ((nint)data).Should().Be((nint)pin.Pointer, "ORT must read the caller's buffer in place");

        native.GetSpan().Fill(2);
        using var output = new NativeFloats(16);
        session.RunInto([input], [TensorOutput.Of<float>("y", output.Memory, 1, 16)]);
        output.GetSpan().ToArray().Should().AllBeEquivalentTo(5f);
    }

    [Fact]
    public void Session_from_bytes_exposes_metadata_and_computes()
    {
        using var session = Runtime.OpenSession(TestModels.Tiny(), "tiny");
        var x0 = session.Inputs.Should().ContainSingle().Which;
        (x0.Name, x0.ElementType).Should().Be(("x", TensorElementType.Float32));
        x0.Shape.Should().Equal(new TensorDim(1), new TensorDim(16));
        session.Outputs.Should().ContainSingle().Which.ToString().Should().Be("y: float32 [1,16]");
        session.Provider.Should().Be(ExecutionProvider.Cpu);
        session.GetMetadata("swaptalk.stage").Should().Be("tiny");
        session.GetMetadata("no.such.key").Should().BeNull();

        var x = Enumerable.Range(0, 16).Select(i => (float)i).ToArray();
        using var result = session.Run([TensorInput.Of("x", x, 1, 16)]);
        result.Count.Should().Be(1);
        result["y"].Shape.Should().Equal(1, 16);
        result["y"].GetSpan<float>().ToArray().Should().Equal(x.Select(v => v * 2 + 1));
    }

    [Fact]
    public void Session_from_file_reads_symbolic_dimension_names()
    {
        using var dir = new TempDir();
        var path = dir.File("types.onnx");
        File.WriteAllBytes(path, TestModels.Types());
        using var session = Runtime.OpenSession(path);
        session.Name.Should().Be("types");
        session.Input("h").Shape.Should().Equal(new TensorDim(-1, "N"), new TensorDim(4));
        session.Input("l").Shape[0].Should().Be(new TensorDim(-1, "batch"));
        session.Input("u").Shape.Should().OnlyContain(d => d.IsFixed);
        session.Output("l_out").ElementType.Should().Be(TensorElementType.Int64);
    }

    [Fact]
    public void Float16_uint8_and_int64_tensors_pass_through_caller_memory()
    {
        using var session = Runtime.OpenSession(TestModels.Types(), "types");
        var h = new[] { (Half)0.5, (Half)(-2), (Half)1000, (Half)0.125, (Half)3, (Half)4, (Half)5, (Half)6 };
        byte[] u = [0, 1, 127, 128, 254, 255];
        // A slice of a larger array: the binding pins exactly the given window, no copy.
        var backing = new long[] { 99, -7, long.MaxValue / 3, 5, 6, 99 };
        var l = backing.AsMemory(1, 4);
        using var result = session.Run([
            TensorInput.Of("h", h, 2, 4), TensorInput.Of("u", u, 2, 3), TensorInput.Of<long>("l", l, 2, 2)]);
        result["h_out"].ElementType.Should().Be(TensorElementType.Float16);
        result["h_out"].GetSpan<Half>().ToArray().Should().Equal(h.Select(v => (Half)((float)v + 1)));
        result["u_out"].GetSpan<byte>().ToArray().Should().Equal(u);
        result["l_out"].Shape.Should().Equal(2, 2);
        result["l_out"].GetSpan<long>().ToArray().Should().Equal(-21, long.MaxValue / 3 * 3, 15, 18);
        backing.Should().Equal(99, -7, long.MaxValue / 3, 5, 6, 99); // inputs are read, never written
    }

    [Fact]
    public void RunInto_writes_outputs_into_caller_buffers()
    {
        using var session = Runtime.OpenSession(TestModels.Tiny(), "tiny");
        var x = Enumerable.Range(0, 16).Select(i => i * 0.5f).ToArray();
        var y = new float[18];
        y[0] = y[17] = -99; // guards around the bound window
        session.RunInto([TensorInput.Of("x", x, 1, 16)], [TensorOutput.Of("y", y.AsMemory(1, 16), 1, 16)]);
        y[1..17].Should().Equal(x.Select(v => v * 2 + 1));
        (y[0], y[17]).Should().Be((-99f, -99f));
    }

    [Fact]
    public void Requested_outputs_come_back_in_the_requested_order()
    {
        using var session = Runtime.OpenSession(TestModels.Types(), "types");
        using var result = session.Run([
            TensorInput.Of("h", new Half[4], 1, 4), TensorInput.Of("u", new byte[6], 2, 3), TensorInput.Of("l", new long[2], 1, 2)],
            "l_out", "u_out");
        result.Outputs.Select(o => o.Name).Should().Equal("l_out", "u_out");
    }

    [Fact]
    public void A_non_onnx_file_fails_with_the_model_name_and_orts_message()
    {
        using var dir = new TempDir();
        var path = dir.File("encoder.onnx");
        File.WriteAllText(path, "this is not a protobuf model");
        var act = () => Runtime.OpenSession(path, name: "vq_encoder");
        var error = act.Should().Throw<OrtException>().Which;
        error.Model.Should().Be("vq_encoder");
        error.OrtMessage.Should().Contain("InvalidProtobuf");
        error.Message.Should().StartWith("vq_encoder: loading ").And.Contain(path).And.Contain(error.OrtMessage);
        error.OrtMessage.Should().NotBeNullOrWhiteSpace();
    }

    [Fact]
    public void A_missing_file_names_the_model_and_the_path()
    {
        var act = () => Runtime.OpenSession("/nonexistent/lip_syncer.onnx", name: "lip_syncer");
        act.Should().Throw<OrtException>().WithMessage("lip_syncer:*/nonexistent/lip_syncer.onnx does not exist*");
    }

    [Fact]
    public void Input_mistakes_are_reported_with_model_and_tensor_before_ort_runs()
    {
        using var session = Runtime.OpenSession(TestModels.Sum(), "sum");
        var a = new float[8];
        var wide = new float[16];

        var missing = () => session.Run([TensorInput.Of("a", a, 1, 8)]);
        missing.Should().Throw<TensorContractException>().Where(e => e.Tensor == "b")
            .WithMessage("sum: tensor 'b': missing input 'b' (the model needs a: float32 [N,8], b: float32 [N,8])");

        var unknown = () => session.Run([TensorInput.Of("a", a, 1, 8), TensorInput.Of("b", a, 1, 8), TensorInput.Of("c", a, 1, 8)]);
        unknown.Should().Throw<TensorContractException>().WithMessage("sum: tensor 'c': the model has no input 'c' (inputs: a, b)");

        var dtype = () => session.Run([TensorInput.Of("a", a, 1, 8), TensorInput.Of("b", new Half[8], 1, 8)]);
        dtype.Should().Throw<TensorContractException>().WithMessage("sum: tensor 'b': input is float32 [N,8], got float16 [1,8]");

        var rank = () => session.Run([TensorInput.Of("a", a, 8), TensorInput.Of("b", a, 1, 8)]);
        rank.Should().Throw<TensorContractException>().WithMessage("sum: tensor 'a': input has rank 2 [N,8], got rank 1 [8]");

        var dim = () => session.Run([TensorInput.Of("a", wide, 1, 16), TensorInput.Of("b", a, 1, 8)]);
        dim.Should().Throw<TensorContractException>().WithMessage("sum: tensor 'a': input shape [N,8] does not fit [1,16]: dimension 1 must be 8");

        var output = () => session.Run([TensorInput.Of("a", a, 1, 8), TensorInput.Of("b", a, 1, 8)], "zz");
        output.Should().Throw<TensorContractException>().WithMessage("sum: tensor 'zz': the model has no output 'zz' (outputs: z)");

        var length = () => TensorInput.Of("a", a, 2, 8);
        length.Should().Throw<ArgumentException>().WithMessage("tensor 'a': shape [2,8] holds 16 elements but the buffer has 8");
    }

    [Fact]
    public void An_error_inside_ort_run_carries_orts_message_and_the_model_name()
    {
        using var session = Runtime.OpenSession(TestModels.Sum(), "sum");
        // Both inputs fit [N,8] on their own; N = 2 against N = 3 only fails inside ORT.
        var act = () => session.Run([TensorInput.Of("a", new float[16], 2, 8), TensorInput.Of("b", new float[24], 3, 8)]);
        var error = act.Should().Throw<OrtException>().Which;
        error.Should().NotBeOfType<TensorContractException>();
        error.Model.Should().Be("sum");
        error.Message.Should().StartWith("sum: Run failed: [");
        error.OrtMessage.Should().NotBeNullOrWhiteSpace();
    }

    [Fact]
    public void Outputs_are_read_as_their_own_type_and_not_after_dispose()
    {
        using var session = Runtime.OpenSession(TestModels.Tiny(), "tiny");
        var result = session.Run([TensorInput.Of("x", new float[16], 1, 16)]);
        var y = result["y"];
        var wrongType = () => y.GetSpan<Half>().Length;
        wrongType.Should().Throw<TensorContractException>().WithMessage("tiny: tensor 'y': output is float32, read as float16");
        result.Dispose();
        var afterDispose = () => y.GetSpan<float>().Length;
        afterDispose.Should().Throw<ObjectDisposedException>().WithMessage("*tiny: output 'y'*");
        result.Dispose(); // twice is harmless
    }

    [Fact]
    public void A_disposed_session_refuses_to_run()
    {
        var session = Runtime.OpenSession(TestModels.Tiny(), "tiny");
        session.Dispose();
        var act = () => session.Run([TensorInput.Of("x", new float[16], 1, 16)]);
        act.Should().Throw<ObjectDisposedException>();
    }

    [Fact]
    public void One_session_runs_from_many_threads_at_once()
    {
        using var session = Runtime.OpenSession(TestModels.Tiny(), "tiny");
        var failures = 0;
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, worker =>
        {
            var x = new float[16];
            for (var run = 0; run < 200; run++)
            {
                for (var i = 0; i < 16; i++) x[i] = worker * 1000 + run + i;
                using var result = session.Run([TensorInput.Of("x", x, 1, 16)]);
                var y = result[0].GetSpan<float>();
                for (var i = 0; i < 16; i++)
                    if (y[i] != x[i] * 2 + 1) Interlocked.Increment(ref failures);
            }
        });
        failures.Should().Be(0);
    }

    [Fact]
    public async Task Disposing_a_session_while_other_threads_run_it_is_safe()
    {
        var ct = TestContext.Current.CancellationToken;
        var session = Runtime.OpenSession(TestModels.Tiny(), "tiny");
        int completed = 0, refused = 0, wrong = 0;
        using var started = new CountdownEvent(4);
        var workers = Enumerable.Range(0, 4).Select(w => Task.Run(() =>
        {
            var x = Enumerable.Repeat((float)w, 16).ToArray();
            started.Signal();
            for (var run = 0; run < 5000; run++)
            {
                try
                {
                    using var result = session.Run([TensorInput.Of("x", x, 1, 16)]);
                    if (result[0].GetSpan<float>()[15] != w * 2 + 1) Interlocked.Increment(ref wrong);
                    Interlocked.Increment(ref completed);
                }
                catch (ObjectDisposedException)
                {
                    Interlocked.Increment(ref refused);
                    return;
                }
            }
        }, ct)).ToArray();
        started.Wait(ct);
        await Task.Delay(5, ct);
        session.Dispose(); // runs in flight finish on the still-referenced native session; later ones are refused
        await Task.WhenAll(workers);
        wrong.Should().Be(0);
        (completed + refused).Should().BeGreaterThan(0);
    }

    [Fact]
    public void Session_settings_are_applied()
    {
        var settings = new SessionSettings
        {
            IntraOpThreads = 1,
            Optimization = Microsoft.ML.OnnxRuntime.GraphOptimizationLevel.ORT_ENABLE_BASIC,
            ConfigEntries = new Dictionary<string, string> { ["session.intra_op.allow_spinning"] = "0" },
        };
        using var session = Runtime.OpenSession(TestModels.Tiny(), "tiny", settings);
        using var result = session.Run([TensorInput.Of("x", Enumerable.Repeat(3f, 16).ToArray(), 1, 16)]);
        result[0].GetSpan<float>().ToArray().Should().AllBeEquivalentTo(7f);
    }

    [Fact]
    public void Cuda_on_the_cpu_library_falls_back_to_cpu_with_a_logged_reason()
    {
        using var session = Runtime.OpenSession(TestModels.Tiny(), "cuda_probe", new SessionSettings { Provider = ExecutionProvider.Cuda, CudaDeviceId = 0 });
        // The CPU package has no CUDA provider: appending it throws, and the session runs on CPU.
        session.Provider.Should().Be(ExecutionProvider.Cpu);
        session.ProviderFallbackReason.Should().NotBeNullOrWhiteSpace();
        TestContext.Current.TestOutputHelper?.WriteLine($"fallback reason: {session.ProviderFallbackReason}");
        OrtRuntimeFixture.Log.Lines.Should().Contain(l =>
            l.Category == "SwapTalk.Inference" && l.Level == Microsoft.Extensions.Logging.LogLevel.Warning
            && l.Message.Contains("cuda_probe: CUDA execution provider (device 0) unavailable")
            && l.Message.Contains(session.ProviderFallbackReason!) && l.Message.EndsWith("falling back to CPU"));
        using var result = session.Run([TensorInput.Of("x", new float[16], 1, 16)]);
        result[0].GetSpan<float>()[0].Should().Be(1f);
    }

    [Fact]
    public void Orts_own_log_lines_reach_the_logger_and_listeners_tagged_with_the_model()
    {
        var heard = new List<OrtLogMessage>();
        using (Runtime.AddLogListener(m => { lock (heard) heard.Add(m); }))
        using (Runtime.OpenSession(TestModels.OverridableInitializer(), "overridable_model")) { }
        heard.Should().Contain(m => m.LogId == "overridable_model" && m.Level == Microsoft.ML.OnnxRuntime.OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING && m.Message.Contains("scale"));
        OrtRuntimeFixture.Log.Lines.Should().Contain(l =>
            l.Category == "SwapTalk.Inference.OnnxRuntime" && l.Message.StartsWith("[overridable_model]") && l.Message.Contains("scale"));

        // After the listener is removed it hears nothing more.
        var count = heard.Count;
        using (Runtime.OpenSession(TestModels.OverridableInitializer(), "overridable_model")) { }
        heard.Count.Should().Be(count);
    }
}
