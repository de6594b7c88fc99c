using OpenCvSharp;
using SwapTalk.Core.Imaging;

namespace SwapTalk.Core.Vision.Detection;

/// <summary>
/// Portraits that are upside down or turned by 90 degrees (a phone photo without EXIF, a scan fed in sideways): the
/// detector is tried on the four quarter turns and the turn whose best face scores clearly highest is taken as upright.
/// Decoding already applies EXIF orientation; this catches the pixels themselves being turned. The turns are exact
/// pixel permutations, so an upright copy is bit for bit the portrait a user would have given the right way up.
/// </summary>
public static class PortraitOrientation
{
    /// <summary>How much a turned portrait's best face must outscore the portrait as given to count as upright.</summary>
    public const float Margin = 0.05f;

    /// <summary>
    /// The portrait upright and the quarter turns (clockwise) applied to make it so: 0 returns <paramref name="portrait"/>
    /// itself; otherwise a new buffer (the caller disposes both).
    /// </summary>
    public static (PixelBuffer Image, int QuarterTurns) Upright(PixelBuffer portrait, Func<PixelBuffer, IReadOnlyList<FaceDetection>> detect)
    {
        var bestScore = BestScore(detect(portrait));
        if (bestScore >= 0.9f) return (portrait, 0); // a confident upright face: no need to look further
        PixelBuffer? best = null;
        var bestTurns = 0;
        for (var turns = 1; turns <= 3; turns++)
        {
            var turned = Turn(portrait, turns);
            var score = BestScore(detect(turned));
            if (score > bestScore + Margin)
            {
                best?.Dispose();
                (best, bestScore, bestTurns) = (turned, score, turns);
            }
            else turned.Dispose();
        }
        return best is null ? (portrait, 0) : (best, bestTurns);
    }

    /// <summary>The image turned by <paramref name="quarterTurns"/> x 90 degrees clockwise (exact: pixels are only moved).</summary>
    public static PixelBuffer Turn(PixelBuffer image, int quarterTurns)
    {
        quarterTurns = ((quarterTurns % 4) + 4) % 4;
        var (w, h) = quarterTurns % 2 == 0 ? (image.Width, image.Height) : (image.Height, image.Width);
        var result = new PixelBuffer(w, h, image.Order);
        if (quarterTurns == 0)
        {
            image.Pixels.CopyTo(result.Pixels);
            return result;
        }
        using var source = image.AsMat();
        using var target = result.AsMat();
        Cv2.Rotate(source, target, quarterTurns switch
        {
            1 => RotateFlags.Rotate90Clockwise,
            2 => RotateFlags.Rotate180,
            _ => RotateFlags.Rotate90Counterclockwise,
        });
        return result;
    }

    /// <summary>"turned 180 degrees upright" and the like, for reports.</summary>
    public static string Describe(int quarterTurns) => $"the portrait was turned {quarterTurns * 90} degrees clockwise to stand upright (its face was found that way round)";

    private static float BestScore(IReadOnlyList<FaceDetection> faces) => faces.Count == 0 ? 0 : faces.Max(f => f.Score);
}
