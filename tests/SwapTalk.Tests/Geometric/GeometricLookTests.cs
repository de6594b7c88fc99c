using SwapTalk.Core.Engines.Geometric;
using SwapTalk.Core.Media;

namespace SwapTalk.Tests.Geometric;

public sealed class GeometricLookTests
{
    [Fact]
    public async Task Renders_frames_for_a_person_to_look_at()
    {
        var (source, video, track) = await GeometricData.AstronautOnGridAsync();
        var renderer = new GeometricFaceRenderer(source);
        var frames = await GeometricData.FramesAsync(video, new FrameRange(20, 40));
        for (var i = 0; i < frames.Count; i += 5)
        {
            var t = track[20 + i];
            Assert.True(t.HasFace);
            GeometricData.Dump(frames[i], $"src-{20 + i}");
            var self = frames[i].Clone();
            renderer.Render(self, t.Landmarks!, null);
            GeometricData.Dump(self, $"self-{20 + i}");
            var open = frames[i].Clone();
            renderer.Render(open, t.Landmarks!, 0.3f);
            GeometricData.Dump(open, $"open-{20 + i}");
            Assert.False(self.Pixels.SequenceEqual(frames[i].Pixels));
        }
    }
}

public sealed class GeometricDebugTests
{
    [Fact]
    public async Task Mesh_warp_alone()
    {
        var (source, video, track) = await GeometricData.AstronautOnGridAsync();
        var frames = await GeometricData.FramesAsync(video, new FrameRange(25, 26));
        var t = track[25];
        var to = MeshPoints.Of(t.Landmarks!);
        using var pin = new PinnedFrame(frames[0]);
        using var ppin = new PinnedFrame(source.Portrait);
        source.Mesh.Warp(ppin.Mat, source.MeshPoints, pin.Mat, to);
        GeometricData.Dump(frames[0], "warp-25");
        GeometricData.Dump(source.Portrait, "portrait");
        Assert.True(source.Mesh.TriangleCount > 100, $"{source.Mesh.TriangleCount} triangles");
    }
}
