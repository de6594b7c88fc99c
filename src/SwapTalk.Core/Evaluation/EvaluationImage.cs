using System.Globalization;
using OpenCvSharp;
using SwapTalk.Core.Files;

namespace SwapTalk.Core.Evaluation;

/// <summary>
/// The evaluation at a glance, as one PNG: the headline numbers, per-frame curves (identity to the portrait
/// and to the original; mouth opening against loudness, both standardised) and a few frames of the output
/// beside the portrait and the original. Drawn and encoded with OpenCV, written atomically.
/// </summary>
public static class EvaluationImage
{
    public const int TileHeight = 160;
    private const int Width = 1280;
    private const int Margin = 16;
    private const int PlotHeight = 190;
    private const int Line = 22;
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private static readonly Scalar Background = new(255, 255, 255);
    private static readonly Scalar Ink = new(30, 30, 30);
    private static readonly Scalar Grid = new(215, 215, 215);
    private static readonly Scalar Portrait = new(60, 150, 40);   // green
    private static readonly Scalar Original = new(40, 40, 200);   // red
    private static readonly Scalar Mouth = new(200, 110, 30);     // blue
    private static readonly Scalar Loudness = new(30, 150, 230);  // orange
    private static readonly Scalar Grid2 = new(160, 160, 160);    // grey: the original's mouth

    internal static void Write(string path, EvaluationResult result, Mat portrait, IReadOnlyList<SampleFrame> samples)
    {
        var header = Header(result);
        var tilesHeight = samples.Any(s => s.Original is not null) ? 2 * (TileHeight + Line) : TileHeight + Line;
        var plots = result.Truth is null ? 2 : 3;
        var height = Margin + header.Count * Line + Margin + plots * (PlotHeight + Line + Margin) + tilesHeight + Margin;
        using var canvas = new Mat(height, Width, MatType.CV_8UC3, Background);
        var y = Margin;
        foreach (var line in header)
        {
            Text(canvas, line, new Point(Margin, y + 16), 0.5, Ink);
            y += Line;
        }
        y += Margin;

        var frames = result.PerFrame;
        Plot(canvas, new Rect(Margin + 40, y + Line, Width - 2 * Margin - 40, PlotHeight), frames.IdentityToPortrait.Count, -0.25, 1.0,
            [(frames.IdentityToPortrait, Portrait, "cosine to the portrait"), (frames.IdentityToOriginal, Original, "cosine to the original's frame")],
            "IDENTITY PER FRAME (MOBILEFACENET COSINE; SAME PERSON ABOUT 0.74, DIFFERENT ABOUT 0)", [0, 0.5, 1]);
        y += PlotHeight + Line + Margin;

        var lag = result.LipSync?.BestLag;
        Plot(canvas, new Rect(Margin + 40, y + Line, Width - 2 * Margin - 40, PlotHeight), frames.MouthOpening.Count, -3, 3,
            [(Standardise(frames.MouthOpening), Mouth, "mouth opening"), (frames.Loudness is null ? null : Standardise(frames.Loudness), Loudness, "loudness (RMS)")],
            "MOUTH OPENING AGAINST LOUDNESS, A TIMING CHECK (EACH STANDARDISED)" + (result.LipSync is { } ls
                ? string.Format(Inv, "   R = {0} AT LAG 0 (DETRENDED {1}); BEST LAG {2:+0;-0;0} FRAMES", F(ls.CorrelationAtLag0), F(ls.Detrended.AtLag0), lag)
                : "   (NO AUDIO)"), [-2, 0, 2]);
        y += PlotHeight + Line + Margin;

        if (result.Truth is { } truth)
        {
            var v = truth.Video;
            Plot(canvas, new Rect(Margin + 40, y + Line, Width - 2 * Margin - 40, PlotHeight), frames.MouthOpening.Count, 0, 0.4,
                [(truth.TruthCurves.Opening, Ink, "real speaker (truth)"), (truth.VideoCurves.Opening, Mouth, "this video"), (truth.OriginalCurves?.Opening, Grid2, "original")],
                string.Format(Inv, "MOUTH OPENING (SHARE OF EYE DISTANCE) AGAINST THE REAL SPEAKER   R {0} (LAG {1:+0;-0;0}: {2})  VELOCITY R {3}  WIDTH R {4}  LMDDYN {5}  AMPLITUDE {6}",
                    F(v.OpeningAtLag0), v.OpeningBestLag, F(v.OpeningAtBestLag), F(v.OpeningVelocity), F(v.Width), F(v.LmdDyn, "0.000"), F(v.Amplitude)), [0.1, 0.2, 0.3]);
            y += PlotHeight + Line + Margin;
        }

        // Tiles: the portrait, then each sampled output frame; the originals below.
        var x = Margin;
        Text(canvas, "PORTRAIT", new Point(x, y + 15), 0.45, Ink);
        Paste(canvas, portrait, x, y + Line);
        x += portrait.Width + Margin;
        foreach (var s in samples)
        {
            if (x + s.Output.Width > Width - Margin) break;
            Text(canvas, string.Format(Inv, "FRAME {0}  ID {1}", s.Index, F(s.Identity)), new Point(x, y + 15), 0.45, Ink);
            Paste(canvas, s.Output, x, y + Line);
            if (s.Original is not null)
            {
                Text(canvas, "ORIGINAL", new Point(x, y + TileHeight + Line + 15), 0.45, Ink);
                Paste(canvas, s.Original, x, y + TileHeight + 2 * Line);
            }
            x += s.Output.Width + Margin;
        }

        Cv2.ImEncode(".png", canvas, out var png);
        AtomicFile.Write(path, png);
    }

