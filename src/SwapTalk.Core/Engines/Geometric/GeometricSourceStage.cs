using System.Globalization;
using System.Numerics;
using OpenCvSharp;
using SwapTalk.Core.Imaging;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Media;
using SwapTalk.Core.Stages;

namespace SwapTalk.Core.Engines.Geometric;

/// <summary>
/// PrepareSource for the geometric engine: the portrait checked and cut to its face (with landmarks), and for
/// cross-driven jobs the mouth bank: mouth crops of the target video at a spread of openings, from its first
/// <see cref="BankFrames"/> frames. Once per job, so every segment uses the same bank and seams stay bit-identical.
/// </summary>
public sealed class GeometricSourceStage(MediaEngine media, PipelineModels models)
{
    /// <summary>Source frames the mouth bank looks at (10 s at 25 fps: enough to see a speaker open and close the mouth).</summary>
    public const int BankFrames = 250;

    /// <summary>Mouths kept in the bank, spread evenly over the openings seen.</summary>
    public const int BankSize = 8;

    /// <summary>Smallest eye distance (pixels) a portrait's face may have: below it the swap would be a blur.</summary>
    public const float MinEyeDistance = 20;

    /// <summary>Portraits whose eye distance exceeds this are scaled down to it (plenty for a 1080p face).</summary>
    public const float MaxEyeDistance = 220;

    /// <summary>Below this <see cref="FaceGeometry.Frontality"/> the portrait is a profile (one cheek hidden).</summary>
    public const float MinFrontality = 0.35f;

    /// <exception cref="BadInputException">No face, a face too small, or a profile view (the message names the portrait).</exception>
    public async Task<GeometricSource> PrepareAsync(string portraitPath, FaceSelection selection, MediaInfo? crossDrivenVideo, StageClock clock,
        CancellationToken cancellationToken)
    {
        PixelBuffer portrait;
        Vector2[] landmarks;
        int facesFound;
        byte[]? keep = null;
        using (clock.Measure(PipelineStages.Portrait, frames: 1))
        {
            var stage = new PortraitStage(models);
            using var image = await stage.LoadAsync(portraitPath, cancellationToken);
            var faces = stage.Detect(image);
            facesFound = faces.Count;
            var chosen = FaceSelectors.Choose(selection, image, faces);
            if (chosen < 0)
                throw new BadInputException("portrait", $"no face found in '{portraitPath}'; the portrait must show one face clearly (frontal, at least 64 pixels across)");
            var all = models.Landmarks.Detect(image, faces[chosen].Box);
            Check(portraitPath, all);
            (portrait, landmarks) = CutFace(image, all);
            PortraitMouth.RemoveTeeth(portrait, landmarks);
            // The portrait's hair above its brows stays out of the face (once per job: one run of the model).
            using var segmentation = FaceSegmentation.Open(models.Catalog);
            if (segmentation is not null)
                using (var pin = new PinnedFrame(portrait))
                    keep = segmentation.PortraitKeep(pin.Mat, landmarks);
        }
        if (crossDrivenVideo is null) return new GeometricSource(portrait, landmarks, facesFound, [], keep);
        var (mouths, openings, widths, frames) = await BankAsync(crossDrivenVideo, selection, clock, cancellationToken);
        var source = new GeometricSource(portrait, landmarks, facesFound, mouths, keep);
        // The target's own range of openings and the swapped mouth's read-back (a few renders, once per job).
        try
        {
            using (clock.Measure(PipelineStages.Reference))
                if (openings.Count > 0)
                    source.Calibration = new Mouth.MouthCalibration(Mouth.MouthRange.Of(openings) with { RestWidth = widths.Average() }, Mouth.MouthCalibration.Measure(source, frames, models.Landmarks));
            return source;
        }
        finally
        {
            foreach (var f in frames) f.Region.Dispose();
        }
    }

    /// <summary>The portrait checks: a face big enough, and frontal enough that both cheeks are there to warp.</summary>
    public static void Check(string portraitPath, ReadOnlySpan<Vector2> landmarks)
    {
        var eyes = FaceGeometry.EyeDistance(landmarks);
        if (eyes < MinEyeDistance)
            throw new BadInputException("portrait", string.Create(CultureInfo.InvariantCulture,
                $"the face in '{portraitPath}' is too small: its eyes are {eyes:0} pixels apart, at least {MinEyeDistance:0} are needed; use a larger or closer portrait"));
        var frontal = FaceGeometry.Frontality(landmarks);
        if (frontal < MinFrontality)
            throw new BadInputException("portrait", string.Create(CultureInfo.InvariantCulture,
                $"the face in '{portraitPath}' looks like a profile view (frontality {frontal:0.00}, at least {MinFrontality:0.00} needed); the geometric swap needs a frontal portrait"));
    }

