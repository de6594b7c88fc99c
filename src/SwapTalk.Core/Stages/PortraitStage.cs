using SwapTalk.Core.Imaging;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Media;
using SwapTalk.Core.Vision.Alignment;
using SwapTalk.Core.Vision.Detection;

namespace SwapTalk.Core.Stages;

/// <summary>The portrait's face: how many faces were found, which was taken, and its latent.</summary>
public sealed record PortraitFace(int Width, int Height, int FacesFound, FaceDetection Chosen, AlignedFace Alignment, float[] Latent);

/// <summary>
/// The source face, once per job: the portrait (PNG, JPEG, WebP, BMP or TIFF) decoded,
/// faces detected, one chosen by the job's face selection (largest by default), its 68 landmarks, the FFHQ
/// alignment, and the VQ encoder's latent of the aligned face.
/// </summary>
public sealed class PortraitStage(PipelineModels models)
{
    /// <summary>Decodes the portrait (BGR, the detector's order) through <see cref="ImageFile"/>.</summary>
    /// <exception cref="BadInputException">The file is not a PNG, JPEG, WebP, BMP or TIFF image that can be decoded.</exception>
    /// <remarks>A portrait turned by 90 or 180 degrees comes back upright (<see cref="PortraitOrientation"/>), so every engine sees the face the right way up.</remarks>
    public async Task<PixelBuffer> LoadAsync(string path, CancellationToken cancellationToken)
    {
        PixelBuffer decoded;
        try
        {
            decoded = await ImageFile.ReadAsync(path, ColorOrder.Bgr, cancellationToken);
        }
        catch (ImageFileException e)
        {
            throw new BadInputException("portrait", $"'{path}' is not an image that can be decoded: {e.Problem}");
        }
        var (upright, turns) = PortraitOrientation.Upright(decoded, models.Portraits.Detect);
        if (turns != 0) decoded.Dispose();
        return upright;
    }

    /// <summary>The faces the detector finds in the portrait, best score first.</summary>
    public IReadOnlyList<FaceDetection> Detect(PixelBuffer portrait) => models.Portraits.Detect(portrait);

    /// <exception cref="BadInputException">No face in the portrait (the message names the file).</exception>
    public async Task<PortraitFace> EncodeAsync(string path, FaceSelection selection, StageClock clock, CancellationToken cancellationToken)
    {
        using var scope = clock.Measure(PipelineStages.Portrait, frames: 1);
        using var portrait = await LoadAsync(path, cancellationToken);
        var faces = Detect(portrait);
        var chosen = FaceSelectors.Choose(selection, portrait, faces);
        if (chosen < 0)
            throw new BadInputException("portrait", $"no face found in '{path}'; the portrait must show one face clearly (frontal, at least 64 pixels across)");
        var face = faces[chosen];
        AlignedFace alignment;
        try
        {
            alignment = FfhqAlignment.Align(models.Landmarks.Detect(portrait, face.Box), models.Latent.ImageSize);
        }
        catch (ArgumentException e)
        {
            throw new BadInputException("portrait", $"the face in '{path}' cannot be aligned ({e.Message}); use a clearer, more frontal portrait");
        }
        using var crop = new PixelBuffer(models.Latent.ImageSize, models.Latent.ImageSize, portrait.Order, pooled: true);
        FfhqAlignment.Extract(portrait, alignment, crop);
        var latent = new float[models.Latent.LatentValues];
        models.Latent.Encode([crop], AlignedMemory.Floats(models.Latent.ImageValues), latent);
        return new PortraitFace(portrait.Width, portrait.Height, faces.Count, face, alignment, latent);
    }
}