    private static List<string> Header(EvaluationResult r)
    {
        var id = r.Identity;
        var lines = new List<string>
        {
            $"SWAPTALK EVAL  {Path.GetFileName(r.Video)}  ({r.Frames} FRAMES, {r.Width}X{r.Height} AT {r.FrameRate.ToString("0.##", Inv)} FPS, {r.FramesWithFace} WITH A FACE, {r.Mode.ToUpperInvariant()})",
            $"PORTRAIT {Path.GetFileName(r.Portrait)}   ORIGINAL {(r.Original is null ? "-" : Path.GetFileName(r.Original))}   AUDIO {(r.Audio is null ? "-" : Path.GetFileName(r.Audio))}",
            $"IDENTITY: CONSISTENCY {F(id.Consistency)} (MIN {F(id.Min)})   TO ORIGINAL {F(id.ToOriginal)}   CLOSER TO PORTRAIT {Pct(id.CloserToPortrait)}   ID RETRIEVE {Pct(id.IdRetrieve)}",
        };
        if (r.LipSync is { } ls)
            lines.Add(string.Format(Inv, "MOUTH VS LOUDNESS (TIMING CHECK, HIGH BY CONSTRUCTION): R AT LAG 0 {0} (DETRENDED {1})   BEST LAG {2:+0;-0;0} FRAMES (DETRENDED R {3}; + = AUDIO LATE)   LMD {4}",
                F(ls.CorrelationAtLag0), F(ls.Detrended.AtLag0), ls.BestLag, F(ls.Detrended.AtBestLag), F(ls.Lmd)));
        if (r.Truth is { } t)
            lines.Add(string.Format(Inv, "AGAINST THE REAL SPEAKER (VIDEO / ORIGINAL = FLOOR): OPENING R {0} / {1}   BEST LAG {2:+0;-0;0} / {3:+0;-0;0}   VELOCITY R {4} / {5}",
                F(t.Video.OpeningAtLag0), F(t.Original?.OpeningAtLag0), t.Video.OpeningBestLag, t.Original?.OpeningBestLag, F(t.Video.OpeningVelocity), F(t.Original?.OpeningVelocity)));
        if (r.Truth is { } u)
            lines.Add(string.Format(Inv, "    WIDTH R {0} / {1}   ROUNDING R {2} / {3}   LMDDYN {4} / {5}   AMPLITUDE {6} / {7}",
                F(u.Video.Width), F(u.Original?.Width), F(u.Video.Rounding), F(u.Original?.Rounding), F(u.Video.LmdDyn, "0.000"), F(u.Original?.LmdDyn, "0.000"), F(u.Video.Amplitude), F(u.Original?.Amplitude)));
        if (r.ImageQuality is { } q)
            lines.Add($"IMAGE: SSIM FACE {F(q.SsimFace)} OUTSIDE {F(q.SsimOutside)}   PSNR FACE {Db(q.PsnrFace)} OUTSIDE {Db(q.PsnrOutside)}");
        lines.Add($"SHARPNESS (VAR. OF LAPLACIAN ON THE FACE): OUTPUT {F(r.Sharpness.Output, "0")}   ORIGINAL {F(r.Sharpness.Original, "0")}");
        lines.Add("NOT COMPUTED: " + string.Join(", ", r.NotComputed.Select(n => n.Metric.ToUpperInvariant())));
        return lines;
    }

