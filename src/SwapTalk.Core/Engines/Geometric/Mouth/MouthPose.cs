using System.Numerics;
using SwapTalk.Core.Media;
using SwapTalk.Core.Models;
using SwapTalk.Core.Stages;

namespace SwapTalk.Core.Engines.Geometric.Mouth;

/// <summary>
/// The mouth an output frame shows: <paramref name="Opening"/>, the inner-lip gap as a share of the eye distance, and
/// <paramref name="Spread"/>, the mouth's width change as a share of its own width (positive: spread lips of "ee";
/// negative: rounded lips of "oo"). <paramref name="OwnInterior"/>: the frame's own teeth and tongue show between the
/// lips (self-driven), not the mouth bank's. <paramref name="Teeth"/>: how much teeth the sound shows, 0 (a dark,
/// rounded or tongue-filled mouth) to 1 (the teeth of "ee", "s", "f"), which picks among the bank's interiors of about
/// the wanted opening (<see cref="MouthInteriors"/>).
/// </summary>
/// <paramref name="RestWidth"/>: where set (cross-driven, calibrated), the target's mean mouth width (corners over the eye
/// distance); the spread then applies to it instead of the frame's own width, which moves with the target's own speech.
public readonly record struct MouthPose(float Opening, float Spread, bool OwnInterior = false, float Teeth = 0.5f, float? RestWidth = null);

/// <summary>One viseme's mouth: how far it lets the mouth open (share of what the loudness asks), its width change and how much teeth it shows.</summary>
public readonly record struct VisemeShape(float Open, float Spread, float Teeth = 0.5f);

/// <summary>
/// How a speech sound looks on this target: each viseme's shape and the target's range of motion. The generic map
/// holds for any face (closure for PP, lower lip to the teeth for FF, rounding for O/U/RR/CH, spread for E/I/SS);
/// <see cref="MouthStyle.Scale"/> is the target's largest opening over the generic one, so a small mouth moves less.
/// </summary>
public sealed record MouthStyle(IReadOnlyList<VisemeShape> Shapes, float Scale, string Source)
{
    /// <summary>
    /// Cross-driven, where PrepareSource measured the target: its range of openings (the drive's standardised score is put on it)
    /// and the swapped mouth's read-back (inverted, so the landmarker reads the wanted opening); null: the loudness
    /// opening times <see cref="Scale"/>.
    /// </summary>
    public MouthCalibration? Calibration { get; init; }

    /// <summary>Self-driven: the own opening's gain (the portrait's lips over the target's mouth read smaller than the original's).</summary>
    public float OwnGain { get; init; } = RenderGain;

    /// <summary>
    /// The generic viseme map (Oculus viseme order): how much of the loudness opening each sound lets through, around 1
    /// for vowels, low for lips pressed together (PP), the lower lip at the teeth (FF) and sibilants; the width
    /// change (rounded O/U/RR/CH narrower, spread E/I/SS wider); and how much teeth show (most for the sibilants, the
    /// lower lip under the upper teeth of FF and the spread vowels, least for rounded vowels and closed lips).
    /// </summary>
    public static readonly IReadOnlyList<VisemeShape> GenericShapes =
    [
        new(1.15f, 0.00f, 0.40f),  // aa
        new(1.00f, 0.05f, 0.80f),  // E
        new(0.85f, 0.08f, 0.90f),  // I
        new(1.05f, -0.12f, 0.15f),  // O
        new(0.75f, -0.16f, 0.10f),  // U
        new(0.30f, -0.02f, 0.00f),  // PP: lips pressed together
        new(0.60f, 0.06f, 1.00f),  // SS
        new(0.75f, 0.03f, 0.90f),  // TH
        new(0.85f, 0.02f, 0.80f),  // DD
        new(0.40f, 0.00f, 1.00f),  // FF: lower lip to the upper teeth
        new(0.95f, 0.02f, 0.60f),  // kk
        new(0.75f, 0.02f, 0.70f),  // nn
        new(0.85f, -0.08f, 0.30f),  // RR
        new(0.70f, -0.10f, 0.80f),  // CH
        new(0.00f, 0.00f, 0.30f),  // sil
    ];

    /// <summary>Width lost at the fullest opening (share of the mouth's width): the dropping jaw draws the corners in.</summary>
    public const float Narrowing = 0.10f;

    /// <summary>
    /// The renderer's opening over what the landmarker reads back from the swapped face: the portrait's lips over the
    /// target's mouth read about 1/1.45 as open as the landmarks asked (measured self-driven, docs/geometric.md).
    /// </summary>
    public const float RenderGain = 1.45f;

