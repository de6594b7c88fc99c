using System.Numerics;
using SwapTalk.Core.Engines.Geometric;
using SwapTalk.Core.Imaging;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Stages;
using SwapTalk.Tests.Pipeline;

namespace SwapTalk.Tests.Geometric;

/// <summary>68 landmarks of a real frontal face (the astronaut), for geometry tests.</summary>
internal static class FaceSamples
{
    private static readonly Lazy<Vector2[]> Astronaut = new(() =>
    {
        var models = GeometricData.ModelsAsync().GetAwaiter().GetResult();
        using var image = ImageFile.Read(PipelineData.Portrait);
        image.Order = image.Order; // landmarks work on either order for geometry
        using var bgr = image.Order == ColorOrder.Bgr ? image.Clone() : Swap(image);
        var faces = models.Portraits.Detect(bgr);
        return models.Landmarks.Detect(bgr, faces[0].Box);
    });

    public static Vector2[] Frontal() => Astronaut.Value.ToArray();

    private static PixelBuffer Swap(PixelBuffer rgb)
    {
        var bgr = rgb.Clone();
        var p = bgr.Pixels;
        for (var i = 0; i < p.Length; i += 3) (p[i], p[i + 2]) = (p[i + 2], p[i]);
        bgr.Order = ColorOrder.Bgr;
        return bgr;
    }
}

public sealed class PortraitCheckTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_portrait_without_a_face_is_bad_input_naming_it()
    {
        var stage = new GeometricSourceStage(PipelineData.Engine, await GeometricData.ModelsAsync());
        var path = await PipelineData.FacelessPortraitAsync();
        var act = () => stage.PrepareAsync(path, FaceSelection.Largest, null, new StageClock("test"), Ct);
        var error = (await act.Should().ThrowAsync<BadInputException>()).Which.Errors.Should().ContainSingle().Subject;
        error.Input.Should().Be("portrait");
        error.Message.Should().Contain("no face found").And.Contain(path);
    }

    [Fact]
    public async Task Two_faces_choose_by_the_face_selection_and_count_both()
    {
        // The astronaut beside a half-size copy of herself: largest picks the big one.
        using var image = ImageFile.Read(PipelineData.Portrait);
        using var sheet = new PixelBuffer(image.Width * 2, image.Height, image.Order);
        Drawing.Blit(image, sheet, 0, 0);
        using var half = new PixelBuffer(image.Width / 2, image.Height / 2, image.Order);
        Resize.Run(image, half);
        Drawing.Blit(half, sheet, image.Width + image.Width / 4, image.Height / 4);
        var path = Path.Combine(PipelineData.Dir, "two-astronauts.png");
        ImageFile.Write(path, sheet);

        var stage = new GeometricSourceStage(PipelineData.Engine, await GeometricData.ModelsAsync());
        using var source = await stage.PrepareAsync(path, FaceSelection.Largest, null, new StageClock("test"), Ct);
        source.FacesFound.Should().Be(2);
        FaceGeometry.EyeDistance(source.Landmarks).Should().BeGreaterThan(32, "the full-size face (eyes about 42 px apart) was taken, not the half-size one (about 21)");
    }

    [Fact]
    public void A_tiny_face_is_bad_input_saying_so()
    {
        var tiny = FaceSamples.Frontal().Select(p => p * 0.15f).ToArray();
        var act = () => GeometricSourceStage.Check("tiny.png", tiny);
        act.Should().Throw<BadInputException>().Which.Errors.Should().ContainSingle()
            .Which.Message.Should().Contain("'tiny.png'").And.Contain("too small");
    }

    [Fact]
    public void A_profile_view_is_bad_input_saying_so()
    {
        // Squash the face's far half onto the nose: one cheek hidden, as in a profile.
        var face = FaceSamples.Frontal();
        var nose = face[30].X;
        var profile = face.Select(p => p.X > nose ? new Vector2(nose + (p.X - nose) * 0.15f, p.Y) : p).ToArray();
        var act = () => GeometricSourceStage.Check("side.png", profile);
        act.Should().Throw<BadInputException>().Which.Errors.Should().ContainSingle()
            .Which.Message.Should().Contain("'side.png'").And.Contain("profile");
        GeometricSourceStage.Check("front.png", FaceSamples.Frontal()); // the frontal original passes
    }
}