    private static void Plot(Mat canvas, Rect area, int frames, double low, double high,
        IReadOnlyList<(IReadOnlyList<double?>? Values, Scalar Colour, string Label)> series, string title, double[] gridLines)
    {
        Text(canvas, title, new Point(area.X - 40, area.Y - 6), 0.45, Ink);
        int Y(double v) => area.Bottom - (int)Math.Round((Math.Clamp(v, low, high) - low) / (high - low) * area.Height);
        int X(int t) => area.X + (frames <= 1 ? 0 : (int)Math.Round(t * (area.Width - 1) / (double)(frames - 1)));
        Cv2.Rectangle(canvas, area, Grid, 1);
        foreach (var g in gridLines)
        {
            Cv2.Line(canvas, new Point(area.X, Y(g)), new Point(area.Right, Y(g)), Grid, 1);
            Text(canvas, g.ToString("0.#", Inv), new Point(area.X - 36, Y(g) + 4), 0.4, Ink);
        }
        // The legend sits under the plot, right of the frame axis label, where no curve runs.
        var legendX = area.X + 200;
        var legendY = area.Bottom + 15;
        foreach (var (values, colour, label) in series)
        {
            if (values is null) continue;
            for (var t = 1; t < values.Count; t++)
                if (values[t - 1] is { } a && values[t] is { } b)
                    Cv2.Line(canvas, new Point(X(t - 1), Y(a)), new Point(X(t), Y(b)), colour, 2, LineTypes.AntiAlias);
            for (var t = 0; t < values.Count; t++) // isolated points (a neighbour without a value) still show
                if (values[t] is { } v && (t == 0 || values[t - 1] is null) && (t == values.Count - 1 || values[t + 1] is null))
                    Cv2.Circle(canvas, new Point(X(t), Y(v)), 2, colour, -1);
            Cv2.Line(canvas, new Point(legendX, legendY - 4), new Point(legendX + 24, legendY - 4), colour, 2);
            Text(canvas, label, new Point(legendX + 30, legendY), 0.4, Ink);
            legendX += 60 + Cv2.GetTextSize(label, HersheyFonts.HersheySimplex, 0.4, 1, out _).Width;
        }
        Text(canvas, $"FRAME 0 .. {frames - 1}", new Point(area.X, area.Bottom + 15), 0.4, Ink);
    }

    /// <summary>(v - mean) / sd over the values present; all null when constant.</summary>
    private static double?[] Standardise(IReadOnlyList<double?> values)
    {
        var present = values.Where(v => v is not null).Select(v => v!.Value).ToArray();
        var result = new double?[values.Count];
        if (present.Length < 2) return result;
        var mean = present.Average();
        var sd = Math.Sqrt(present.Sum(v => (v - mean) * (v - mean)) / present.Length);
        if (sd <= 0) return result;
        for (var i = 0; i < values.Count; i++) result[i] = values[i] is { } v ? (v - mean) / sd : null;
        return result;
    }

    private static void Paste(Mat canvas, Mat tile, int x, int y)
    {
        var w = Math.Min(tile.Width, canvas.Width - x);
        var h = Math.Min(tile.Height, canvas.Height - y);
        if (w <= 0 || h <= 0) return;
        using var source = new Mat(tile, new Rect(0, 0, w, h));
        using var target = new Mat(canvas, new Rect(x, y, w, h));
        source.CopyTo(target);
    }

    private static void Text(Mat canvas, string text, Point at, double scale, Scalar colour) =>
        Cv2.PutText(canvas, text, at, HersheyFonts.HersheySimplex, scale, colour, 1, LineTypes.AntiAlias);

    private static string F(double? v, string format = "0.00") => v is { } x ? x.ToString(format, Inv) : "-";
    private static string Pct(double? v) => v is { } x ? (100 * x).ToString("0", Inv) + "%" : "-";
    private static string Db(double? v) => v is { } x ? (double.IsPositiveInfinity(x) ? "INF" : x.ToString("0.0", Inv) + " DB") : "-";
}
