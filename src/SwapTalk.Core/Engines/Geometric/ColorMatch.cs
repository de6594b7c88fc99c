using OpenCvSharp;

namespace SwapTalk.Core.Engines.Geometric;

/// <summary>
/// Moves the warped portrait's colour statistics to the frame's: per channel mean and standard deviation in Lab
/// (Reinhard's transfer), both measured over the same skin mask, so the face takes the frame's lighting and white
/// balance while keeping its own features. Computed per frame from that frame alone (no state: segments agree).
/// </summary>
public static class ColorMatch
{
    /// <summary>
    /// Recolours <paramref name="face"/> (BGR, in place) toward <paramref name="frame"/>'s statistics inside
    /// <paramref name="mask"/>. A mask smaller than the face is a sampling grid: the statistics are then taken on the
    /// face's and frame's pixels nearest its cells (a 1080p face's skin has plenty of pixels for a mean and a spread).
    /// </summary>
    public static void Apply(Mat face, Mat frame, Mat mask)
    {
        using var faceLab = new Mat();
        using var frameLab = new Mat();
        Cv2.CvtColor(face, faceLab, ColorConversionCodes.BGR2Lab);
        Scalar faceMean, faceStd, frameMean, frameStd;
        if (mask.Size() == face.Size())
        {
            Cv2.CvtColor(frame, frameLab, ColorConversionCodes.BGR2Lab);
            Cv2.MeanStdDev(faceLab, out faceMean, out faceStd, mask);
            Cv2.MeanStdDev(frameLab, out frameMean, out frameStd, mask);
        }
        else
        {
            using var faceSample = new Mat();
            using var frameSample = new Mat();
            Cv2.Resize(faceLab, faceSample, mask.Size(), 0, 0, InterpolationFlags.Nearest);
            Cv2.Resize(frame, frameSample, mask.Size(), 0, 0, InterpolationFlags.Nearest);
            Cv2.CvtColor(frameSample, frameLab, ColorConversionCodes.BGR2Lab);
            Cv2.MeanStdDev(faceSample, out faceMean, out faceStd, mask);
            Cv2.MeanStdDev(frameLab, out frameMean, out frameStd, mask);
        }
        // L is matched fully; a and b gently (the portrait's skin tone is part of who it is).
        var strength = new[] { 1.0, 0.6, 0.6 };
        var gains = new double[3];
        var offsets = new double[3];
        for (var c = 0; c < 3; c++)
        {
            var gain = faceStd[c] > 1e-3 ? Math.Clamp(frameStd[c] / faceStd[c], 0.6, 1.6) : 1.0;
            gain = 1 + (gain - 1) * strength[c];
            var target = faceMean[c] + (frameMean[c] - faceMean[c]) * strength[c];
            gains[c] = gain;
            offsets[c] = target - faceMean[c] * gain;
        }
        var channels = faceLab.Split();
        try
        {
            for (var c = 0; c < 3; c++) channels[c].ConvertTo(channels[c], MatType.CV_8UC1, gains[c], offsets[c]);
            Cv2.Merge(channels, faceLab);
        }
        finally
        {
            foreach (var ch in channels) ch.Dispose();
        }
        Cv2.CvtColor(faceLab, face, ColorConversionCodes.Lab2BGR);
    }
}
