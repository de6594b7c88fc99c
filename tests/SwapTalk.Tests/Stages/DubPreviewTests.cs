using SwapTalk.Core.Imaging;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Media;
using SwapTalk.Core.Stages;
using SwapTalk.Tests.Support;

namespace SwapTalk.Tests.Stages;

public sealed class DubPreviewTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void Picks_frames_spread_from_the_first_to_the_last()
    {
        DubPreview.PickFrames(275, 6).Should().Equal(0, 55, 110, 164, 219, 274);
        DubPreview.PickFrames(4, 6).Should().Equal(0, 1, 2, 3);
        DubPreview.PickFrames(10, 1).Should().Equal(0);
        var none = () => DubPreview.PickFrames(0, 6);
        none.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*at least one output frame*");
    }

    [Fact]
    public async Task Each_pair_shows_the_source_frame_the_plan_used_beside_that_output_frame()
    {
        // Flat grey frames in a lossless clip: frame i of the source is grey 10 + 20 i, frame k of the
        // output grey 5 + 10 k, so a panel's colour says exactly which frame it shows.
        using var dir = new TempDir("preview");
        var media = MediaEngine.FromEnvironment();
        var rate = new Rational(25, 1);
        var source = dir.File("source.mkv");
        var output = dir.File("output.mkv");
        await WriteGreyClipAsync(media, source, 8, i => (byte)(10 + 20 * i), rate);
        var plan = JobPlanner.Plan(new VideoFacts(8, rate, 64, 48, 8 / 25.0, HasAudio: false), drivingAudioSeconds: 20 / 25.0,
            new JobOptions { SegmentFrames = 10, LengthPolicy = SwapTalk.Core.Jobs.LengthPolicy.PingPong });
        plan.OutputFrameCount.Should().Be(20);
        await WriteGreyClipAsync(media, output, plan.OutputFrameCount, k => (byte)(5 + 10 * k), rate);
        using (var portrait = new PixelBuffer(40, 40)) { portrait.Pixels.Fill(200); ImageFile.Write(dir.File("portrait.png"), portrait); }

        var sheetPath = dir.File("sheet.png");
        var panels = await DubPreview.WriteAsync(media, plan, dir.File("portrait.png"), source, output, sheetPath,
            ["HEADER LINE"], new DubPreviewOptions { Frames = 5, PanelHeight = 48 }, Ct);

        panels.Select(p => p.OutputFrame).Should().Equal(0, 5, 10, 14, 19);
        using var sheet = ImageFile.Read(sheetPath);
        foreach (var panel in panels)
        {
            panel.SourceFrame.Should().Be(plan.SourceFrameOf(panel.OutputFrame));
            CentreGrey(sheet, panel.Source).Should().Be((byte)(10 + 20 * panel.SourceFrame), $"output frame {panel.OutputFrame} used source frame {panel.SourceFrame}");
            CentreGrey(sheet, panel.Output).Should().Be((byte)(5 + 10 * panel.OutputFrame));
            panel.Source.Height.Should().Be(48);
        }
        // Ping-pong over 8 source frames turns at frame 7: output 10 shows source 4, output 14 shows source 0.
        panels.Single(p => p.OutputFrame == 10).SourceFrame.Should().Be(4);
        panels.Single(p => p.OutputFrame == 14).SourceFrame.Should().Be(0);
    }

    [Fact]
    public async Task A_portrait_that_is_not_an_image_is_named_in_the_error()
    {
        using var dir = new TempDir("preview");
        var media = MediaEngine.FromEnvironment();
        var rate = new Rational(25, 1);
        await WriteGreyClipAsync(media, dir.File("v.mkv"), 2, _ => 50, rate);
        var plan = JobPlanner.Plan(new VideoFacts(2, rate, 64, 48, 2 / 25.0, HasAudio: false), 2 / 25.0, new JobOptions());
        await File.WriteAllTextAsync(dir.File("portrait.png"), "not an image", Ct);
        var act = () => DubPreview.WriteAsync(media, plan, dir.File("portrait.png"), dir.File("v.mkv"), dir.File("v.mkv"), dir.File("s.png"), [], cancellationToken: Ct);
        (await act.Should().ThrowAsync<ImageFileException>()).Which.Message.Should().Contain("portrait.png");
        File.Exists(dir.File("s.png")).Should().BeFalse();
    }

    private static async Task WriteGreyClipAsync(MediaEngine media, string path, int frames, Func<int, byte> grey, Rational rate)
    {
        await using var writer = media.OpenWriter(path, new FrameWriterSettings(64, 48, rate, VideoEncoding.Lossless), Ct);
        using var frame = new PixelBuffer(64, 48);
        for (var i = 0; i < frames; i++)
        {
            frame.Pixels.Fill(grey(i));
            await writer.WriteAsync(frame, Ct);
        }
        await writer.CompleteAsync(Ct);
    }

    private static byte CentreGrey(PixelBuffer sheet, RectI panel) =>
        sheet.Row(panel.Y + panel.Height / 2)[(panel.X + panel.Width / 2) * 3];
}
