using SwapTalk.Core.Inference;

namespace SwapTalk.Tests.Inference;

[CollectionDefinition(DisableParallelization = true)]
public sealed class ResidentMemoryCollection;

/// <summary>Runs alone: other tests allocating at the same time would blur the resident-set reading.</summary>
[Collection(typeof(ResidentMemoryCollection))]
public class OrtLeakTests
{
    /// <summary>
    /// Bound on resident growth over 500 cycles after warm-up. A leaked session (arena, graph,
    /// thread-pool state) costs tens of KB to MBs, so 500 leaks would exceed this many times over,
    /// while allocator and GC noise stays well under it.
    /// </summary>
    private const long BoundBytes = 30L << 20;

    [Fact]
    public void Five_hundred_create_run_dispose_cycles_keep_resident_memory_bounded()
    {
        var runtime = OrtRuntimeFixture.Runtime;
        var model = TestModels.Tiny();
        var x = new float[16];
        void Cycle(int i)
        {
            using var session = runtime.OpenSession(model, "leak_probe", new SessionSettings { IntraOpThreads = 1 });
            x[0] = i;
            using var result = session.Run([TensorInput.Of("x", x, 1, 16)]);
            if (result[0].GetSpan<float>()[0] != i * 2 + 1) throw new InvalidOperationException("wrong result");
        }

        for (var i = 0; i < 50; i++) Cycle(i);
        var before = ResidentBytes();
        for (var i = 0; i < 500; i++) Cycle(i);
        var after = ResidentBytes();
        TestContext.Current.TestOutputHelper?.WriteLine($"RSS after warm-up {before >> 20} MiB, after 500 cycles {after >> 20} MiB");
        (after - before).Should().BeLessThan(BoundBytes);
    }

    private static long ResidentBytes()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        // /proc/self/statm: size resident shared text lib data dt, in pages.
        var fields = File.ReadAllText("/proc/self/statm").Split(' ');
        return long.Parse(fields[1]) * Environment.SystemPageSize;
    }
}
