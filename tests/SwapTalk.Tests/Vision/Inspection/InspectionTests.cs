using System.CommandLine;
using System.Numerics;
using SwapTalk.Cli;
using SwapTalk.Core.Imaging;
using SwapTalk.Core.Media;
using SwapTalk.Core.Vision.Inspection;
using SwapTalk.Core.Vision.Tracking;
using SwapTalk.Tests.Inference;
using SwapTalk.Tests.Support;
using SwapTalk.Tests.Vision.Tracking;

namespace SwapTalk.Tests.Vision.Inspection;

/// <summary>The contact sheet, the inspection run and `swaptalk inspect` on a real GRID clip with the real models.</summary>
public class InspectionTests
{
    private static ITestOutputHelper? Log => TestContext.Current.TestOutputHelper;

    private static bool Is(PixelBuffer image, int x, int y, RgbColor c) =>
        image.Pixels.Slice((y * image.Width + x) * 3, 3).SequenceEqual(new[] { c.R, c.G, c.B });

    private static int Count(PixelBuffer image, RectI region, RgbColor c)
    {
        var n = 0;
        for (var y = region.Y; y < region.Bottom; y++)
            for (var x = region.X; x < region.Right; x++)
                if (Is(image, x, y, c)) n++;
        return n;
    }

    [Fact]
    public async Task A_tile_shows_the_target_box_landmarks_quad_crop_and_masks_where_they_are()
    {
        var frames = await FaceTrackData.Frames("bbaf2n");
        var track = await FaceTrackData.WholeClip("bbaf2n");
        using var black = new PixelBuffer(360, 288, ColorOrder.Bgr);
        var options = new ContactSheetOptions { PanelHeight = 144, Columns = 2 };
        using var sheet = new ContactSheet(3, 360, 288, ["TEST"], options);
        sheet.Draw(0, frames[10], track[10]);
        sheet.Draw(2, black, new FaceTrackFrame { Index = 11, Source = TrackPointSource.None });

        // Layout: 12 margin, header (1 line + 2 legend lines, + 8), tile = label 14 + panel 144; panel 180 wide (360x288 at 144 high).
        const int top = 12 + 3 * Drawing.LineHeight + 8 + 14, left = 12, panelWidth = 180, h = 144, gap = 8;
        var tileWidth = panelWidth + 2 * (h + gap);
        sheet.Image.Width.Should().Be(2 * 12 + 2 * tileWidth + 2 * gap);
        sheet.Image.Height.Should().Be(2 * 12 + 3 * Drawing.LineHeight + 8 + 2 * (14 + h) + gap);

        // The target's box in green around the mapped detection, landmarks in red inside it, the quad in cyan.
        var frame = track[10];
        var box = frame.Detection!.Box;
        float scale = h / 288f;
        Vector2 Map(Vector2 p) => new(left + (p.X + 0.5f) * scale - 0.5f, top + (p.Y + 0.5f) * scale - 0.5f);
        var boxTopLeft = Map(new Vector2(box.X, box.Y));
        var boxBottomRight = Map(new Vector2(box.Right, box.Bottom));
        var midX = (int)MathF.Round((boxTopLeft.X + boxBottomRight.X) / 2);
        Is(sheet.Image, midX, (int)MathF.Round(boxTopLeft.Y), RgbColor.Green).Should().BeTrue("the box's top edge is drawn where the detection is");
        Is(sheet.Image, midX, (int)MathF.Round(boxBottomRight.Y), RgbColor.Green).Should().BeTrue();
        var framePanel = new RectI(left, top, panelWidth, h);
        var reds = Count(sheet.Image, framePanel, RgbColor.Red);
        reds.Should().BeGreaterThan(40, "68 landmarks are drawn");
        foreach (var p in frame.RawLandmarks!.Where((_, k) => k >= 17))
        {
            var m = Map(p);
            Is(sheet.Image, (int)MathF.Round(m.X), (int)MathF.Round(m.Y), RgbColor.Red).Should().BeTrue($"landmark at {p} is drawn at {m}");
        }
        Count(sheet.Image, framePanel, RgbColor.Cyan).Should().BeGreaterThan(100, "the quad's three sides");
        Count(sheet.Image, framePanel, RgbColor.Yellow).Should().BeGreaterThan(30, "its top edge");

        // The crop panel is the aligned face: its green landmarks sit where FrameToCrop puts them.
        var cropPanel = new RectI(left + panelWidth + gap, top, h, h);
        var crop = frame.Face!;
        var leftEye = frame.Landmarks![36..42].Aggregate(Vector2.Zero, (a, b) => a + b) / 6;
        var inCrop = crop.FrameToCrop.Apply(leftEye);
        inCrop.Y.Should().BeInRange(0.4f * 512, 0.55f * 512, "FFHQ puts the eyes at 47% of the crop");
        Count(sheet.Image, cropPanel, RgbColor.Green).Should().BeGreaterThan(68);
        // The mask panel carries both contours.
        var maskPanel = new RectI(cropPanel.Right + gap, top, h, h);
        Count(sheet.Image, maskPanel, RgbColor.Green).Should().BeGreaterThan(50);
        Count(sheet.Image, maskPanel, RgbColor.Magenta).Should().BeGreaterThan(50);

        // The faceless tile (third: second row, first column) has crossed-out grey panels and no boxes.
        var row2 = top + h + gap + 14;
        var noFace = new RectI(left, row2, tileWidth, h);
        Count(sheet.Image, noFace, RgbColor.Green).Should().Be(0);
        Count(sheet.Image, noFace, RgbColor.Red).Should().Be(0);
        Is(sheet.Image, left + panelWidth + gap + h / 2, row2 + h / 2, RgbColor.Grey).Should().BeTrue("the empty crop panel is crossed out");
        // The unused tile stays background.
        Count(sheet.Image, new RectI(left + tileWidth + 2 * gap, row2 - 14, tileWidth, h + 14), new RgbColor(24, 24, 24)).Should().Be(tileWidth * (h + 14));

        var wrongTile = () => sheet.Draw(3, frames[0], track[0]);
        wrongTile.Should().Throw<ArgumentOutOfRangeException>().WithMessage("tile 3 is not one of the sheet's 3*");
        using var small = new PixelBuffer(100, 100);
        var wrongSize = () => sheet.Draw(1, small, track[0]);
        wrongSize.Should().Throw<ArgumentException>().WithMessage("frame 0 is 100x100 but the sheet was laid out for 360x288*");
        var tooMany = () => new ContactSheet(100_000, 1920, 1080, [], new ContactSheetOptions());
        tooMany.Should().Throw<ArgumentOutOfRangeException>().WithMessage("a contact sheet of 100000 tiles would be*");
    }

