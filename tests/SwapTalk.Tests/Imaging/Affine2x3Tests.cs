using System.Numerics;
using SwapTalk.Core.Imaging;

namespace SwapTalk.Tests.Imaging;

public class Affine2x3Tests
{
    [Fact]
    public void Then_applies_left_to_right_and_the_product_right_to_left()
    {
        var shift = Affine2x3.Translation(10, 0);
        var twice = Affine2x3.Scale(2, 2);
        shift.Then(twice).Apply(1, 1).Should().Be((22.0, 2.0));
        (shift * twice).Apply(1, 1).Should().Be((12.0, 2.0));
    }

    [Fact]
    public void Invert_undoes_a_general_map_and_refuses_singular_ones()
    {
        var m = new Affine2x3(1.3, 0.4, -7, -0.2, 0.9, 12);
        var back = m.Invert();
        var (x, y) = back.Apply(m.Apply(3.5, -8.25).X, m.Apply(3.5, -8.25).Y);
        x.Should().BeApproximately(3.5, 1e-12);
        y.Should().BeApproximately(-8.25, 1e-12);
        var singular = () => new Affine2x3(2, 4, 0, 1, 2, 0).Invert();
        singular.Should().Throw<InvalidOperationException>().WithMessage("*singular*");
        var zero = () => Affine2x3.Scale(0, 0).Invert();
        zero.Should().Throw<InvalidOperationException>();
    }

    [Fact]
    public void Similarity_rotates_from_x_towards_y_and_scales_uniformly()
    {
        var m = Affine2x3.Similarity(2, Math.PI / 2, 5, 5);
        var (x, y) = m.Apply(1, 0);
        x.Should().BeApproximately(5, 1e-12);
        y.Should().BeApproximately(7, 1e-12);
        m.ScaleFactor.Should().BeApproximately(2, 1e-12);
    }

    [Fact]
    public void Fit_similarity_recovers_a_known_map_and_least_squares_fits_noisy_points()
    {
        var truth = Affine2x3.Similarity(1.8, 0.7, -30, 44);
        Vector2[] from = [new(0, 0), new(10, 3), new(-4, 8), new(6, -9)];
        var to = from.Select(truth.Apply).ToArray();
        var fit = Affine2x3.FitSimilarity(from, to);
        fit.M11.Should().BeApproximately(truth.M11, 1e-5);
        fit.M21.Should().BeApproximately(truth.M21, 1e-5);
        fit.M13.Should().BeApproximately(truth.M13, 1e-4);
        fit.M23.Should().BeApproximately(truth.M23, 1e-4);
        var few = () => Affine2x3.FitSimilarity(from.AsSpan(0, 1), to.AsSpan(0, 1));
        few.Should().Throw<ArgumentException>().WithMessage("*at least 2*");
    }
}
