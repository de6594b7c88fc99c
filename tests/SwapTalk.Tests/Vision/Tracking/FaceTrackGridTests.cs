using SwapTalk.Core.Imaging;
using SwapTalk.Core.Media;
using SwapTalk.Core.Vision.Alignment;
using SwapTalk.Core.Vision.Compositing;
using SwapTalk.Core.Vision.Landmarks;
using SwapTalk.Core.Vision.Tracking;

namespace SwapTalk.Tests.Vision.Tracking;

/// <summary>Face tracks on the three real GRID clips (75 frames, 360x288), real YuNet and Peppa models.</summary>
public class FaceTrackGridTests
{
    public static TheoryData<string> Clips => new(FaceTrackData.GridClips);

    private static ITestOutputHelper? Log => TestContext.Current.TestOutputHelper;

    [Theory]
    [MemberData(nameof(Clips))]
    public async Task A_face_is_found_in_every_frame_with_landmarks_inside_the_face_box(string clip)
    {
        var track = await FaceTrackData.WholeClip(clip);
        Log?.WriteLine($"{clip}: {track}; {track.Timing}");
        track.Count.Should().Be(75);
        track.Items.Select(f => f.Index).Should().Equal(Enumerable.Range(0, 75).Select(i => (long)i));
        track.Items.Should().OnlyContain(f => f.Source == TrackPointSource.Detected && f.HasFace, "the speaker is in every frame");

        // YuNet's box is tight on the inner face; the jawline (points 0-16) may reach a little past it,
        // the chin below it. Brows, nose, eyes and mouth (17-67) must lie inside it.
        var jawOutside = 0;
        foreach (var f in track.Items)
        {
            var box = f.Detection!.Box;
            var loose = box.Enlarge(0.1f);
            f.Detection.Score.Should().BeGreaterThanOrEqualTo(0.6f);
            box.Width.Should().BeInRange(60, 200, "a GRID face is about a third of the 360-pixel frame");
            f.Candidates.Should().ContainSingle("one person in the frame").Which.Should().Be(f.Detection);
            f.RawLandmarks.Should().HaveCount(68);
            f.Landmarks.Should().HaveCount(68);
            // Strictly: every point, raw and smoothed, inside the face box the landmarker works on (the detector's
            // box enlarged by 0.2 on every side, clipped to the frame: ../shared/data/README.md).
            var landmarkerBox = FaceLandmarker68.CropFor(box, 360, 288);
            foreach (var p in f.RawLandmarks!.Concat(f.Landmarks!))
                (p.X >= landmarkerBox.X && p.X <= landmarkerBox.Right && p.Y >= landmarkerBox.Y && p.Y <= landmarkerBox.Bottom)
                    .Should().BeTrue($"landmark {p} of frame {f.Index} lies inside the landmarker's face box {landmarkerBox}");
            for (var k = 0; k < 68; k++)
            {
                var p = f.RawLandmarks![k];
                var inBox = p.X >= box.X && p.X <= box.Right && p.Y >= box.Y && p.Y <= box.Bottom;
                if (k >= 17) inBox.Should().BeTrue($"landmark {k} of frame {f.Index} ({p}) lies inside the face box {box}");
                else
                {
                    if (!inBox) jawOutside++;
                    (p.X >= loose.X && p.X <= loose.Right && p.Y >= loose.Y && p.Y <= loose.Bottom)
                        .Should().BeTrue($"jaw landmark {k} of frame {f.Index} ({p}) lies within a tenth of the box's size of {box}");
                }
            }
            // The FFHQ quad sits on the face: its centre inside the box, its side about twice the face's width.
            var quad = f.Face!.Quad;
            quad.Centre.X.Should().BeInRange(box.X, box.Right);
            quad.Centre.Y.Should().BeInRange(box.Y, box.Bottom);
            (quad.Size / box.Width).Should().BeInRange(1.3f, 3f);
        }
        Log?.WriteLine($"{clip}: every inner-face landmark inside the detector's box; {jawOutside} of {75 * 17} jaw points just outside it");
    }

    [Theory]
    [MemberData(nameof(Clips))]
    public async Task Align_to_512_and_paste_back_unchanged_keeps_the_face_at_35_dB_and_the_rest_bit_identical(string clip)
    {
        var track = await FaceTrackData.WholeClip(clip);
        var frames = await FaceTrackData.Frames(clip);
        using var mask = FaceMask.Build(FaceMaskOptions.WholeFace);
        using var crop = new PixelBuffer(512, 512);
        foreach (var t in new[] { 0, 37, 74 })
        {
            var face = track[t].Face!;
            var original = frames[t];
            FfhqAlignment.Extract(original, face, crop);
            using var frame = original.Clone();
            var changed = PasteBack.Run(frame, crop, mask, face);

            var weights = Weights(mask, face, frame.Width, frame.Height);
            var inside = Enumerable.Range(0, weights.Length).Where(i => weights[i] > 0).ToArray();
            inside.Length.Should().BeGreaterThan(3000, "the mask covers the face");
            var psnr = Psnr(frame, original, inside);
            Log?.WriteLine($"{clip} frame {t}: {inside.Length} face pixels, paste-back box {changed}, round trip PSNR {psnr:0.0} dB");
            psnr.Should().BeGreaterThanOrEqualTo(35);
            var differing = Enumerable.Range(0, weights.Length)
                .Where(i => weights[i] == 0 && !frame.Pixels.Slice(i * 3, 3).SequenceEqual(original.Pixels.Slice(i * 3, 3)))
                .Select(i => $"({i % frame.Width},{i / frame.Width})").Take(5).ToList();
            differing.Should().BeEmpty("pixels outside the mask keep their bytes");
        }
    }

