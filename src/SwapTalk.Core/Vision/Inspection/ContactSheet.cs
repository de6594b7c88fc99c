using System.Globalization;
using System.Numerics;
using SwapTalk.Core.Imaging;
using SwapTalk.Core.Vision.Alignment;
using SwapTalk.Core.Vision.Compositing;
using SwapTalk.Core.Vision.Tracking;

namespace SwapTalk.Core.Vision.Inspection;

public sealed record ContactSheetOptions
{
    /// <summary>Height of each panel (frame, crop, mask) in sheet pixels.</summary>
    public int PanelHeight { get; init; } = 192;
    /// <summary>Tiles side by side in one row of the sheet.</summary>
    public int Columns { get; init; } = 2;
    /// <summary>Detections below this score are drawn as evidence only (the tracker's face score).</summary>
    public float MinScore { get; init; } = FaceTrackOptions.Default.MinScore;
    public FaceMaskOptions WholeFace { get; init; } = FaceMaskOptions.WholeFace;
    public FaceMaskOptions LowerFace { get; init; } = FaceMaskOptions.LowerFace;
}

/// <summary>
/// A PNG contact sheet of a face track, so a person can see the tracking: for each chosen frame, a tile of
/// three panels: the frame with every detection's box (green: the target, grey: other faces, orange:
/// evidence below the face score), the landmarker's 68 points (red) and the smoothed FFHQ quad (cyan, top
/// edge yellow); the aligned 512 crop with the smoothed landmarks; the crop under the whole-face mask
/// (green) and the lower-face mask (magenta) with their 50% contours. Tiles are drawn as frames arrive,
/// so only the sheet itself is held in memory.
/// </summary>
public sealed class ContactSheet : IDisposable
{
    private const int Gap = 8;
    private const int LabelHeight = 14;
    private const int Margin = 12;

    private readonly ContactSheetOptions _options;
    private readonly int _frameWidth;
    private readonly int _frameHeight;
    private readonly int _panelWidth;
    private readonly int _tileWidth;
    private readonly int _tileHeight;
    private readonly int _headerHeight;
    private MaskBuffer? _wholeFace;
    private MaskBuffer? _lowerFace;
    private PixelBuffer? _crop;
    private PixelBuffer? _small;

    public ContactSheet(int tileCount, int frameWidth, int frameHeight, IReadOnlyList<string> header, ContactSheetOptions? options = null)
    {
        _options = options ?? new ContactSheetOptions();
        if (tileCount < 1) throw new ArgumentOutOfRangeException(nameof(tileCount), $"a contact sheet needs at least one tile, got {tileCount}");
        if (frameWidth < 1 || frameHeight < 1) throw new ArgumentOutOfRangeException(nameof(frameWidth), $"frame size {frameWidth}x{frameHeight} is not valid");
        if (_options.PanelHeight is < 32 or > 1024)
            throw new ArgumentOutOfRangeException(nameof(options), $"contact sheet PanelHeight must be 32..1024 pixels, got {_options.PanelHeight}");
        if (_options.Columns is < 1 or > 16)
            throw new ArgumentOutOfRangeException(nameof(options), $"contact sheet Columns must be 1..16, got {_options.Columns}");
        TileCount = tileCount;
        _frameWidth = frameWidth;
        _frameHeight = frameHeight;
        var h = _options.PanelHeight;
        _panelWidth = Math.Max(1, (int)Math.Round((double)frameWidth * h / frameHeight));
        _tileWidth = _panelWidth + 2 * (h + Gap);
        _tileHeight = LabelHeight + h;
        _headerHeight = header.Count * Drawing.LineHeight + LegendLines * Drawing.LineHeight + Gap;
        var columns = Math.Min(_options.Columns, tileCount);
        var rows = (tileCount + columns - 1) / columns;
        var width = 2 * Margin + columns * _tileWidth + (columns - 1) * 2 * Gap;
        var height = 2 * Margin + _headerHeight + rows * _tileHeight + (rows - 1) * Gap;
        if ((long)width * height > 200_000_000)
            throw new ArgumentOutOfRangeException(nameof(tileCount), $"a contact sheet of {tileCount} tiles would be {width}x{height} pixels; show fewer frames");
        Image = new PixelBuffer(width, height, ColorOrder.Rgb);
        Image.Pixels.Fill(24);
        // Masks first: options that give no usable mask fail here, before any frame is read.
        CropBuffers(FfhqAlignment.CropSize);

        var y = Margin;
        foreach (var line in header)
        {
            Drawing.Text(Image, Margin, y, line, RgbColor.White);
            y += Drawing.LineHeight;
        }
        DrawLegend(Margin, y);
    }

    public PixelBuffer Image { get; }

    public int TileCount { get; }

    private const int LegendLines = 2;

