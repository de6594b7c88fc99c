using System.Globalization;
using System.Diagnostics;
using SwapTalk.Core.Imaging;
using SwapTalk.Core.Media;
using SwapTalk.Core.Vision.Tracking;

namespace SwapTalk.Core.Vision.Inspection;

public sealed record InspectionOptions
{
    /// <summary>The frames to track (default: the whole clip).</summary>
    public FrameRange? Frames { get; init; }

    /// <summary>Every how many frames the sheet shows a tile (default: about <see cref="DefaultTiles"/> tiles).</summary>
    public int? Every { get; init; }

    public int DefaultTiles { get; init; } = 24;

    /// <summary>Most tiles on one sheet (a sheet of 100 tiles of a 1080p clip is about 1.5k x 11k pixels).</summary>
    public int MaxTiles { get; init; } = 100;

    public ContactSheetOptions Sheet { get; init; } = new();
}

/// <summary>What an inspection found and wrote.</summary>
public sealed record InspectionReport(
    MediaInfo Media,
    FaceTrack Track,
    FaceTrackJitter Jitter,
    int Every,
    IReadOnlyList<long> SheetFrames,
    string SheetPath,
    int SheetWidth,
    int SheetHeight,
    TimeSpan TrackingTime,
    TimeSpan SheetTime);

/// <summary>
/// Tracks a video's face and writes a contact sheet of it: one pass tracks the frames (streaming, as a
/// segment would), a second reads the frames the sheet shows and draws them. The sheet is written
/// atomically; nothing is written when anything fails.
/// </summary>
public static class TrackInspection
{
    public static async Task<InspectionReport> RunAsync(MediaEngine media, FaceTracker tracker, string videoPath, string sheetPath,
        InspectionOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new InspectionOptions();
        var info = await media.ProbeAsync(videoPath, cancellationToken);
        var video = info.RequireVideo();
        var range = options.Frames ?? FrameRange.All(video);
        if (range.Start < 0 || range.End > video.FrameCount || range.Start >= range.End)
            throw new ArgumentOutOfRangeException(nameof(options), $"frames {range} are not a non-empty part of '{videoPath}', which has frames [0, {video.FrameCount})");
        if (options.Every is < 1)
            throw new ArgumentOutOfRangeException(nameof(options), $"every {options.Every}: the sheet shows every k-th frame, k 1 or more");
        var every = options.Every ?? (int)Math.Max(1, (range.Count + options.DefaultTiles - 1) / options.DefaultTiles);
        var tiles = (range.Count + every - 1) / every;
        if (tiles > options.MaxTiles)
            throw new ArgumentOutOfRangeException(nameof(options),
                $"every {Ordinal(every)} frame of {range} is {tiles} tiles, more than a sheet holds ({options.MaxTiles}); show every {Ordinal((range.Count + options.MaxTiles - 1) / options.MaxTiles)} frame or fewer frames");
        var sheetFrames = Enumerable.Range(0, (int)tiles).Select(k => range.Start + k * every).ToList();

        var clock = Stopwatch.StartNew();
        var track = await tracker.TrackAsync(media, info, range, cancellationToken);
        var trackingTime = clock.Elapsed;
        var jitter = TrackJitter.Measure(track);

        clock.Restart();
        var header = Header(videoPath, info, video, track, jitter, every, tracker.Options.Selector);
        using var sheet = new ContactSheet(sheetFrames.Count, video.Width, video.Height, header, options.Sheet with { MinScore = tracker.Options.MinScore });
        var next = 0;
        var read = new FrameRange(sheetFrames[0], sheetFrames[^1] + 1);
        await foreach (var frame in media.ReadFramesAsync(info, read, new FrameReadOptions { Order = ColorOrder.Rgb }, cancellationToken))
            using (frame)
            {
                if (frame.Index != sheetFrames[next]) continue;
                sheet.Draw(next, frame.Image, track[frame.Index]);
                next++;
            }
        ImageFile.Write(sheetPath, sheet.Image);
        return new InspectionReport(info, track, jitter, every, sheetFrames, Path.GetFullPath(sheetPath), sheet.Image.Width, sheet.Image.Height, trackingTime, clock.Elapsed);
    }

    /// <summary>1st, 2nd, 3rd, 4th, ..., 11th, 12th, 13th, 21st.</summary>
    internal static string Ordinal(long n) => (n % 100) switch
    {
        11 or 12 or 13 => $"{n}th",
        _ => (n % 10) switch { 1 => $"{n}st", 2 => $"{n}nd", 3 => $"{n}rd", _ => $"{n}th" },
    };

    private static List<string> Header(string path, MediaInfo info, VideoStreamInfo video, FaceTrack track, FaceTrackJitter jitter, int every, IFaceSelector selector)
    {
        var inv = CultureInfo.InvariantCulture;
        return
        [
            string.Format(inv, "{0}  {1} FRAMES {2}X{3} AT {4} FPS", Path.GetFileName(path), video.FrameCount, video.Width, video.Height, video.FrameRate),
            string.Format(inv, "FRAMES {0}-{1}, EVERY {2}: {3} DETECTED, {4} INTERPOLATED, {5} WITHOUT A FACE; TARGET: {6}",
                track.Frames.Start, track.Frames.End - 1, every == 1 ? "FRAME" : $"{Ordinal(every).ToUpperInvariant()} FRAME",
                track.CountOf(TrackPointSource.Detected), track.CountOf(TrackPointSource.Interpolated), track.CountOf(TrackPointSource.None), selector),
            $"JITTER RAW -> SMOOTHED: {jitter}",
        ];
    }
}