    /// <summary>The face's region (mesh points plus a margin), scaled down where it is larger than any frame needs.</summary>
    private static (PixelBuffer, Vector2[]) CutFace(PixelBuffer image, Vector2[] landmarks)
    {
        var points = MeshPoints.Of(landmarks);
        var eyes = FaceGeometry.EyeDistance(landmarks);
        var margin = 0.4f * eyes;
        var x0 = Math.Clamp((int)Math.Floor(points.Min(p => p.X) - margin), 0, image.Width - 1);
        var y0 = Math.Clamp((int)Math.Floor(points.Min(p => p.Y) - margin), 0, image.Height - 1);
        var x1 = Math.Clamp((int)Math.Ceiling(points.Max(p => p.X) + margin), x0 + 1, image.Width);
        var y1 = Math.Clamp((int)Math.Ceiling(points.Max(p => p.Y) + margin), y0 + 1, image.Height);
        var scale = Math.Min(1f, MaxEyeDistance / eyes);
        var width = Math.Max(1, (int)Math.Round((x1 - x0) * scale));
        var height = Math.Max(1, (int)Math.Round((y1 - y0) * scale));
        var cut = new PixelBuffer(width, height, ColorOrder.Bgr);
        using (var pin = new PinnedFrame(image))
        using (var region = new Mat(pin.Mat, new Rect(x0, y0, x1 - x0, y1 - y0)))
        using (var outPin = new PinnedFrame(cut))
            Cv2.Resize(region, outPin.Mat, new Size(width, height), 0, 0, InterpolationFlags.Area);
        var sx = (float)width / (x1 - x0);
        var sy = (float)height / (y1 - y0);
        return (cut, landmarks.Select(p => new Vector2((p.X - x0) * sx, (p.Y - y0) * sy)).ToArray());
    }

    /// <summary>Target frames the swapped mouth's read-back is measured on (<see cref="Mouth.MouthCalibration"/>).</summary>
    public const int CalibrationFrames = 3;

    /// <summary>
    /// Mouth crops at openings spread from the most closed to the most open seen in the clip's first frames; every
    /// detected frame's own opening (unsmoothed, as the landmarker reads it: the target's range of motion); and
    /// <see cref="CalibrationFrames"/> frames spread over them, cut to their face, to measure the read-back on; and
    /// every detected frame's mouth width (smoothed, as the renderer draws on it: the target's rest width is their mean).
    /// </summary>
    private async Task<(IReadOnlyList<MouthSample>, IReadOnlyCollection<float>, IReadOnlyCollection<float>, IReadOnlyList<Mouth.CalibrationFrame>)> BankAsync(MediaInfo video, FaceSelection selection, StageClock clock, CancellationToken cancellationToken)
    {
        var stream = video.RequireVideo();
        using var scope = clock.Measure(PipelineStages.Reference);
        var range = new FrameRange(0, Math.Min(stream.FrameCount, BankFrames));
        var track = await models.Tracker(selection).TrackAsync(media, video, range, cancellationToken);
        var found = track.Items.Where(f => f.HasFace && f.Source == Vision.Tracking.TrackPointSource.Detected).ToList();
        if (found.Count == 0) return ([], [], [], []);
        var seen = found.Select(f => (f.Index, Opening: FaceGeometry.RelativeMouthOpening(f.Landmarks!), f.Landmarks)).ToList();
        var openings = found.Select(f => FaceGeometry.RelativeMouthOpening(f.RawLandmarks ?? f.Landmarks!)).ToList();
        var widths = found.Select(f => FaceGeometry.RelativeMouthWidth(f.Landmarks!)).ToList();
        var calibrate = new Dictionary<long, Vision.Tracking.FaceTrackFrame>();
        var detected = track.Items.Where(f => f.HasFace && f.Detection is not null).ToList();
        for (var k = 0; k < CalibrationFrames && detected.Count > 0; k++)
        {
            var f = detected[(int)((k + 0.5) / CalibrationFrames * detected.Count)];
            calibrate[f.Index] = f;
        }
        var low = seen.Min(s => s.Opening);
        var high = seen.Max(s => s.Opening);
        var picked = new SortedDictionary<long, (float Opening, Vector2[] Landmarks)>();
        for (var k = 0; k < BankSize; k++)
        {
            var wanted = low + (high - low) * k / (BankSize - 1);
            var best = seen.OrderBy(s => Math.Abs(s.Opening - wanted)).ThenBy(s => s.Index).First();
            picked[best.Index] = (best.Opening, best.Landmarks!);
        }

        var bank = new List<MouthSample>(picked.Count);
        var frames = new List<Mouth.CalibrationFrame>(calibrate.Count);
        var first = Math.Min(picked.Keys.Min(), calibrate.Keys.DefaultIfEmpty(long.MaxValue).Min());
        var last = Math.Max(picked.Keys.Max(), calibrate.Keys.DefaultIfEmpty(long.MinValue).Max());
        await foreach (var frame in media.ReadFramesAsync(video, new FrameRange(first, last + 1), new FrameReadOptions { Order = ColorOrder.Bgr }, cancellationToken))
            using (frame)
            {
                if (picked.TryGetValue(frame.Index, out var p))
                    bank.Add(CutMouth(frame.Image, frame.Index, p.Opening, p.Landmarks));
                if (calibrate.TryGetValue(frame.Index, out var c))
                    frames.Add(CutFaceRegion(frame.Image, c.Landmarks!, c.Detection!.Box));
            }
        return (bank.OrderBy(m => m.Opening).ThenBy(m => m.Frame).ToArray(), openings, widths, frames);
    }

