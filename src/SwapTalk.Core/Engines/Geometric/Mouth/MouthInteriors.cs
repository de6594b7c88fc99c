using OpenCvSharp;

namespace SwapTalk.Core.Engines.Geometric.Mouth;

/// <summary>
/// Which of the target's mouth interiors (the bank, <see cref="MouthSample"/>) shows between the re-timed lips: the
/// ones nearest the wanted opening (at least <see cref="LeastShown"/>), and among those within <see cref="Tolerance"/> of it the one whose teeth show as
/// much as the sound wants (<see cref="MouthPose.Teeth"/>: the teeth of "ee", "s", "f", the dark, tongue-filled mouth
/// of "oo" and "ah"). How much teeth a sample shows is the brightness of its inner mouth, ranked within the bank
/// (teeth are the brightest thing between the lips; tongue and cavity are dark), so it needs no threshold per video.
/// </summary>
public sealed class MouthInteriors
{
    /// <summary>Openings (share of the eye distance) this close to the nearest sample's count as the same opening.</summary>
    public const float Tolerance = 0.03f;

    /// <summary>
    /// The least opening whose interior is shown (share of the eye distance). A nearly closed sample's inner lips hold
    /// lip-coloured pixels, so a small re-timed gap filled from it looked, to a landmarker and to a viewer, closed:
    /// asked openings under about 0.15 read back as the closed mouth's 0.05 (astronaut on bbaf2n driven by pwij3p).
    /// A more open sample's dark mouth and teeth, squeezed into the small gap, show it as the thin dark line it is.
    /// </summary>
    public const float LeastShown = 0.08f;

    private readonly IReadOnlyList<MouthSample> _bank;
    private readonly float[] _teeth;

    public MouthInteriors(IReadOnlyList<MouthSample> bank)
    {
        _bank = bank;
        var brightness = bank.Select(InnerBrightness).ToArray();
        var lo = brightness.Length == 0 ? 0 : brightness.Min();
        var hi = brightness.Length == 0 ? 0 : brightness.Max();
        _teeth = [.. brightness.Select(b => hi - lo > 1e-3f ? (b - lo) / (hi - lo) : 0.5f)];
    }

    /// <summary>Per bank sample, how much teeth it shows: 0 the darkest inner mouth in the bank, 1 the brightest.</summary>
    public IReadOnlyList<float> Teeth => _teeth;

    /// <summary>The sample for <paramref name="pose"/> (null for an empty bank); ties go to the earlier sample.</summary>
    public MouthSample? Choose(MouthPose pose)
    {
        if (_bank.Count == 0) return null;
        var open = _bank.Any(m => m.Opening >= LeastShown);
        bool Shown(MouthSample m) => !open || m.Opening >= LeastShown;
        var wanted = Math.Max(pose.Opening, LeastShown);
        var nearest = _bank.Where(Shown).Min(m => Math.Abs(m.Opening - wanted));
        var best = -1;
        for (var i = 0; i < _bank.Count; i++)
        {
            if (!Shown(_bank[i]) || Math.Abs(_bank[i].Opening - wanted) > nearest + Tolerance) continue;
            if (best < 0 || Math.Abs(_teeth[i] - pose.Teeth) < Math.Abs(_teeth[best] - pose.Teeth)) best = i;
        }
        return _bank[best];
    }

    /// <summary>Mean lightness (Lab L*) inside the sample's inner lips; 0 for a closed mouth.</summary>
    private static float InnerBrightness(MouthSample sample)
    {
        var crop = sample.Crop;
        using var image = PinnedFrame.Wrap(crop, out var pin);
        using var pinned = pin;
        using var mask = new Mat(crop.Height, crop.Width, MatType.CV_8UC1, Scalar.All(0));
        var lips = new Point[8];
        for (var i = 0; i < 8; i++)
        {
            var p = sample.Landmarks[60 + i];
            lips[i] = new Point((int)Math.Round(p.X), (int)Math.Round(p.Y));
        }
        Cv2.FillPoly(mask, [lips], Scalar.All(255), LineTypes.Link8);
        if (Cv2.CountNonZero(mask) == 0) return 0;
        using var lab = new Mat();
        Cv2.CvtColor(image, lab, ColorConversionCodes.BGR2Lab);
        return (float)Cv2.Mean(lab, mask).Val0;
    }
}