    /// <summary>Draws tile <paramref name="tile"/>: the frame and its tracked face (frame size as given to the constructor).</summary>
    public void Draw(int tile, PixelBuffer frame, FaceTrackFrame track)
    {
        if ((uint)tile >= (uint)TileCount) throw new ArgumentOutOfRangeException(nameof(tile), $"tile {tile} is not one of the sheet's {TileCount}");
        if (frame.Width != _frameWidth || frame.Height != _frameHeight)
            throw new ArgumentException($"frame {track.Index} is {frame.Width}x{frame.Height} but the sheet was laid out for {_frameWidth}x{_frameHeight}", nameof(frame));
        var columns = Math.Min(_options.Columns, TileCount);
        var x0 = Margin + tile % columns * (_tileWidth + 2 * Gap);
        var y0 = Margin + _headerHeight + tile / columns * (_tileHeight + Gap);
        var h = _options.PanelHeight;

        var label = track.Source switch
        {
            TrackPointSource.Detected => string.Create(CultureInfo.InvariantCulture, $"FRAME {track.Index}  DETECTED {track.Detection?.Score:0.00}"),
            TrackPointSource.Interpolated => $"FRAME {track.Index}  INTERPOLATED",
            _ => $"FRAME {track.Index}  NO FACE: PASSES THROUGH",
        };
        var labelColor = track.Source switch
        {
            TrackPointSource.Detected => RgbColor.White,
            TrackPointSource.Interpolated => RgbColor.Cyan,
            _ => RgbColor.Orange,
        };
        Drawing.Text(Image, x0, y0 + 2, label, labelColor);
        if (track.Candidates.Count > 1)
            Drawing.Text(Image, x0 + _panelWidth + Gap, y0 + 2, $"{track.Candidates.Count} DETECTIONS", RgbColor.Grey);

        var py = y0 + LabelHeight;
        DrawFramePanel(frame, track, x0, py);
        var cropX = x0 + _panelWidth + Gap;
        var maskX = cropX + h + Gap;
        if (track.Face is not { } face)
        {
            foreach (var x in new[] { cropX, maskX })
            {
                Drawing.FillRectangle(Image, new RectI(x, py, h, h), RgbColor.DarkGrey);
                Drawing.Line(Image, new Vector2(x, py), new Vector2(x + h - 1, py + h - 1), RgbColor.Grey);
                Drawing.Line(Image, new Vector2(x + h - 1, py), new Vector2(x, py + h - 1), RgbColor.Grey);
            }
            return;
        }

        var (crop, small, wholeFace, lowerFace) = CropBuffers(face.CropSize);
        FfhqAlignment.Extract(frame, face, crop);
        Paste(crop, cropX, py, h, h);
        // Masks at panel size (nearest samples of the crop's masks), so their contours stay sharp.
        Resize.Run(crop, small);
        small.Order = crop.Order;
        Drawing.Tint(small, wholeFace, RgbColor.Green, 0.35f);
        Drawing.Tint(small, lowerFace, RgbColor.Magenta, 0.35f);
        Drawing.Contour(small, wholeFace, 128, RgbColor.Green);
        Drawing.Contour(small, lowerFace, 128, RgbColor.Magenta);
        Drawing.Blit(small, Image, maskX, py);
        if (track.Landmarks is { } landmarks)
        {
            var toPanel = face.FrameToCrop.Then(PanelMap(face.CropSize, face.CropSize, h, h, cropX, py));
            using var panel = new PanelClip(Image, new RectI(cropX, py, h, h));
            foreach (var p in landmarks) panel.Disc(toPanel.Apply(p), 1.2f, RgbColor.Green);
        }
    }

    private void DrawFramePanel(PixelBuffer frame, FaceTrackFrame track, int x, int y)
    {
        var h = _options.PanelHeight;
        Paste(frame, x, y, _panelWidth, h);
        var map = PanelMap(_frameWidth, _frameHeight, _panelWidth, h, x, y);
        using var panel = new PanelClip(Image, new RectI(x, y, _panelWidth, h));
        foreach (var c in track.Candidates)
            if (!ReferenceEquals(c, track.Detection))
                panel.Box(c.Box, map, c.Score >= _options.MinScore ? RgbColor.Grey : RgbColor.Orange);
        if (track.Detection is { } d) panel.Box(d.Box, map, RgbColor.Green);
        if (track.RawLandmarks is { } raw)
            foreach (var p in raw) panel.Disc(map.Apply(p), 1.0f, RgbColor.Red);
        if (track.Face is { } face)
        {
            var q = face.Quad;
            panel.Polyline([map.Apply(q.TopRight), map.Apply(q.BottomRight), map.Apply(q.BottomLeft), map.Apply(q.TopLeft)], RgbColor.Cyan);
            panel.Line(map.Apply(q.TopLeft), map.Apply(q.TopRight), RgbColor.Yellow);
        }
    }