    /// <summary>The frame around a face (what the landmarker sees for its box, and the renderer's region), with its points and box moved into it.</summary>
    private static Mouth.CalibrationFrame CutFaceRegion(PixelBuffer frame, Vector2[] landmarks, RectF box)
    {
        var margin = 0.6f * FaceGeometry.EyeDistance(landmarks);
        var seen = Vision.Landmarks.FaceLandmarker68.CropFor(box, frame.Width, frame.Height);
        var x0 = Math.Clamp(Math.Min(seen.X, (int)Math.Floor(landmarks.Min(p => p.X) - margin)), 0, frame.Width - 1);
        var y0 = Math.Clamp(Math.Min(seen.Y, (int)Math.Floor(landmarks.Min(p => p.Y) - margin)), 0, frame.Height - 1);
        var x1 = Math.Clamp(Math.Max(seen.X + seen.Width, (int)Math.Ceiling(landmarks.Max(p => p.X) + margin)), x0 + 1, frame.Width);
        var y1 = Math.Clamp(Math.Max(seen.Y + seen.Height, (int)Math.Ceiling(landmarks.Max(p => p.Y) + margin)), y0 + 1, frame.Height);
        var region = new PixelBuffer(x1 - x0, y1 - y0, ColorOrder.Bgr);
        for (var y = y0; y < y1; y++)
            frame.Row(y).Slice(3 * x0, 3 * (x1 - x0)).CopyTo(region.Row(y - y0));
        var offset = new Vector2(x0, y0);
        return new Mouth.CalibrationFrame(region, landmarks.Select(p => p - offset).ToArray(), box with { X = box.X - x0, Y = box.Y - y0 });
    }

    private static MouthSample CutMouth(PixelBuffer frame, long index, float opening, Vector2[] landmarks)
    {
        var margin = 0.3f * FaceGeometry.EyeDistance(landmarks);
        var mouth = landmarks.AsSpan(48, 20).ToArray();
        var x0 = Math.Clamp((int)Math.Floor(mouth.Min(p => p.X) - margin), 0, frame.Width - 1);
        var y0 = Math.Clamp((int)Math.Floor(mouth.Min(p => p.Y) - margin), 0, frame.Height - 1);
        var x1 = Math.Clamp((int)Math.Ceiling(mouth.Max(p => p.X) + margin), x0 + 1, frame.Width);
        var y1 = Math.Clamp((int)Math.Ceiling(mouth.Max(p => p.Y) + margin), y0 + 1, frame.Height);
        var crop = new PixelBuffer(x1 - x0, y1 - y0, ColorOrder.Bgr);
        for (var y = y0; y < y1; y++)
            frame.Row(y).Slice(3 * x0, 3 * (x1 - x0)).CopyTo(crop.Row(y - y0));
        var offset = new Vector2(x0, y0);
        return new MouthSample(index, opening, crop, landmarks.Select(p => p - offset).ToArray());
    }
}
