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
    private const string Magic = "STGEO003";

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

    /// <summary>
    /// Cross-driven: the target's range of openings and the swapped mouth's read-back (<see cref="Mouth.MouthCalibration"/>),
    /// set once by PrepareSource after the portrait and the bank are in place (the read-back is measured by rendering
    /// this source); null for self-driven jobs and sources without a face in the bank's frames.
    /// </summary>
    public Mouth.MouthCalibration? Calibration { get; set; }

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
            WriteCalibration(w, Calibration);
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
            return new GeometricSource(portrait, landmarks, faces, mouths, keep) { Calibration = ReadCalibration(r) };
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"'{name}' is truncated");
        }
    }

    private static void WriteCalibration(BinaryWriter w, Mouth.MouthCalibration? c)
    {
        w.Write(c is not null);
        if (c is null) return;
        WriteFloats(w, [c.Range.Mean, c.Range.Deviation, c.Range.Lowest, c.Range.Highest, c.Range.RestWidth]);
        w.Write(c.ReadBack is not null);
        if (c.ReadBack is not { } b) return;
        WriteFloats(w, b.Asked);
        WriteFloats(w, b.Read);
        w.Write(b.SpreadGain);
    }

    private static Mouth.MouthCalibration? ReadCalibration(BinaryReader r)
    {
        if (!r.ReadBoolean()) return null;
        var values = ReadFloats(r);
        if (values.Length is not (4 or 5)) throw new InvalidDataException($"a mouth range of {values.Length} values, expected 5 (4 before the rest width)");
        var range = new Mouth.MouthRange(values[0], values[1], values[2], values[3], values.Length > 4 ? values[4] : 0);
        if (!r.ReadBoolean()) return new Mouth.MouthCalibration(range, null);
        var asked = ReadFloats(r);
        var read = ReadFloats(r);
        if (asked.Length < 2 || read.Length != asked.Length) throw new InvalidDataException($"a read-back curve of {asked.Length} asked and {read.Length} read openings");
        return new Mouth.MouthCalibration(range, new Mouth.MouthReadBack(asked, read, r.ReadSingle()));
    }

    private static void WriteFloats(BinaryWriter w, float[] values)
    {
        w.Write(values.Length);
        foreach (var v in values) w.Write(v);
    }

    private static float[] ReadFloats(BinaryReader r)
    {
        var n = r.ReadInt32();
        if (n is < 0 or > 1024) throw new InvalidDataException($"{n} values in a mouth calibration");
        var values = new float[n];
        for (var i = 0; i < n; i++) values[i] = r.ReadSingle();
        return values;
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