    [Fact]
    public async Task Inspection_tracks_the_frames_asked_for_and_writes_the_sheet_atomically()
    {
        using var dir = new TempDir();
        var sheetPath = Path.Combine(dir.Path, "sub", "sheet.png");
        var report = await TrackInspection.RunAsync(FaceTrackData.Engine, FaceTrackData.Tracker, SharedData.GridClip("lbax4n"), sheetPath,
            new InspectionOptions { Frames = new FrameRange(10, 40), Every = 5 }, TestContext.Current.CancellationToken);
        report.SheetFrames.Should().Equal(10L, 15L, 20L, 25L, 30L, 35L);
        report.Track.Frames.Should().Be(new FrameRange(10, 40));
        report.Track.CountOf(TrackPointSource.Detected).Should().Be(30);
        report.Jitter.SmoothedLandmarks.Frames.Should().Be(28);
        report.SheetPath.Should().Be(Path.GetFullPath(sheetPath));
        using var png = ImageFile.Read(sheetPath);
        (png.Width, png.Height).Should().Be((report.SheetWidth, report.SheetHeight));
        Directory.GetFiles(Path.GetDirectoryName(sheetPath)!).Should().Equal(sheetPath);
        // Same frames, same track: the inspection's track is the clip's track.
        var whole = await FaceTrackData.WholeClip("lbax4n");
        FaceTrackData.Fingerprint(report.Track[20]).Should().Be(FaceTrackData.Fingerprint(whole[20]));

        var defaults = await TrackInspection.RunAsync(FaceTrackData.Engine, FaceTrackData.Tracker, SharedData.GridClip("lbax4n"), sheetPath,
            cancellationToken: TestContext.Current.CancellationToken);
        (defaults.Every, defaults.SheetFrames.Count).Should().Be((4, 19), "about 24 tiles: every 4th of 75 frames");

        var badRange = () => TrackInspection.RunAsync(FaceTrackData.Engine, FaceTrackData.Tracker, SharedData.GridClip("lbax4n"), Path.Combine(dir.Path, "x.png"),
            new InspectionOptions { Frames = new FrameRange(70, 80) });
        (await badRange.Should().ThrowAsync<ArgumentOutOfRangeException>()).WithMessage("frames [70, 80) are not a non-empty part of*which has frames [0, 75)*");
        var tooMany = () => TrackInspection.RunAsync(FaceTrackData.Engine, FaceTrackData.Tracker, SharedData.GridClip("lbax4n"), Path.Combine(dir.Path, "x.png"),
            new InspectionOptions { Every = 1, MaxTiles = 50 });
        (await tooMany.Should().ThrowAsync<ArgumentOutOfRangeException>()).WithMessage("every 1st frame of [0, 75) is 75 tiles, more than a sheet holds (50); show every 2nd frame*");
        TrackInspection.Ordinal(3).Should().Be("3rd");
        TrackInspection.Ordinal(12).Should().Be("12th");
        TrackInspection.Ordinal(22).Should().Be("22nd");
        TrackInspection.Ordinal(111).Should().Be("111th");
        File.Exists(Path.Combine(dir.Path, "x.png")).Should().BeFalse("nothing is written when the request is refused");
    }

