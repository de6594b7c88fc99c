using System.Globalization;
using SwapTalk.Core.Imaging;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Media;

namespace SwapTalk.Core.Stages;

public sealed record DubPreviewOptions
{
    /// <summary>Output frames shown, spread evenly from the first to the last.</summary>
    public int Frames { get; init; } = 6;

    /// <summary>Height of each frame panel in sheet pixels.</summary>
    public int PanelHeight { get; init; } = 180;

    /// <summary>Before/after pairs side by side in one row of the sheet.</summary>
    public int Columns { get; init; } = 2;
}

/// <summary>One before/after pair on the sheet: which frames, and where their panels are.</summary>
public sealed record DubPreviewPanel(int OutputFrame, int SourceFrame, RectI Source, RectI Output);

/// <summary>
/// A PNG a person can look at after a dub: the portrait, then for frames spread over the output the
/// source frame the plan used (left) beside the dubbed frame (right), each labelled with its output index,
/// time and source index. Frames are read one at a time from the finished files, so memory is one sheet.
/// </summary>
public static class DubPreview
{
    private const int Margin = 12;
    private const int Gap = 8;
    private const int LabelHeight = Drawing.LineHeight + 3;

    /// <summary>The output frames the preview shows: <paramref name="count"/> spread evenly over [0, frames).</summary>
    public static IReadOnlyList<int> PickFrames(int frames, int count)
    {
        if (frames < 1) throw new ArgumentOutOfRangeException(nameof(frames), $"a preview needs at least one output frame, got {frames}");
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), $"a preview shows at least one frame, got {count}");
        if (count >= frames) return Enumerable.Range(0, frames).ToArray();
        if (count == 1) return [0];
        return Enumerable.Range(0, count).Select(i => (int)Math.Round((double)i * (frames - 1) / (count - 1))).Distinct().ToArray();
    }

    /// <summary>Writes the sheet to <paramref name="pngPath"/> (atomically) and returns where each pair was drawn.</summary>
    public static async Task<IReadOnlyList<DubPreviewPanel>> WriteAsync(
        MediaEngine media, JobPlan plan, string portraitPath, string sourceVideoPath, string outputVideoPath,
        string pngPath, IReadOnlyList<string> header, DubPreviewOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new DubPreviewOptions();
        if (options.PanelHeight is < 32 or > 1080)
            throw new ArgumentOutOfRangeException(nameof(options), $"preview PanelHeight must be 32..1080 pixels, got {options.PanelHeight}");
        if (options.Columns is < 1 or > 8)
            throw new ArgumentOutOfRangeException(nameof(options), $"preview Columns must be 1..8, got {options.Columns}");

        var shown = PickFrames(plan.OutputFrameCount, options.Frames);
        var panelHeight = options.PanelHeight;
        var panelWidth = Math.Max(1, (int)Math.Round((double)plan.Width * panelHeight / plan.Height));
        var pairWidth = 2 * panelWidth + Gap;
        var columns = Math.Min(options.Columns, shown.Count);
        var rows = (shown.Count + columns - 1) / columns;
        var portraitSize = panelHeight;
        var headerHeight = Math.Max(portraitSize, (header.Count + 1) * Drawing.LineHeight) + Gap;
        var width = Math.Max(2 * Margin + columns * pairWidth + (columns - 1) * 2 * Gap, 2 * Margin + portraitSize + Gap + 60 * Drawing.CharAdvance);
        var height = 2 * Margin + headerHeight + rows * (LabelHeight + panelHeight) + (rows - 1) * Gap;

        using var sheet = new PixelBuffer(width, height, ColorOrder.Rgb);
        sheet.Pixels.Fill(24);

        using (var portrait = await ImageFile.ReadAsync(portraitPath, ColorOrder.Rgb, cancellationToken))
            DrawScaled(portrait, sheet, Margin, Margin, portraitSize, portraitSize);
        var textX = Margin + portraitSize + Gap;
        var y = Margin;
        foreach (var line in header)
        {
            Drawing.Text(sheet, textX, y, line, RgbColor.White);
            y += Drawing.LineHeight;
        }
        Drawing.Text(sheet, textX, y, "left: source frame used    right: dubbed output", RgbColor.Grey);

        var source = await media.ProbeAsync(sourceVideoPath, cancellationToken);
        var output = await media.ProbeAsync(outputVideoPath, cancellationToken);
        var panels = new List<DubPreviewPanel>(shown.Count);
        for (var i = 0; i < shown.Count; i++)
        {
            var outputIndex = shown[i];
            var sourceIndex = plan.SourceFrameOf(outputIndex);
            var x = Margin + i % columns * (pairWidth + 2 * Gap);
            var top = Margin + headerHeight + i / columns * (LabelHeight + panelHeight + Gap);
            var label = string.Create(CultureInfo.InvariantCulture,
                $"OUT {outputIndex}  T={plan.PresentationTime(outputIndex).TotalSeconds:0.00}S  SRC {sourceIndex}");
            Drawing.Text(sheet, x, top, label, RgbColor.Yellow);
            var sourcePanel = await DrawFrameAsync(media, source, sourceIndex, sheet, x, top + LabelHeight, panelWidth, panelHeight, cancellationToken);
            var outputPanel = await DrawFrameAsync(media, output, outputIndex, sheet, x + panelWidth + Gap, top + LabelHeight, panelWidth, panelHeight, cancellationToken);
            panels.Add(new DubPreviewPanel(outputIndex, sourceIndex, sourcePanel, outputPanel));
        }
        ImageFile.Write(pngPath, sheet);
        return panels;
    }

    private static async Task<RectI> DrawFrameAsync(MediaEngine media, MediaInfo video, long index, PixelBuffer sheet, int x, int y, int width, int height, CancellationToken cancellationToken)
    {
        await foreach (var frame in media.ReadFramesAsync(video, new FrameRange(index, index + 1), new FrameReadOptions { Order = ColorOrder.Rgb }, cancellationToken))
            using (frame)
                return DrawScaled(frame.Image, sheet, x, y, width, height);
        throw new MediaException(video.Path, $"has no frame {index}") { IsBadInput = true };
    }

    private static RectI DrawScaled(PixelBuffer image, PixelBuffer sheet, int x, int y, int width, int height)
    {
        // Fit inside width x height keeping the aspect ratio, centred.
        var scale = Math.Min((double)width / image.Width, (double)height / image.Height);
        var w = Math.Max(1, (int)Math.Round(image.Width * scale));
        var h = Math.Max(1, (int)Math.Round(image.Height * scale));
        using var scaled = new PixelBuffer(w, h, image.Order, pooled: true);
        Resize.Run(image, scaled);
        var placed = new RectI(x + (width - w) / 2, y + (height - h) / 2, w, h);
        Drawing.Blit(scaled, sheet, placed.X, placed.Y); // converts channel order
        return placed;
    }
}