    public static MouthStyle Generic { get; } = new(GenericShapes, 1f, "generic");
}

/// <summary>
/// Mouth poses from the geometric engine's audio rows (<see cref="MouthDriveStage"/>): the loudness opening around the
/// frame's start (frame-exact, as <c>MouthDriveStage.Opening</c>, <see cref="LoudnessRows"/>), shaped by the
/// viseme probabilities of the sound 20 ms later (the lips reach a sound's shape before it is heard), blended over
/// +-2 rows with weights 1-2-3-2-1 so neighbouring sounds run into each other (coarticulation).
/// </summary>
public static class MouthPoses
{
    /// <summary>
    /// Where the loudness opening is centred (20 ms rows from the row holding the frame's midpoint): one row earlier,
    /// about the frame's start. A video frame shows the moment it was captured, at the start of its span, not its middle;
    /// measured on the three GRID clips' own audio and mouths (`scripts/lips-regression.py`'s inputs), the opening's
    /// velocity r with the real mouth is 0.51 there against 0.39 at the midpoint.
    /// </summary>
    public const int LoudnessRows = -1;

    /// <summary>Where the lips' shape is centred: one row (20 ms) ahead of the loudness, the lips reach a sound's shape before it is heard.</summary>
    public const int LeadRows = 0;

    public static MouthPose Of(SegmentAudio audio, AudioWindow window, Rational frameRate, int outputFrame, MouthStyle style)
    {
        var own = window.OwnFeature(frameRate.FrameSeconds(outputFrame), frameRate.Inverse().Value);
        if (style.Calibration is { } calibration && MouthDriveStage.HasScore(audio.Dim))
            return Calibrated(audio, own, outputFrame, style, calibration);
        var loud = MouthDriveStage.Opening(audio, window, frameRate, outputFrame, LoudnessRows) * style.Scale;
        if (!MouthDriveStage.HasVisemes(audio.Dim)) return new MouthPose(loud, 0);
        var (open, spread, teeth) = Shape(audio, own, outputFrame, style);
        var full = loud / (MouthShaper.MaxOpening * style.Scale);
        return new MouthPose(loud * open, spread - MouthStyle.Narrowing * full, Teeth: teeth);
    }

    /// <summary>
    /// The drive's score (<see cref="MouthDriveStage.DriveScores"/>: the 1000-2500 Hz band's loudness with the sound's closures,
    /// standardised over the track) at the frame's start, put on the target's own range of openings, then asked of the
    /// renderer through the inverse of the swapped mouth's read-back; the width change from the width drive's score
    /// (<see cref="MouthDriveStage.WidthScores"/>; rows without it: the viseme map minus the jaw's narrowing), scaled by
    /// what reads back, on the target's rest width.
    /// </summary>
    private static MouthPose Calibrated(SegmentAudio audio, long own, int outputFrame, MouthStyle style, MouthCalibration calibration)
    {
        var index = own + LoudnessRows;
        var score = MouthDriveStage.Flat;
        var widthScore = 0f;
        if (audio.TrackFeatures > 0)
        {
            // A frame a row past either end of the track holds the end's score: a score is relative to the track, so
            // "silence" there is the track's own quiet, not a closed mouth the target never shows (a jump on the
            // first and last frame). Frames far past the end (the end's row not read): closed.
            var inside = index >= 0 && index < audio.TrackFeatures;
            index = Math.Clamp(index, 0, audio.TrackFeatures - 1);
            var local = index - audio.First;
            if (local >= 0 && local < audio.Count)
            {
                score = audio.Rows[(int)(local * audio.Dim) + audio.Dim - 1];
                if (MouthDriveStage.HasWidthScore(audio.Dim)) widthScore = audio.Rows[(int)(local * audio.Dim) + audio.Dim - 2];
            }
            else if (inside)
                throw new InvalidOperationException($"output frame {outputFrame} needs audio feature {index}, outside the rows read [{audio.First}, {audio.First + audio.Count})");
        }
        var range = calibration.Range;
        var wanted = range.At(score);
        var asked = calibration.ReadBack is { } readBack ? readBack.Ask(wanted) : wanted * MouthStyle.RenderGain;
        var gain = calibration.ReadBack?.SpreadGain ?? 1;
        var rest = range.RestWidth > 0 ? range.RestWidth : (float?)null;
        var (spread, teeth) = (0f, 0.5f);
        if (MouthDriveStage.HasVisemes(audio.Dim))
        {
            (_, spread, teeth) = Shape(audio, own, outputFrame, style);
            var span = range.Highest - range.Lowest;
            var full = span > 1e-4f ? Math.Clamp((wanted - range.Lowest) / span, 0, 1) : 0;
            spread -= MouthStyle.Narrowing * full;
        }
        if (MouthDriveStage.HasWidthScore(audio.Dim))
            spread = SpreadPerScore * widthScore;
        return new MouthPose(asked, gain * spread, Teeth: teeth, RestWidth: rest);
    }

