using SwapTalk.Core.Models;

namespace SwapTalk.Tests.Models;

public class AudioWindowTests
{
    private static readonly AudioWindow Window = ModelManifest.Default.LipSyncWindow; // W = 10, centre 5, 50 Hz

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 3)]
    [InlineData(12, 25)]
    [InlineData(250, 501)]
    public void At_25_fps_frame_n_owns_feature_2n_plus_1(long frame, long feature)
    {
        // The midpoint n/25 + 1/50 sits exactly on the boundary of feature 2n+1: the tie goes to the later feature.
        Window.OwnFeature(frame, 25).Should().Be(feature);
        Window.OwnFeature(frame / 25.0, 1 / 25.0).Should().Be(feature);
    }

    [Theory]
    [InlineData(23.976)]
    [InlineData(24.0)]
    [InlineData(25.0)]
    [InlineData(29.97)]
    [InlineData(30.0)]
    [InlineData(50.0)]
    [InlineData(60.0)]
    public void At_any_frame_rate_the_own_feature_holds_the_frames_midpoint(double fps)
    {
        for (long n = 0; n < 3000; n++)
        {
            var t = n / fps;
            var mid = t + 0.5 / fps;
            var i = Window.OwnFeature(t, 1 / fps);
            (i / 50.0).Should().BeLessThanOrEqualTo(mid + 1e-6, $"frame {n} at {fps} fps");
            ((i + 1) / 50.0).Should().BeGreaterThan(mid, $"frame {n} at {fps} fps");
        }
    }

    [Fact]
    public void Window_indices_are_zero_padded_at_both_edges_of_the_track()
    {
        Window.Indices(0, 0.04, featureCount: 100).Should().Equal(-1, -1, -1, -1, 0, 1, 2, 3, 4, 5);
        Window.Indices(10 * 0.04, 0.04, featureCount: 100).Should().Equal(16, 17, 18, 19, 20, 21, 22, 23, 24, 25);
        // Last frame of a 4 s clip at 25 fps: features 0..199.
        Window.Indices(99 * 0.04, 0.04, featureCount: 200).Should().Equal(194, 195, 196, 197, 198, 199, -1, -1, -1, -1);
    }

    [Fact]
    public void Fill_copies_feature_rows_and_zero_fills_the_padding()
    {
        var w = new AudioWindow(4, 2, 50, 3);
        var features = Enumerable.Range(0, 5 * 3).Select(i => (float)i + 1).ToArray(); // T = 5 rows of D = 3
        var window = Enumerable.Repeat(-1f, 12).ToArray();
        w.Fill(features, 0, 0.04, window); // own feature 1 -> rows -1, 0, 1, 2
        window.Should().Equal(0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
        w.Fill(features, 0.08, 0.04, window); // own feature 5 -> rows 3, 4, 5, 6: past the end is zero
        window.Should().Equal(10, 11, 12, 13, 14, 15, 0, 0, 0, 0, 0, 0);
    }

    [Fact]
    public void Bad_times_and_buffers_are_refused_with_their_values()
    {
        var negative = () => Window.OwnFeature(-0.5, 0.04);
        negative.Should().Throw<ArgumentOutOfRangeException>().WithMessage("frame time -0.5 s*");
        var zeroDuration = () => Window.OwnFeature(1.0, 0);
        zeroDuration.Should().Throw<ArgumentOutOfRangeException>().WithMessage("frame duration 0 s*");
        var zeroRate = () => Window.OwnFeature(3, 0.0);
        zeroRate.Should().Throw<ArgumentOutOfRangeException>().WithMessage("frame rate 0*");
        var shortWindow = () => Window.Fill(new float[768 * 4], 0, 0.04, new float[768]);
        shortWindow.Should().Throw<ArgumentException>().WithMessage("window holds 768 values; the lip syncer's window is 10 x 768*");
        var ragged = () => Window.Fill(new float[1000], 0, 0.04, new float[7680]);
        ragged.Should().Throw<ArgumentException>().WithMessage("features hold 1000 values, not a whole number of 768-value rows*");
    }
}