    [Fact]
    public async Task Smoothing_lowers_landmark_jitter_on_every_grid_clip()
    {
        foreach (var clip in FaceTrackData.GridClips)
        {
            var track = await FaceTrackData.WholeClip(clip);
            var jitter = TrackJitter.Measure(track);
            Log?.WriteLine($"jitter {clip}: {jitter}");
            jitter.SmoothedLandmarks.Frames.Should().Be(73);
            jitter.SmoothedLandmarks.RmsPixels.Should().BeLessThan(0.6 * jitter.RawLandmarks.RmsPixels);
            jitter.SmoothedQuad.RmsPixels.Should().BeLessThan(0.6 * jitter.RawQuad.RmsPixels);
        }
    }

    [Fact]
    public async Task Segments_0_40_and_35_75_each_read_with_context_agree_bit_for_bit_on_shared_frames()
    {
        const string clip = "lbax4n";
        var info = await FaceTrackData.Probe(clip);
        var tracker = FaceTrackData.Tracker;
        var first = tracker.InputRange(new FrameRange(0, 40), 75);
        var second = tracker.InputRange(new FrameRange(35, 75), 75);
        first.Should().Be(new FrameRange(0, 49));
        second.Should().Be(new FrameRange(24, 75), $"{tracker.ContextFrames} frames before, {tracker.Smoother.ContextFrames} after");

        // Each segment reads its own frames through the frame reader (a seek for the second one).
        var a = await tracker.TrackAsync(FaceTrackData.Engine, info, new FrameRange(0, 40), TestContext.Current.CancellationToken);
        var b = await tracker.TrackAsync(FaceTrackData.Engine, info, new FrameRange(35, 75), TestContext.Current.CancellationToken);
        a.Timing.FramesRead.Should().Be(49);
        b.Timing.FramesRead.Should().Be(51);
        for (long t = 35; t < 40; t++)
        {
            a[t].HasFace.Should().BeTrue();
            FaceTrackData.Fingerprint(a[t]).Should().Be(FaceTrackData.Fingerprint(b[t]), $"frame {t} is shared by both segments");
        }
        var whole = await FaceTrackData.WholeClip(clip);
        for (long t = 0; t < 75; t++)
            FaceTrackData.Fingerprint(t < 40 ? a[t] : b[t]).Should().Be(FaceTrackData.Fingerprint(whole[t]), $"frame {t} matches the whole-clip track");
    }

    [Fact]
    public async Task Detection_batch_size_does_not_change_a_single_bit()
    {
        const string clip = "pwij3p";
        FaceTrackData.Tracker.DetectionBatch.Should().Be(1, "on CPU frames are detected one by one unless asked");
        var frames = await FaceTrackData.Frames(clip);
        var batched = FaceTrackData.NewTracker(new FaceTrackOptions { DetectionBatch = 8 });
        batched.DetectionBatch.Should().Be(8);
        var eight = FaceTrackData.Track(batched, frames);
        var whole = await FaceTrackData.WholeClip(clip);
        for (long t = 0; t < 75; t++)
            FaceTrackData.Fingerprint(eight[t]).Should().Be(FaceTrackData.Fingerprint(whole[t]), $"frame {t}");
    }

    /// <summary>The mask's weight at each frame pixel as paste-back applies it (white pasted onto black).</summary>
    private static byte[] Weights(FaceMask mask, AlignedFace face, int width, int height)
    {
        using var white = new PixelBuffer(face.CropSize, face.CropSize);
        white.Pixels.Fill(255);
        using var black = new PixelBuffer(width, height);
        PasteBack.Run(black, white, mask, face);
        var w = new byte[width * height];
        for (var i = 0; i < w.Length; i++) w[i] = black.Pixels[i * 3];
        return w;
    }

    private static double Psnr(PixelBuffer a, PixelBuffer b, int[] pixels)
    {
        double se = 0;
        foreach (var i in pixels)
            for (var c = 0; c < 3; c++) { double d = a.Pixels[i * 3 + c] - b.Pixels[i * 3 + c]; se += d * d; }
        return se == 0 ? double.PositiveInfinity : 10 * Math.Log10(255.0 * 255 * pixels.Length * 3 / se);
    }
}
