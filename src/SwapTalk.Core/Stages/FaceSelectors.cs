using SwapTalk.Core.Imaging;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Vision.Detection;
using SwapTalk.Core.Vision.Tracking;

namespace SwapTalk.Core.Stages;

/// <summary>
/// The job option <see cref="FaceSelection"/>: its names on every command line (<c>dub</c> and <c>inspect</c>
/// both take <c>--face-selection largest|most-central|most-confident</c>) and the tracker's per-frame selector
/// for each (decided from the frame alone).
/// </summary>
public static class FaceSelectors
{
    /// <summary>The command-line names, in <see cref="FaceSelection"/>'s order.</summary>
    public static IReadOnlyList<string> Names { get; } = ["largest", "most-central", "most-confident"];

    /// <summary>The selection a command-line name means.</summary>
    /// <exception cref="ArgumentException">Not one of <see cref="Names"/>.</exception>
    public static FaceSelection Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "largest" => FaceSelection.Largest,
        "most-central" => FaceSelection.MostCentral,
        "most-confident" => FaceSelection.MostConfident,
        _ => throw new ArgumentException($"face selection '{text}' is not one of {string.Join(", ", Names)}", nameof(text)),
    };

    /// <summary>The command-line name of a selection.</summary>
    public static string NameOf(FaceSelection selection) => Enum.IsDefined(selection)
        ? Names[(int)selection]
        : throw new ArgumentOutOfRangeException(nameof(selection), $"{(int)selection} is not a face selection");

    public static IFaceSelector For(FaceSelection selection) => selection switch
    {
        FaceSelection.Largest => FaceSelector.Largest,
        FaceSelection.MostCentral => MostCentral,
        FaceSelection.MostConfident => MostConfident,
        _ => throw new BadInputException("options.faceSelection", $"{(int)selection} is not a face selection; use largest, most-central or most-confident"),
    };

    /// <summary>The face whose box centre is nearest the frame's centre (ties: the larger, then the left one).</summary>
    public static IFaceSelector MostCentral { get; } = new Central();

    /// <summary>The face the detector scores highest (ties: the larger).</summary>
    public static IFaceSelector MostConfident { get; } = new Confident();

    /// <summary>Index of the face a selection picks among <paramref name="faces"/> of <paramref name="frame"/>, or -1 when there are none.</summary>
    public static int Choose(FaceSelection selection, PixelBuffer frame, IReadOnlyList<FaceDetection> faces) =>
        faces.Count == 0 ? -1 : For(selection).Choose(frame, 0, faces);

    private sealed class Central : IFaceSelector
    {
        public int Choose(PixelBuffer frame, long frameIndex, IReadOnlyList<FaceDetection> faces)
        {
            float cx = (frame.Width - 1) / 2f, cy = (frame.Height - 1) / 2f;
            var best = -1;
            var bestDistance = float.PositiveInfinity;
            for (var i = 0; i < faces.Count; i++)
            {
                var b = faces[i].Box;
                var d = (b.CenterX - cx) * (b.CenterX - cx) + (b.CenterY - cy) * (b.CenterY - cy);
                if (best < 0 || d < bestDistance || d == bestDistance && (b.Area > faces[best].Box.Area || b.Area == faces[best].Box.Area && b.CenterX < faces[best].Box.CenterX))
                {
                    best = i;
                    bestDistance = d;
                }
            }
            return best;
        }

        public override string ToString() => "most central face";
    }

    private sealed class Confident : IFaceSelector
    {
        public int Choose(PixelBuffer frame, long frameIndex, IReadOnlyList<FaceDetection> faces)
        {
            var best = -1;
            for (var i = 0; i < faces.Count; i++)
                if (best < 0 || faces[i].Score > faces[best].Score || faces[i].Score == faces[best].Score && faces[i].Box.Area > faces[best].Box.Area)
                    best = i;
            return best;
        }

        public override string ToString() => "most confident face";
    }
}
