using SwapTalk.Core.Imaging;
using SwapTalk.Core.Vision.Alignment;

namespace SwapTalk.Core.Vision.Compositing;

/// <summary>Which part of the aligned face a mask lets through.</summary>
public enum FaceRegion
{
    /// <summary>Forehead to chin, cheek to cheek: for the face swap.</summary>
    WholeFace,
    /// <summary>The whole-face shape below a line under the nose: for lip sync alone.</summary>
    LowerFace,
}

/// <summary>
/// The blend mask's hard shape, in fractions of the crop (so one set of numbers serves any crop
/// size), and its erosion and feathering in crop pixels. Defaults fit the FFHQ layout (eyes at 47% of
/// the crop's height, mouth at 75%, chin near 90%) and erode by 3 sigma, so the feathered weight fades
/// to zero inside the hard shape: nothing outside the shape (e.g. above the lower-face line) changes,
/// and the 50% contour lies about <see cref="ErodePixels"/> inside it.
/// </summary>
public sealed record FaceMaskOptions
{
    public FaceRegion Region { get; init; } = FaceRegion.WholeFace;
    public double CentreX { get; init; } = 0.5;
    public double CentreY { get; init; } = 0.585;
    public double RadiusX { get; init; } = 0.30;
    public double RadiusY { get; init; } = 0.37;
    /// <summary>Top of the lower-face region (fraction of the crop's height): at the nose, above the lips, inside the latent grid's lower half (from 50%).</summary>
    public double LowerFaceTop { get; init; } = 0.53;
    /// <summary>Pixels eroded off the hard shape before feathering; at 3 x <see cref="FeatherSigma"/> or more the feather ends inside the shape.</summary>
    public int ErodePixels { get; init; } = 18;
    /// <summary>Gaussian sigma of the feather, in crop pixels (the blur reaches 3 sigma); 0 keeps a hard edge.</summary>
    public double FeatherSigma { get; init; } = 6;

    public static FaceMaskOptions WholeFace { get; } = new();
    public static FaceMaskOptions LowerFace { get; } = new() { Region = FaceRegion.LowerFace };
}

/// <summary>
/// A soft blend mask in aligned-crop coordinates: 255 takes the generated face, 0 keeps the frame.
/// A fixed FFHQ-layout ellipse rather than a hull of each frame's landmarks: the models draw the face
/// in aligned coordinates, the shape does not flicker with landmark noise, and one mask serves a whole
/// job. Built once, read by every frame's paste-back; immutable after <see cref="Build"/>.
/// </summary>
public sealed class FaceMask : IDisposable
{
    private FaceMask(MaskBuffer weights, RectI support, FaceMaskOptions options)
    {
        Weights = weights;
        Support = support;
        Options = options;
    }

    public MaskBuffer Weights { get; }
    /// <summary>The box holding every non-zero weight.</summary>
    public RectI Support { get; }
    public FaceMaskOptions Options { get; }
    public int CropSize => Weights.Width;

    public static FaceMask Build(FaceMaskOptions options, int cropSize = FfhqAlignment.CropSize)
    {
        Check(options, cropSize);
        var weights = new MaskBuffer(cropSize, cropSize);
        double cx = options.CentreX * cropSize - 0.5, cy = options.CentreY * cropSize - 0.5;
        double rx = options.RadiusX * cropSize, ry = options.RadiusY * cropSize;
        var top = options.Region == FaceRegion.LowerFace ? options.LowerFaceTop * cropSize - 0.5 : double.NegativeInfinity;
        for (var y = 0; y < cropSize; y++)
        {
            if (y < top) continue;
            var row = weights.Row(y);
            var dy = (y - cy) / ry;
            if (dy * dy >= 1) continue;
            var half = rx * Math.Sqrt(1 - dy * dy);
            var x0 = Math.Max(0, (int)Math.Ceiling(cx - half));
            var x1 = Math.Min(cropSize - 1, (int)Math.Floor(cx + half));
            if (x1 >= x0) row[x0..(x1 + 1)].Fill(255);
        }
        if (options.ErodePixels > 0) Morphology.Erode(weights, weights, options.ErodePixels);
        if (options.FeatherSigma > 0) GaussianBlur.Run(weights, weights, options.FeatherSigma);

        // A weight on the crop's outermost pixels would paste the crop's edge as a visible seam.
        var support = weights.NonZeroBounds();
        if (support.IsEmpty)
            throw new ArgumentException($"face mask is empty: radii {options.RadiusX}x{options.RadiusY} eroded by {options.ErodePixels} px leave nothing", nameof(options));
        if (support.X == 0 || support.Y == 0 || support.Right == cropSize || support.Bottom == cropSize)
            throw new ArgumentException(
                $"face mask reaches the crop's edge ({support} in {cropSize}x{cropSize}): shrink RadiusX/RadiusY, erode more or feather less", nameof(options));
        return new FaceMask(weights, support, options);
    }

    private static void Check(FaceMaskOptions o, int cropSize)
    {
        if (cropSize < 8) throw new ArgumentOutOfRangeException(nameof(cropSize), $"crop size must be at least 8 pixels, got {cropSize}");
        void Fraction(double v, string name, double min, double max)
        {
            if (!(v >= min && v <= max)) throw new ArgumentOutOfRangeException(name, $"face mask {name} must be {min}..{max} of the crop, got {v}");
        }
        Fraction(o.CentreX, nameof(o.CentreX), 0, 1);
        Fraction(o.CentreY, nameof(o.CentreY), 0, 1);
        Fraction(o.RadiusX, nameof(o.RadiusX), 0.01, 1);
        Fraction(o.RadiusY, nameof(o.RadiusY), 0.01, 1);
        Fraction(o.LowerFaceTop, nameof(o.LowerFaceTop), 0, 1);
        if (o.ErodePixels < 0 || o.ErodePixels > cropSize / 4)
            throw new ArgumentOutOfRangeException(nameof(o.ErodePixels), $"face mask ErodePixels must be 0..{cropSize / 4}, got {o.ErodePixels}");
        if (!(o.FeatherSigma >= 0 && o.FeatherSigma <= cropSize / 8.0))
            throw new ArgumentOutOfRangeException(nameof(o.FeatherSigma), $"face mask FeatherSigma must be 0..{cropSize / 8.0} pixels, got {o.FeatherSigma}");
    }

    public void Dispose() => Weights.Dispose();
}
