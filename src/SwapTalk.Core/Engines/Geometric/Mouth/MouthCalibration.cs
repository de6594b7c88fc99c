using System.Numerics;
using SwapTalk.Core.Imaging;
using SwapTalk.Core.Vision.Landmarks;

namespace SwapTalk.Core.Engines.Geometric.Mouth;

/// <summary>
/// The target's own range of mouth openings (share of the eye distance, as the landmarker reads them on the target's
/// frames, unsmoothed): their mean, standard deviation and extremes. A cross-driven opening is the drive's standardised
/// score (<see cref="MouthDriveStage.DriveScores"/>) put on this range, so the dub moves as far as the target moves when
/// it speaks, whoever spoke the driving speech and however loud (the issue's "amplitude scaled to the target's own range
/// of motion"; an unrelated real speaker's amplitude against the truth is 0.88-1.14 on the GRID clips).
/// </summary>
/// <see cref="RestWidth"/>: the target's mean mouth width (corners over the eye distance, the smoothed landmarks the
/// renderer draws on; 0 where not measured): a cross-driven mouth's width changes are put on it, not on each frame's own
/// width, which follows the target's own speech (unrelated to the driving speech: noise to a viewer and to a landmarker).
public sealed record MouthRange(float Mean, float Deviation, float Lowest, float Highest, float RestWidth = 0)
{
    /// <summary>The opening for a drive <paramref name="score"/> (standard deviations from the drive's mean), not below closed.</summary>
    public float At(float score) => Math.Max(0, Mean + score * Deviation);

    /// <summary>The range of <paramref name="openings"/> (at least one value).</summary>
    public static MouthRange Of(IReadOnlyCollection<float> openings)
    {
        if (openings.Count == 0) throw new ArgumentException("no openings to take a range from", nameof(openings));
        var mean = openings.Average();
        var deviation = Math.Sqrt(openings.Sum(o => (o - mean) * (o - mean)) / openings.Count);
        return new MouthRange(mean, (float)deviation, openings.Min(), openings.Max());
    }
}

/// <summary>
/// How the swapped mouth reads back: the renderer asked for <see cref="Asked"/> openings and the landmarker read
/// <see cref="Read"/> on the result (non-decreasing, pool-adjacent-violators fit). The swapped face's read-back is not
/// linear: small openings read as the closed mouth (the portrait's lips over the target's gap), larger ones read more
/// than asked, and both differ per portrait and target (docs/geometric.md). <see cref="Ask"/> inverts it.
/// <see cref="SpreadGain"/>: the asked width change over what reads back (1 where the landmarker follows it fully).
/// </summary>
public sealed record MouthReadBack(float[] Asked, float[] Read, float SpreadGain)
{
    /// <summary>The opening to ask the renderer for so that the landmarker reads <paramref name="wanted"/>.</summary>
    public float Ask(float wanted)
    {
        if (wanted <= Read[0]) return Asked[0];
        for (var i = 0; i + 1 < Read.Length; i++)
        {
            if (wanted > Read[i + 1] || Read[i + 1] <= Read[i]) continue;
            return Asked[i] + (Asked[i + 1] - Asked[i]) * (wanted - Read[i]) / (Read[i + 1] - Read[i]);
        }
        return Asked[^1]; // wider than the widest asked opening reads: as wide as the shaper goes
    }

    /// <summary>Least-squares non-decreasing fit of <paramref name="values"/> (pool adjacent violators, equal weights).</summary>
    public static float[] Monotone(IReadOnlyList<float> values)
    {
        var means = new List<double>();
        var sizes = new List<int>();
        foreach (var v in values)
        {
            means.Add(v);
            sizes.Add(1);
            while (means.Count > 1 && means[^2] > means[^1])
            {
                var n = sizes[^2] + sizes[^1];
                var m = (means[^2] * sizes[^2] + means[^1] * sizes[^1]) / n;
                means.RemoveAt(means.Count - 1);
                sizes.RemoveAt(sizes.Count - 1);
                means[^1] = m;
                sizes[^1] = n;
            }
        }
        var result = new float[values.Count];
        var at = 0;
        for (var b = 0; b < means.Count; b++)
            for (var k = 0; k < sizes[b]; k++) result[at++] = (float)means[b];
        return result;
    }
}

/// <summary>A target frame to calibrate on: a region around its face (BGR), its smoothed landmarks and its detection box, both in the region's coordinates.</summary>
public sealed record CalibrationFrame(PixelBuffer Region, Vector2[] Landmarks, RectF Box);

/// <summary>What PrepareSource measured about the target's mouth for cross-driven dubs: its range of openings and the swapped mouth's read-back.</summary>
public sealed record MouthCalibration(MouthRange Range, MouthReadBack? ReadBack)
{
    /// <summary>Openings (share of the eye distance) asked of the renderer: closed to the shaper's limit, denser where the read-back bends.</summary>
    public static readonly float[] AskedOpenings = [0f, 0.05f, 0.10f, 0.14f, 0.18f, 0.24f, 0.32f, MouthShaper.Limit];

    /// <summary>The width changes asked (at <see cref="SpreadOpening"/>) to measure how much of a spread reads back.</summary>
    public const float SpreadProbe = 0.15f, SpreadOpening = 0.14f;

    /// <summary>
    /// Renders the swapped face on each of <paramref name="frames"/> at <see cref="AskedOpenings"/> (and two width
    /// changes), reads each result back with <paramref name="landmarker"/> (the tracker's and the evaluation's model)
    /// and fits the curve. Null without frames.
    /// </summary>
    public static MouthReadBack? Measure(GeometricSource source, IReadOnlyList<CalibrationFrame> frames, FaceLandmarker68 landmarker)
    {
        if (frames.Count == 0) return null;
        var renderer = new GeometricFaceRenderer(source);
        (float Opening, float Width) ReadAt(CalibrationFrame f, MouthPose pose)
        {
            using var copy = f.Region.Clone();
            renderer.Render(copy, f.Landmarks, pose);
            var points = landmarker.Detect(copy, f.Box);
            var eyes = Math.Max(1e-3f, FaceGeometry.EyeDistance(points));
            return (FaceGeometry.RelativeMouthOpening(points), Vector2.Distance(points[48], points[54]) / eyes);
        }
        var read = new float[AskedOpenings.Length];
        float narrow = 0, neutral = 0, wide = 0;
        foreach (var f in frames)
        {
            for (var i = 0; i < AskedOpenings.Length; i++)
            {
                var (opening, width) = ReadAt(f, new MouthPose(AskedOpenings[i], 0));
                read[i] += opening / frames.Count;
                if (AskedOpenings[i] == SpreadOpening) neutral += width;
            }
            narrow += ReadAt(f, new MouthPose(SpreadOpening, -SpreadProbe)).Width;
            wide += ReadAt(f, new MouthPose(SpreadOpening, SpreadProbe)).Width;
        }
        // The share of an asked width change that reads back; a weak read-back is amplified at most 2.5 times.
        var follows = neutral > 0 ? (wide - narrow) / (2 * SpreadProbe * neutral) : 1;
        var gain = Math.Clamp(1 / Math.Max(follows, 0.4f), 1f, 2.5f);
        return new MouthReadBack([.. AskedOpenings], MouthReadBack.Monotone(read), gain);
    }
}
