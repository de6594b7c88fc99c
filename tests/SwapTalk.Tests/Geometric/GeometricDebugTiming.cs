using System.Diagnostics;
using SwapTalk.Core.Engines.Geometric;
using SwapTalk.Core.Media;

namespace SwapTalk.Tests.Geometric;

public sealed class GeometricDebugTiming(ITestOutputHelper output)
{
    [Fact]
    public async Task Time_render()
    {
        var (source, video, track) = await GeometricData.AstronautOnGridAsync();
        var renderer = new GeometricFaceRenderer(source);
        var frames = await GeometricData.FramesAsync(video, new FrameRange(0, 40));
        if (Environment.GetEnvironmentVariable("GEO_THREADS") is { } t) OpenCvSharp.Cv2.SetNumThreads(int.Parse(t));
        var w = Stopwatch.StartNew();
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        for (var i = 0; i < frames.Count; i++) renderer.Render(frames[i], track[i].Landmarks!, 0.2f);
        var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalMilliseconds / frames.Count;
        output.WriteLine($"cpu ms per frame {cpu:0.0}; wall ms per frame: {w.Elapsed.TotalMilliseconds / frames.Count:0.0} threads {OpenCvSharp.Cv2.GetNumThreads()}");
    }
}
