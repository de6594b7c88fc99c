using System.Text;

namespace SwapTalk.Core.Models.Onnx;

/// <summary>
/// Reads a model file's metadata_props (ModelProto field 14) without parsing the graph: top-level
/// fields are walked by their wire headers and everything else is seeked past, so a multi-gigabyte
/// trained model costs a few reads.
/// </summary>
public static class OnnxMetadataReader
{
    private const int MetadataPropsField = 14;

    /// <summary>False when the file cannot be read or is not protobuf-shaped.</summary>
    public static bool TryRead(string path, out IReadOnlyDictionary<string, string> metadata)
    {
        metadata = new Dictionary<string, string>();
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, FileOptions.RandomAccess);
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            while (stream.Position < stream.Length)
            {
                var tag = ReadVarint(stream);
                var field = (int)(tag >> 3);
                if (field == 0) return false; // field number 0 never occurs in valid protobuf
                switch ((int)(tag & 7))
                {
                    case 0: ReadVarint(stream); break;
                    case 1: Skip(stream, 8); break;
                    case 5: Skip(stream, 4); break;
                    case 2:
                        var length = checked((long)ReadVarint(stream));
                        if (field == MetadataPropsField)
                        {
                            var entry = new byte[checked((int)length)];
                            stream.ReadExactly(entry);
                            var (k, v) = ReadEntry(entry);
                            result[k] = v;
                        }
                        else Skip(stream, length);
                        break;
                    default: return false;
                }
            }
            metadata = result;
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or OverflowException or EndOfStreamException)
        {
            return false;
        }
    }

    private static (string Key, string Value) ReadEntry(byte[] entry)
    {
        using var s = new MemoryStream(entry);
        string key = "", value = "";
        while (s.Position < s.Length)
        {
            var tag = ReadVarint(s);
            if ((tag & 7) != 2) throw new InvalidDataException("metadata entry field is not length-delimited");
            var bytes = new byte[checked((int)ReadVarint(s))];
            s.ReadExactly(bytes);
            if (tag >> 3 == 1) key = Encoding.UTF8.GetString(bytes);
            else if (tag >> 3 == 2) value = Encoding.UTF8.GetString(bytes);
        }
        return (key, value);
    }

    private static ulong ReadVarint(Stream s)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = s.ReadByte();
            if (b < 0) throw new EndOfStreamException();
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return value;
        }
        throw new InvalidDataException("varint longer than 10 bytes");
    }

    private static void Skip(Stream s, long count)
    {
        if (count < 0 || s.Position + count > s.Length) throw new InvalidDataException("field runs past the end of the file");
        s.Seek(count, SeekOrigin.Current);
    }
}
