using System.Numerics;
using SwapTalk.Core.Engines.Geometric;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Media;
using SwapTalk.Tests.Pipeline;
using SwapTalk.Tests.Support;

namespace SwapTalk.Tests.Geometric;

/// <summary>
/// Shape transfer takes the portrait's symmetric proportions, not its head turn (docs/geometric.md, "Identity"): a
/// nose slid sideways (what a turned head shows) does not move the target's nose, while wider-set eyes and a longer
/// nose (proportions) are carried.
/// </summary>
public sealed class SymmetricTransferTests
{
    private static async Task<Vector2[]> FrontalFrameAsync()
    {
        var models = await GeometricData.ModelsAsync();
        var info = await PipelineData.Engine.ProbeAsync(SharedData.GridClip("pwij3p"));
        var track = await models.Tracker(FaceSelection.Largest).TrackAsync(PipelineData.Engine, info, new FrameRange(0, 12), TestContext.Current.CancellationToken);
        return track.Items[10].Landmarks!;
    }

    /// <summary>The nose tip's offset from the eyes' midpoint: across (along the eye axis) and down, in eye distances.</summary>
    private static (float Across, float Down) Nose(Vector2[] l)
    {
        var centre = FaceGeometry.EyeCentre(l);
        var axis = Vector2.Normalize(FaceGeometry.RightEye(l) - FaceGeometry.LeftEye(l));
        var down = new Vector2(-axis.Y, axis.X);
        var d = (l[30] - centre) / FaceGeometry.EyeDistance(l);
        return (Vector2.Dot(d, axis), Vector2.Dot(d, down));
    }

    [Fact]
    public async Task A_portrait_s_head_turn_is_not_carried_and_its_proportions_are()
    {
        var frame = await FrontalFrameAsync();
        var eyes = FaceGeometry.EyeDistance(frame);
        var axis = Vector2.Normalize(FaceGeometry.RightEye(frame) - FaceGeometry.LeftEye(frame));
        var down = new Vector2(-axis.Y, axis.X);

        // "Turned": the nose slid sideways by 15% of the eye distance.
        var turned = frame.ToArray();
        for (var i = 27; i <= 35; i++) turned[i] += axis * (0.15f * eyes);
        var before = Nose(frame);
        var after = Nose(new ShapeTransfer(turned).Apply(frame));
        Math.Abs(after.Across - before.Across).Should().BeLessThan(0.01f, "a sideways nose is a head turn, not a proportion");

        // Proportions: the nose 15% of the eye distance longer (its tip and nostrils lower).
        var longer = frame.ToArray();
        for (var i = 30; i <= 35; i++) longer[i] += down * (0.15f * eyes);
        var moved = Nose(new ShapeTransfer(longer).Apply(frame));
        (moved.Down - before.Down).Should().BeGreaterThan(0.12f, "a longer nose is the portrait's proportion and is carried");
        Math.Abs(moved.Across - before.Across).Should().BeLessThan(0.01f);
    }
}
