using System.Numerics;
using OpenCvSharp;
using SwapTalk.Core.Engines.Geometric;
using SwapTalk.Core.Imaging;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Media;
using SwapTalk.Core.Stages;
using SwapTalk.Tests.Pipeline;
using SwapTalk.Tests.Support;

namespace SwapTalk.Tests.Geometric;

/// <summary>
/// The forehead and the portrait's hair (docs/geometric.md, "Identity"): the portrait's detail fades out before the
/// forehead's outline and reaches its outer brows; the segmentation model keeps the portrait's hair above its
/// brows out of the face and its brows, beard and skin in; the keep mask survives the source file.
/// </summary>
public sealed class ForeheadAndHairTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<GeometricSource> SourceAsync(string face) =>
        await new GeometricSourceStage(PipelineData.Engine, await GeometricData.ModelsAsync())
            .PrepareAsync(SharedData.Require($"faces/{face}"), FaceSelection.Largest, null, new StageClock("test"), Ct);

    private static FaceSegmentation Segmentation() =>
        FaceSegmentation.Open(Inference.OrtRuntimeFixture.Runtime, SharedData.Require($"models/masks/{FaceSegmentation.FileName}"));

    /// <summary>Noise of amplitude about 40 around mid grey, in 3x3 px cells (it survives the warp's interpolation).</summary>
    private static void Noise(Span<byte> pixels, int width, int seed)
    {
        var random = new Random(seed);
        var cells = new byte[(width / 3 + 1) * (pixels.Length / (3 * width) / 3 + 1)];
        for (var i = 0; i < cells.Length; i++) cells[i] = (byte)random.Next(88, 168);
        for (var i = 0; i < pixels.Length / 3; i++)
        {
            var x = i % width / 3;
            var y = i / width / 3;
            var v = cells[y * (width / 3 + 1) + x];
            pixels[3 * i] = pixels[3 * i + 1] = pixels[3 * i + 2] = v;
        }
    }

    [Fact]
    public async Task The_portrait_s_detail_fades_out_before_the_forehead_s_outline_and_reaches_its_outer_brows()
    {
        // The portrait's face is pure detail (noise), the target frame other noise: wherever the portrait shows, the
        // output differs from the frame. On the forehead's outline it must have mostly faded; at its outer brows and in
        // the middle of the face it must show. (That no line shows is measured on real photos: MultiBandBlendTests.)
        using var real = await SourceAsync("astronaut.png");
        var portrait = real.Portrait.Clone();
        Noise(portrait.Pixels, portrait.Width, 1);
        using var source = new GeometricSource(portrait, real.Landmarks, 1, []);
        var models = await GeometricData.ModelsAsync();
        var info = await PipelineData.Engine.ProbeAsync(SharedData.GridClip());
        var track = await models.Tracker(FaceSelection.Largest).TrackAsync(PipelineData.Engine, info, new FrameRange(0, 20), Ct);
        var landmarks = track.Items[10].Landmarks!;
        var video = info.RequireVideo();
        using var frame = new PixelBuffer(video.Width, video.Height, ColorOrder.Bgr);
        Noise(frame.Pixels, frame.Width, 2);
        var before = frame.Pixels.ToArray();
        new GeometricFaceRenderer(source).Render(frame, landmarks, (float?)null);

        double Difference(Vector2 p)
        {
            var (x, y) = ((int)Math.Round(p.X), (int)Math.Round(p.Y));
            var i = 3 * (y * frame.Width + x);
            return Math.Abs(frame.Pixels[i] - before[i]);
        }
        var to = MeshPoints.Of(new ShapeTransfer(real.Landmarks).Apply(landmarks));
        var centre = FaceGeometry.Mean(to, 0, MeshPoints.Landmarks);
        // Just inside the forehead's outline: the segments between the forehead points, one pixel towards the face.
        var rim = new List<double>();
        for (var k = MeshPoints.Landmarks; k < MeshPoints.Count - 1; k++)
            for (var s = 0f; s <= 1f; s += 0.1f)
            {
                var p = Vector2.Lerp(to[k], to[k + 1], s);
                rim.Add(Difference(p + Vector2.Normalize(centre - p)));
            }
        // The cheeks and nose: the portrait fully shown.
        var inside = new List<double>();
        var scale = FaceGeometry.EyeDistance(landmarks);
        for (var dx = -0.4f; dx <= 0.4f; dx += 0.05f)
            for (var dy = -0.1f; dy <= 0.3f; dy += 0.05f)
                inside.Add(Difference(to[30] + new Vector2(dx, dy) * scale));
        // The outer brows (the ends and the arch above them): the portrait's detail there is part of its identity.
        var brows = new List<double>();
        var up = -FaceGeometry.Down(to.AsSpan(0, MeshPoints.Landmarks));
        foreach (var i in new[] { 17, 18, 25, 26 })
            for (var t = 0f; t <= 0.06f; t += 0.02f)
                brows.Add(Difference(to[i] + up * (t * FaceGeometry.EyeDistance(landmarks))));
        var rimMean = rim.Average();
        var insideMean = inside.Average();
        insideMean.Should().BeGreaterThan(10, "the portrait's detail shows in the middle of the face");
        // Multi-band (docs/geometric.md, "Fourth pass"): measured 13% on the rim (the single wide feather 6%), and the
        // outer brows 46% (the wide feather 28%: it faded them, and with them much of the portrait's identity).
        rimMean.Should().BeLessThan(0.16 * insideMean,
            $"on the forehead's outline the portrait's detail must have mostly faded out (difference {rimMean:0.0} there, {insideMean:0.0} inside)");
        var browsMean = brows.Average();
        browsMean.Should().BeGreaterThan(0.38 * insideMean,
            $"the portrait's detail reaches its outer brows (difference {browsMean:0.0} there, {insideMean:0.0} inside)");
    }

    [Fact]
    public async Task The_portrait_s_hair_above_its_brows_is_left_out_and_its_brows_and_beard_stay()
    {
        using var segmentation = Segmentation();
        foreach (var face in new[] { "astronaut.png", "luciano.png", "paul.jpg" })
        {
            using var source = await SourceAsync(face);
            using var pin = new PinnedFrame(source.Portrait);
            var keep = segmentation.PortraitKeep(pin.Mat, source.Landmarks);
            int w = source.Portrait.Width, h = source.Portrait.Height;
            byte At(Vector2 p) => keep[Math.Clamp((int)p.Y, 0, h - 1) * w + Math.Clamp((int)p.X, 0, w - 1)];
            var l = source.Landmarks;
            // The brows (dark: the model calls them hair) and everything below them stay the portrait's.
            for (var i = 17; i <= 26; i++) At(l[i]).Should().Be(255, $"{face}: brow point {i} must stay");
            var down = FaceGeometry.Down(l);
            var browLine = Vector2.Dot(FaceGeometry.Mean(l, 17, 10), down);
            for (var y = 0; y < h; y++)
                for (var x = 0; x < w; x++)
                    if (Vector2.Dot(new Vector2(x, y), down) > browLine)
                        keep[y * w + x].Should().Be(255, $"{face}: ({x}, {y}) lies below the brows");
        }

        // The astronaut's fringe and hair above her brows are left to the target (a good share of the crop up there).
        using (var astronaut = await SourceAsync("astronaut.png"))
        using (var pin = new PinnedFrame(astronaut.Portrait))
        {
            var keep = segmentation.PortraitKeep(pin.Mat, astronaut.Landmarks);
            int w = astronaut.Portrait.Width, h = astronaut.Portrait.Height;
            var l = astronaut.Landmarks;
            var down = FaceGeometry.Down(l);
            var top = Vector2.Dot(FaceGeometry.Mean(l, 17, 10), down) - 0.3f * FaceGeometry.EyeDistance(l);
            int above = 0, hair = 0;
            for (var y = 0; y < h; y++)
                for (var x = 0; x < w; x++)
                    if (Vector2.Dot(new Vector2(x, y), down) < top)
                    {
                        above++;
                        if (keep[y * w + x] < 64) hair++;
                    }
            hair.Should().BeGreaterThan(above / 10, $"the astronaut's fringe fills part of her crop above the brows ({hair} of {above} pixels called hair)");
        }
    }

    [Fact]
    public async Task The_keep_mask_is_stored_with_the_source_and_read_back_unchanged()
    {
        using var real = await SourceAsync("chris.jpg");
        var keep = new byte[real.Portrait.Width * real.Portrait.Height];
        for (var i = 0; i < keep.Length; i++) keep[i] = (byte)(i * 7);
        using var source = new GeometricSource(real.Portrait.Clone(), real.Landmarks, 1, [], keep);
        using var stream = new MemoryStream();
        await source.WriteAsync(stream, Ct);
        stream.Position = 0;
        using var read = await GeometricSource.ReadAsync(stream, "source-face.bin", Ct);
        read.Keep.Should().Equal(keep);
        read.Portrait.Pixels.ToArray().Should().Equal(real.Portrait.Pixels.ToArray());

        var wrong = () => new GeometricSource(real.Portrait.Clone(), real.Landmarks, 1, [], new byte[3]);
        wrong.Should().Throw<ArgumentException>().WithMessage("*keep mask has 3 values*");
    }

    [Fact]
    public void The_segmentation_model_is_found_in_the_models_folder_s_masks_or_named_by_the_variable()
    {
        using var dir = new TempDir("segmentation-locate");
        FaceSegmentation.Locate(dir.Path, _ => null).Should().BeNull();
        Directory.CreateDirectory(Path.Combine(dir.Path, "masks"));
        var file = Path.Combine(dir.Path, "masks", FaceSegmentation.FileName);
        File.WriteAllBytes(file, [1]);
        FaceSegmentation.Locate(dir.Path, _ => null).Should().Be(Path.GetFullPath(file));
        FaceSegmentation.Locate(dir.Path, v => v == FaceSegmentation.PathVariable ? "/elsewhere/model.onnx" : null).Should().Be("/elsewhere/model.onnx");

        // A file that is not the model is bad input naming it, not a crash.
        var act = () => FaceSegmentation.Open(Inference.OrtRuntimeFixture.Runtime, file);
        act.Should().Throw<BadInputException>().WithMessage($"*{file}*");
    }
}