    private static async Task<(int Exit, string Out, string Err)> Inspect(params string[] args)
    {
        _ = OrtRuntimeFixture.Runtime;
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await Program.BuildRoot().Parse(["inspect", .. args]).InvokeAsync(new InvocationConfiguration { Output = output, Error = error },
            TestContext.Current.CancellationToken);
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Swaptalk_inspect_writes_the_sheet_and_prints_the_track_and_its_jitter()
    {
        using var dir = new TempDir();
        var models = Path.GetDirectoryName(SharedData.Model("yunet_n_dynamic.onnx"))!;
        _ = SharedData.Model("peppa_slim_160_68pt.onnx");
        var sheet = Path.Combine(dir.Path, "grid.png");
        var (exit, stdout, stderr) = await Inspect(SharedData.GridClip("pwij3p"), "--models", models, "--out", sheet, "--frames", "0:30", "--every", "10", "--stats");
        Log?.WriteLine(stdout + stderr);
        exit.Should().Be(0, stderr);
        stdout.Should().Contain("grid_pwij3p.mpg: 75 frames 360x288 at 25 fps; target: largest face")
            .And.Contain("face track of frames [0, 30): 30 detected, 0 interpolated, 0 without a face")
            .And.MatchRegex(@"jitter \(RMS second difference, raw -> smoothed\): landmarks \d+\.\d+ px -> \d+\.\d+ px")
            .And.Contain($"wrote {sheet}").And.Contain("3 tiles, every 10 frame(s)");
        stdout.Split('\n').Count(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^\s+\d+\s+Detected\s+0\.\d\d\s")).Should().Be(30, "--stats prints every frame");
        using var png = ImageFile.Read(sheet);
        png.Width.Should().BeGreaterThan(1000);
    }

    [Fact]
    public async Task Swaptalk_inspect_refuses_bad_input_with_exit_2_and_says_why()
    {
        using var dir = new TempDir();
        var models = Path.GetDirectoryName(SharedData.Model("yunet_n_dynamic.onnx"))!;
        var clip = SharedData.GridClip("bbaf2n");
        var missing = Path.Combine(dir.Path, "absent.mp4");

        async Task Refused(string because, string[] args, string message)
        {
            var (exit, _, stderr) = await Inspect(args);
            exit.Should().Be(2, because);
            stderr.Should().Contain(message, because);
        }
        await Refused("no VIDEO", [], "inspect takes exactly one VIDEO");
        await Refused("missing file", [missing, "--models", models], $"'{missing}': does not exist");
        await Refused("audio only", [SharedData.Speech, "--models", models], "has no video stream");
        await Refused("empty models folder", [clip, "--models", dir.Path], "inspect needs the face_detector and face_landmarker models");
        await Refused("models folder absent", [clip, "--models", Path.Combine(dir.Path, "nope")], "models folder");
        await Refused("frames outside", [clip, "--models", models, "--frames", "50:80"], "--frames 50:80 = [50, 80) is not a non-empty part of the video's frames [0, 75)");
        await Refused("frames not a range", [clip, "--models", models, "--frames", "ten"], "--frames 'ten' is not A:B");
        await Refused("unknown face selection", [clip, "--models", models, "--face-selection", "biggest"], "face selection 'biggest' is not one of largest, most-central, most-confident");
        await Refused("every 0", [clip, "--models", models, "--every", "0"], "every 0");
        Directory.GetFiles(dir.Path).Should().BeEmpty("nothing is written for refused input");
    }
}
