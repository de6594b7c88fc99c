using SwapTalk.Core.Imaging;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Stages;
using SwapTalk.Core.Vision.Detection;
using SwapTalk.Tests.Support;
using static SwapTalk.Tests.Pipeline.PipelineData;

namespace SwapTalk.Tests.Hostile;

/// <summary>
/// A portrait given upside down or turned by 90 degrees is found, turned upright and said so: the pipeline then sees
/// bit for bit the pixels of the upright portrait, so the dub equals the upright portrait's dub (identity included).
/// </summary>
public sealed class PortraitOrientationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task A_turned_portrait_is_loaded_upright_exactly_and_the_inspector_says_so(int turns)
    {
        using var dir = new TempDir("swaptalk-orientation");
        var models = SharedServices.Models(SharedServices.ModelsFor(await ModelsAsync()));
        var stage = new PortraitStage(models);
        using var upright = await stage.LoadAsync(Portrait, Ct);

        var path = Path.Combine(dir.Path, "turned.png");
        using (var turned = PortraitOrientation.Turn(upright, turns)) ImageFile.Write(path, turned);

        using var loaded = await stage.LoadAsync(path, Ct);
        (loaded.Width, loaded.Height).Should().Be((upright.Width, upright.Height));
        loaded.Pixels.SequenceEqual(upright.Pixels).Should().BeTrue("the upright copy is the portrait's own pixels");

        var facts = await new MediaInputInspector(Engine, models.Portraits).InspectPortraitAsync(path, FaceSelection.Largest, Ct);
        facts.QuarterTurns.Should().Be((4 - turns) % 4);
        facts.FacesFound.Should().BeGreaterThan(0);
    }

    [Fact]
    public async Task An_upright_portrait_is_left_as_it_is()
    {
        var models = SharedServices.Models(SharedServices.ModelsFor(await ModelsAsync()));
        var facts = await new MediaInputInspector(Engine, models.Portraits).InspectPortraitAsync(Portrait, FaceSelection.Largest, Ct);
        facts.QuarterTurns.Should().Be(0);
    }
}