    /// <summary>Maps image pixel coordinates onto a panel of the sheet (pixel centres at integers on both).</summary>
    private static Affine2x3 PanelMap(int sourceWidth, int sourceHeight, int width, int height, int x, int y)
    {
        double sx = (double)width / sourceWidth, sy = (double)height / sourceHeight;
        return Affine2x3.Translation(0.5, 0.5).Then(Affine2x3.Scale(sx, sy)).Then(Affine2x3.Translation(x - 0.5, y - 0.5));
    }

    private void Paste(PixelBuffer source, int x, int y, int width, int height)
    {
        using var scaled = new PixelBuffer(width, height, source.Order, pooled: true);
        Resize.Run(source, scaled);
        Drawing.Blit(scaled, Image, x, y);
    }

    private void DrawLegend(int x, int y)
    {
        (string Text, RgbColor Color)[][] lines =
        [
            [("FRAME: ", RgbColor.White), ("TARGET BOX ", RgbColor.Green), ("OTHER FACES ", RgbColor.Grey), ("EVIDENCE ONLY ", RgbColor.Orange),
                ("LANDMARKS ", RgbColor.Red), ("SMOOTHED QUAD ", RgbColor.Cyan), ("(TOP EDGE)", RgbColor.Yellow)],
            [("CROP: ALIGNED 512 WITH ", RgbColor.White), ("SMOOTHED LANDMARKS", RgbColor.Green), ("   MASKS: ", RgbColor.White),
                ("WHOLE FACE ", RgbColor.Green), ("LOWER FACE", RgbColor.Magenta)],
        ];
        foreach (var line in lines)
        {
            var cx = x;
            foreach (var (text, color) in line) cx += Drawing.Text(Image, cx, y, text, color) + Drawing.CharAdvance;
            y += Drawing.LineHeight;
        }
    }

    /// <summary>The crop buffer, a panel-sized buffer and both masks at panel size, made once per crop size (a track has one).</summary>
    private (PixelBuffer Crop, PixelBuffer Small, MaskBuffer WholeFace, MaskBuffer LowerFace) CropBuffers(int size)
    {
        if (_crop is null || _crop.Width != size)
        {
            DisposeCropBuffers();
            var h = _options.PanelHeight;
            using (var whole = FaceMask.Build(_options.WholeFace, size)) _wholeFace = Shrink(whole.Weights, h);
            using (var lower = FaceMask.Build(_options.LowerFace, size)) _lowerFace = Shrink(lower.Weights, h);
            _crop = new PixelBuffer(size, size);
            _small = new PixelBuffer(h, h);
        }
        return (_crop, _small!, _wholeFace!, _lowerFace!);
    }

    private static MaskBuffer Shrink(MaskBuffer mask, int side)
    {
        var small = new MaskBuffer(side, side);
        using var from = mask.AsMat();
        using var to = small.AsMat();
        OpenCvSharp.Cv2.Resize(from, to, new OpenCvSharp.Size(side, side), 0, 0, OpenCvSharp.InterpolationFlags.Nearest);
        return small;
    }

    private void DisposeCropBuffers()
    {
        _wholeFace?.Dispose();
        _lowerFace?.Dispose();
        _crop?.Dispose();
        _small?.Dispose();
    }

    public void Dispose()
    {
        DisposeCropBuffers();
        Image.Dispose();
    }

    /// <summary>Draws into one panel only: shapes crossing its edge are cut there, not drawn over the next panel.</summary>
    private readonly struct PanelClip : IDisposable
    {
        private readonly PixelBuffer _sheet;
        private readonly RectI _clip;
        private readonly PixelBuffer _panel;

        public PanelClip(PixelBuffer sheet, RectI clip)
        {
            _sheet = sheet;
            _clip = clip;
            _panel = new PixelBuffer(clip.Width, clip.Height, sheet.Order, pooled: true);
            for (var y = 0; y < clip.Height; y++) sheet.Row(clip.Y + y).Slice(clip.X * 3, clip.Width * 3).CopyTo(_panel.Row(y));
        }

        private Vector2 Local(Vector2 p) => p - new Vector2(_clip.X, _clip.Y);

        public void Disc(Vector2 centre, float radius, RgbColor color) => Drawing.Disc(_panel, Local(centre), radius, color);

        public void Line(Vector2 a, Vector2 b, RgbColor color) => Drawing.Line(_panel, Local(a), Local(b), color);

        public void Polyline(Vector2[] points, RgbColor color) => Drawing.Polyline(_panel, points.Select(Local).ToArray(), color, closed: false);

        /// <summary>A frame box, mapped onto the panel.</summary>
        public void Box(RectF box, Affine2x3 map, RgbColor color)
        {
            var a = Local(map.Apply(new Vector2(box.X, box.Y)));
            var b = Local(map.Apply(new Vector2(box.Right, box.Bottom)));
            Drawing.Rectangle(_panel, new RectF(a.X, a.Y, b.X - a.X, b.Y - a.Y), color);
        }

        public void Dispose()
        {
            Drawing.Blit(_panel, _sheet, _clip.X, _clip.Y);
            _panel.Dispose();
        }
    }
}
