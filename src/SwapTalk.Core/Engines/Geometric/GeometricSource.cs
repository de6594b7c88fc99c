using System.Numerics;
using System.Text;
using SwapTalk.Core.Imaging;

namespace SwapTalk.Core.Engines.Geometric;

/// <summary>
/// One mouth interior of the target video: a BGR crop around the mouth of a source frame, its 68 landmarks in crop
/// coordinates, and its opening (share of the eye distance). Cross-driven dubs paste the entry whose opening is
/// nearest the wanted one inside the re-timed lips (teeth and tongue of the speaker's own video).
/// </summary>
public sealed record MouthSample(long Frame, float Opening, PixelBuffer Crop, Vector2[] Landmarks);

/// <summary>
/// What the geometric engine needs from the portrait and the clip, made once per job by PrepareSource and read by
/// every segment (so every segment, retry and resume uses the same): the portrait's face crop (BGR) with its 68
/// landmarks in crop coordinates, and the mouth bank (cross-driven). Stored as work/source-face.bin.
/// </summary>
public sealed class GeometricSource : IDisposable
{
    private const string Magic = "STGEO002";

    /// <param name="keep">Per portrait pixel, 255 where the portrait's face shows and 0 where the target's does (its hair
    /// above the brows, <see cref="FaceSegmentation.PortraitKeep"/>); null: the whole face shows.</param>
    public GeometricSource(PixelBuffer portrait, Vector2[] landmarks, int facesFound, IReadOnlyList<MouthSample> mouths, byte[]? keep = null)
    {
        if (landmarks.Length != Geometric.MeshPoints.Landmarks) throw new ArgumentException($"expected {Geometric.MeshPoints.Landmarks} landmarks, got {landmarks.Length}", nameof(landmarks));
        if (keep is not null && keep.Length != portrait.Width * portrait.Height) throw new ArgumentException($"the keep mask has {keep.Length} values, the portrait {portrait.Width * portrait.Height} pixels", nameof(keep));
        Keep = keep;
        Portrait = portrait;
        Landmarks = landmarks;
        FacesFound = facesFound;
        Mouths = mouths;
        Mesh = FaceMesh.ForFace(landmarks);
        MeshPoints = Geometric.MeshPoints.Of(landmarks);
    }

    /// <summary>The portrait's face region, BGR.</summary>
    public PixelBuffer Portrait { get; }

    /// <summary>The portrait's keep mask (one byte per pixel, 255 = the portrait shows), or null when no segmentation model ran.</summary>
    public byte[]? Keep { get; }

    /// <summary>The portrait's 68 landmarks in <see cref="Portrait"/>'s coordinates.</summary>
    public Vector2[] Landmarks { get; }

    /// <summary>The landmarks plus the forehead points.</summary>
    public Vector2[] MeshPoints { get; }

    public FaceMesh Mesh { get; }

    public int FacesFound { get; }

    /// <summary>Mouth interiors of the target video, by rising opening (empty for self-driven jobs).</summary>
    public IReadOnlyList<MouthSample> Mouths { get; }

    public async Task WriteAsync(Stream stream, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        using (var w = new BinaryWriter(buffer, Encoding.ASCII, leaveOpen: true))
        {
            w.Write(Encoding.ASCII.GetBytes(Magic));
            w.Write(FacesFound);
            WriteImage(w, Portrait, Landmarks);
            w.Write(Keep is not null);
            if (Keep is not null) w.Write(Keep);
            w.Write(Mouths.Count);
            foreach (var m in Mouths)
            {
                w.Write(m.Frame);
                w.Write(m.Opening);
                WriteImage(w, m.Crop, m.Landmarks);
            }
        }
        buffer.Position = 0;
        await buffer.CopyToAsync(stream, cancellationToken);
    }

    /// <exception cref="InvalidDataException">The blob is not a geometric source.</exception>
    public static async Task<GeometricSource> ReadAsync(Stream stream, string name, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, cancellationToken);
        buffer.Position = 0;
        using var r = new BinaryReader(buffer, Encoding.ASCII);
        try
        {
            if (Encoding.ASCII.GetString(r.ReadBytes(Magic.Length)) != Magic) throw new InvalidDataException($"'{name}' is not a geometric source face");
            var faces = r.ReadInt32();
            var (portrait, landmarks) = ReadImage(r);
            var keep = r.ReadBoolean() ? r.ReadBytes(portrait.Width * portrait.Height) : null;
            if (keep is not null && keep.Length != portrait.Width * portrait.Height) throw new EndOfStreamException();
            var count = r.ReadInt32();
            var mouths = new List<MouthSample>(count);
            for (var i = 0; i < count; i++)
            {
                var frame = r.ReadInt64();
                var opening = r.ReadSingle();
                var (crop, points) = ReadImage(r);
                mouths.Add(new MouthSample(frame, opening, crop, points));
            }
            return new GeometricSource(portrait, landmarks, faces, mouths, keep);
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"'{name}' is truncated");
        }
    }

    private static void WriteImage(BinaryWriter w, PixelBuffer image, Vector2[] points)
    {
        w.Write(image.Width);
        w.Write(image.Height);
        w.Write(image.Pixels);
        w.Write(points.Length);
        foreach (var p in points) { w.Write(p.X); w.Write(p.Y); }
    }

    private static (PixelBuffer, Vector2[]) ReadImage(BinaryReader r)
    {
        var width = r.ReadInt32();
        var height = r.ReadInt32();
        if (width is < 1 or > 8192 || height is < 1 or > 8192) throw new InvalidDataException($"image size {width}x{height} is out of range");
        var image = new PixelBuffer(width, height, r.ReadBytes(width * height * 3), ColorOrder.Bgr);
        var n = r.ReadInt32();
        if (n != Geometric.MeshPoints.Landmarks) throw new InvalidDataException($"{n} landmarks, expected {Geometric.MeshPoints.Landmarks}");
        var points = new Vector2[n];
        for (var i = 0; i < n; i++) points[i] = new Vector2(r.ReadSingle(), r.ReadSingle());
        return (image, points);
    }

    public void Dispose()
    {
        Portrait.Dispose();
        foreach (var m in Mouths) m.Crop.Dispose();
    }
}
