using OpenCvSharp;
using SwapTalk.Core.Imaging;
using SwapTalk.Core.Vision.Alignment;
using SwapTalk.Core.Vision.Compositing;
using SwapTalk.Tests.Inference;

namespace SwapTalk.Tests.Imaging;

/// <summary>Runs alone (the inference leak test's collection): other tests allocating at the same time would blur the reading.</summary>
[Collection(typeof(ResidentMemoryCollection))]
public class MatLeakTests
{
    /// <summary>
    /// Bound on resident growth over 300 decode/warp/paste/encode cycles after warm-up. One cycle's Mats
    /// (a 512x512 decode, warped crops and masks at frame size) hold about 2 MB, so leaking them would grow
    /// by hundreds of MB; allocator noise stays well under the bound.
    /// </summary>
    private const long BoundBytes = 40L << 20;
    private const int Cycles = 300;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Decode_warp_paste_encode_cycles_keep_resident_memory_bounded_and_a_deliberate_leak_is_caught(bool leak)
    {
        using var source = new PixelBuffer(512, 512, ColorOrder.Bgr);
        new Random(5).NextBytes(source.Pixels);
        var png = ImageFile.Encode(source);
        using var frame = new PixelBuffer(640, 480, ColorOrder.Bgr);
        using var mask = FaceMask.Build(FaceMaskOptions.WholeFace);
        var face = FfhqAlignment.FromQuad(new FaceQuad(new(200, 100), new(200, 400), new(500, 400), new(500, 100)));
        using var crop = new PixelBuffer(512, 512, ColorOrder.Bgr);
        var leaked = new List<Mat>();

        void Cycle()
        {
            using var image = ImageFile.Decode(png, "cycle.png", ColorOrder.Bgr);
            FfhqAlignment.Extract(image, face, crop);
            PasteBack.Run(frame, crop, mask, face);
            _ = ImageFile.Encode(crop, ".jpg");
            if (leak)
            {
                // What a forgotten Dispose on a held Mat costs: its pixels stay allocated natively. 3 MB a cycle
                // (900 MB in all): in a full run, heap that earlier tests freed absorbed a 236 MB leak almost whole.
                var kept = new Mat(1024, 1024, MatType.CV_8UC3, Scalar.All(1));
                GC.SuppressFinalize(kept);
                leaked.Add(kept);
            }
        }

        for (var i = 0; i < 30; i++) Cycle();
        var before = ResidentBytes();
        for (var i = 0; i < Cycles; i++) Cycle();
        var after = ResidentBytes();
        TestContext.Current.TestOutputHelper?.WriteLine($"leak={leak}: RSS after warm-up {before >> 20} MiB, after {Cycles} cycles {after >> 20} MiB");
        try
        {
            if (leak) (after - before).Should().BeGreaterThan(BoundBytes, "the bound catches Mats that are never released");
            else (after - before).Should().BeLessThan(BoundBytes);
        }
        finally
        {
            foreach (var m in leaked) m.Dispose();
        }
    }

    private static long ResidentBytes()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        // Free heap that glibc still holds would otherwise absorb a leak (memory earlier tests freed stays resident).
        MallocTrim(0);
        var fields = File.ReadAllText("/proc/self/statm").Split(' ');
        return long.Parse(fields[1]) * Environment.SystemPageSize;
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);
}