    /// <summary>
    /// The width change (share of the mouth's width) per standard deviation of the width drive
    /// (<see cref="MouthDriveStage.WidthScores"/>), before <see cref="MouthReadBack.SpreadGain"/> makes up for the 40% or
    /// less of an asked change that reads back. The viseme rule it replaces moved 0.03-0.05 per deviation; measured over
    /// the six GRID pairs with the astronaut (docs/geometric.md, fifth round), 0.04 / 0.06 / 0.08 gave width r 0.31 /
    /// 0.33 / 0.36 and velocity r 0.51 / 0.54 / 0.52; with chris 0.06 kept opening r and lost some velocity r against
    /// 0.04 but gained width r, so 0.06.
    /// </summary>
    public const float SpreadPerScore = 0.06f;

    /// <summary>The viseme map's opening factor, width change and teeth, blended 1-2-3-2-1 about the frame's row.</summary>
    private static (float Open, float Spread, float Teeth) Shape(SegmentAudio audio, long own, int outputFrame, MouthStyle style)
    {
        ReadOnlySpan<float> weights = [1, 2, 3, 2, 1];
        float open = 0, spread = 0, teeth = 0, total = 0;
        for (var k = -2; k <= 2; k++)
        {
            var index = own + LeadRows + k;
            var w = weights[k + 2];
            total += w;
            if (index < 0 || index >= audio.TrackFeatures) continue; // beyond the track: silence (closed, neutral)
            var local = index - audio.First;
            if (local < 0 || local >= audio.Count)
                throw new InvalidOperationException($"output frame {outputFrame} needs audio feature {index}, outside the rows read [{audio.First}, {audio.First + audio.Count})");
            var row = audio.Rows.AsSpan((int)(local * audio.Dim) + 1, VisemeModel.Visemes);
            for (var v = 0; v < VisemeModel.Visemes; v++)
            {
                open += w * row[v] * style.Shapes[v].Open;
                spread += w * row[v] * style.Shapes[v].Spread;
                teeth += w * row[v] * style.Shapes[v].Teeth;
            }
        }
        return (open / total, spread / total, teeth / total);
    }

    /// <summary>
    /// Self-driven: the frame's own mouth as the landmarker saw it in this frame (<paramref name="raw"/>, before the
    /// track's smoothing, which rounds off short closures and quick openings), re-applied to the smoothed face.
    /// </summary>
    public static MouthPose Own(ReadOnlySpan<Vector2> raw, ReadOnlySpan<Vector2> smoothed, MouthStyle style)
    {
        var opening = FaceGeometry.RelativeMouthOpening(raw) * style.OwnGain;
        var spread = Vector2.Distance(raw[48], raw[54]) / Math.Max(1e-3f, FaceGeometry.EyeDistance(raw))
            / Math.Max(1e-3f, Vector2.Distance(smoothed[48], smoothed[54]) / Math.Max(1e-3f, FaceGeometry.EyeDistance(smoothed))) - 1;
        return new MouthPose(opening, spread, OwnInterior: true);
    }
}

/// <summary>The mouth style a job's target gets, from what PrepareSource measured on it.</summary>
public static class MouthStyles
{
    /// <summary>
    /// Cross-driven openings over the loudness drive's: the viseme map lets less than the whole loudness opening through
    /// (about 0.8 of it over speech), and the swapped face reads back smaller than asked (<see cref="MouthStyle.RenderGain"/>);
    /// 1.2 brings the opening's spread to the real speaker's (amplitude about 1, measured with scripts/eval-lips.sh).
    /// </summary>
    public const float CrossGain = 1.2f;

    public static MouthStyle For(GeometricSource source)
    {
        if (source.Calibration is { } calibration) return MouthStyle.Generic with { Calibration = calibration };
        if (source.Mouths.Count == 0) return MouthStyle.Generic with { Scale = CrossGain };
        // The target's widest opening seen against a typical speaker's (0.17 of the eye distance): a small mouth moves
        // somewhat less, a wide one more (mildly: the driving speaker's own range matters as much).
        var widest = source.Mouths.Max(m => m.Opening);
        return MouthStyle.Generic with { Scale = CrossGain * Math.Clamp(MathF.Sqrt(widest / 0.17f), 0.85f, 1.15f) };
    }
}
