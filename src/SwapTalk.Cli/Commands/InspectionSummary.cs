using System.Globalization;
using SwapTalk.Core.Media;
using SwapTalk.Core.Vision.Inspection;
using SwapTalk.Core.Vision.Tracking;

namespace SwapTalk.Cli.Commands;

/// <summary><c>swaptalk inspect</c>'s text: the frames asked for (<c>--frames A:B</c>) and what the tracking found, per clip and per frame.</summary>
internal static class InspectionSummary
{
    /// <summary>A:B (B exclusive), A: or :B, checked against the clip.</summary>
    internal static FrameRange? ParseFrames(string? text, long frameCount)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var parts = text.Split(':');
        long start = 0, end = frameCount;
        bool Read(string s, ref long value) =>
            s.Trim().Length == 0 || long.TryParse(s.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out value);
        if (parts.Length != 2 || !Read(parts[0], ref start) || !Read(parts[1], ref end))
            throw new ArgumentException($"--frames '{text}' is not A:B (frames A to B-1), A: or :B", nameof(text));
        if (start >= end || end > frameCount)
            throw new ArgumentException($"--frames {text} = [{start}, {end}) is not a non-empty part of the video's frames [0, {frameCount})", nameof(text));
        return new FrameRange(start, end);
    }

    public static void Write(TextWriter output, InspectionReport report, bool perFrame, IFaceSelector selector)
    {
        var inv = CultureInfo.InvariantCulture;
        var video = report.Media.RequireVideo();
        var track = report.Track;
        output.WriteLine(string.Format(inv, "{0}: {1} frames {2}x{3} at {4} fps; target: {5}", report.Media.Path, video.FrameCount, video.Width, video.Height, video.FrameRate, selector));
        output.WriteLine(track.ToString());
        output.WriteLine($"jitter (RMS second difference, raw -> smoothed): {report.Jitter}");
        var t = track.Timing;
        output.WriteLine(string.Format(inv, "tracking: {0:0.00} s for {1} frames read ({2:0.0} frames/s): detection {3:0.00} s, landmarks {4:0.00} s ({5} faces), smoothing {6:0.000} s",
            report.TrackingTime.TotalSeconds, t.FramesRead, t.FramesRead / Math.Max(1e-9, report.TrackingTime.TotalSeconds),
            t.Detection.TotalSeconds, t.Landmarks.TotalSeconds, t.FramesLandmarked, t.Smoothing.TotalSeconds));
        if (perFrame)
        {
            output.WriteLine("frame  source        score  box (w x h + x + y)      quad centre        quad size");
            foreach (var f in track.Items)
                output.WriteLine(string.Format(inv, "{0,5}  {1,-12}  {2,5}  {3,-23}  {4,-17}  {5}",
                    f.Index, f.Source, f.Detection is { } d ? d.Score.ToString("0.00", inv) : "-", f.Detection?.Box.ToString() ?? "-",
                    f.Face is { } a ? string.Format(inv, "({0:0.0}, {1:0.0})", a.Quad.Centre.X, a.Quad.Centre.Y) : "-",
                    f.Face is { } b ? b.Quad.Size.ToString("0.0", inv) : "-"));
        }
        output.WriteLine(string.Format(inv, "wrote {0} ({1}x{2}): {3} tiles, every {4} frame(s), in {5:0.00} s",
            report.SheetPath, report.SheetWidth, report.SheetHeight, report.SheetFrames.Count, report.Every, report.SheetTime.TotalSeconds));
    }
}
