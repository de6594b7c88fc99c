using System.Text.Json;
using SwapTalk.Core.Imaging;
using SwapTalk.Core.Inference;

namespace SwapTalk.Core.Models;

/// <summary>How image pixels become tensor values: value = (pixel - Mean) / Std, channels in <see cref="Order"/>.</summary>
public sealed record PixelSpec(ColorOrder Order, float Mean, float Std)
{
    public PixelNormalization Normalization => new(Order, 1f / Std, -Mean / Std);

    /// <summary>The values pixels 0 and 255 map to.</summary>
    public (float Min, float Max) Range => ((0 - Mean) / Std, (255 - Mean) / Std);
}

/// <summary>One declared input or output: name, element type, shape (numbers fixed, names symbolic), pixel convention for images.</summary>
public sealed record TensorSpec(string Name, TensorElementType ElementType, IReadOnlyList<TensorDim> Shape, PixelSpec? Pixels = null)
{
    public override string ToString() => $"{Name}: {ElementType.DisplayName()} [{string.Join(",", Shape)}]";
}

/// <summary>One stage's model: its file and its contract.</summary>
public sealed record ModelSpec(
    string Stage,
    string File,
    bool Optional,
    string Description,
    IReadOnlyList<TensorSpec> Inputs,
    IReadOnlyList<TensorSpec> Outputs)
{
    public TensorSpec Input(string name) => Inputs.FirstOrDefault(t => t.Name == name)
        ?? throw new KeyNotFoundException($"manifest: stage '{Stage}' declares no input '{name}'");

    public TensorSpec Output(string name) => Outputs.FirstOrDefault(t => t.Name == name)
        ?? throw new KeyNotFoundException($"manifest: stage '{Stage}' declares no output '{name}'");
}

/// <summary>A codebook of the VQ latent: the grid rows [FirstRow, EndRow) it quantises.</summary>
public sealed record CodebookSpec(string Name, int FirstRow, int EndRow, int Codes, int Dim);

/// <summary>The VQGAN latent: Channels x Height x Width over an ImageSize image (Downsampling = ImageSize / Height).</summary>
public sealed record LatentSpec(int Channels, int Height, int Width, int Downsampling, int ImageSize, IReadOnlyList<CodebookSpec> Codebooks)
{
    public CodebookSpec Upper => Codebooks.First(c => c.Name == "upper");
    public CodebookSpec Lower => Codebooks.First(c => c.Name == "lower");
}

/// <summary>The audio encoder's framing: SampleRate Hz waveform in, FeatureRate Hz features of FeatureDim out, Hop samples apart.</summary>
public sealed record AudioFeatureSpec(int SampleRate, double FeatureRate, int Hop, int FeatureDim);

/// <summary>
/// The machine-readable model contracts (models/manifest.json): one entry per stage with file,
/// tensors, pixel conventions and stage metadata. Loading checks it for internal consistency, so a
/// hand-edited manifest that contradicts itself fails at start-up, naming the field.
/// </summary>
public sealed class ModelManifest
{
    public const string ResourceName = "SwapTalk.models.manifest.json";

    /// <summary>Stages every pipeline run needs (the identity embedder is optional, for metrics).</summary>
    public static readonly IReadOnlyList<string> RequiredStages =
    [
        StageNames.FaceDetector, StageNames.FaceLandmarker, StageNames.VqEncoder, StageNames.FaceSwapper,
        StageNames.AudioEncoder, StageNames.LipSyncer, StageNames.VqDecoder,
    ];

    private static readonly Lazy<ModelManifest> DefaultLazy = new(LoadEmbedded);

    private ModelManifest(string source, int schemaVersion, IReadOnlyList<ModelSpec> models, LatentSpec latent, AudioFeatureSpec audio, AudioWindow window)
    {
        Source = source;
        SchemaVersion = schemaVersion;
        Models = models;
        Latent = latent;
        AudioFeatures = audio;
        LipSyncWindow = window;
    }

    /// <summary>Where the manifest came from (a path, or "built-in").</summary>
    public string Source { get; }

    public int SchemaVersion { get; }
    public IReadOnlyList<ModelSpec> Models { get; }
    public LatentSpec Latent { get; }
    public AudioFeatureSpec AudioFeatures { get; }
    public AudioWindow LipSyncWindow { get; }

    /// <summary>The manifest compiled into the binary (a copy of models/manifest.json).</summary>
    public static ModelManifest Default => DefaultLazy.Value;

    public ModelSpec Model(string stage) => Models.FirstOrDefault(m => m.Stage == stage)
        ?? throw new KeyNotFoundException($"manifest {Source}: no stage '{stage}' (stages: {string.Join(", ", Models.Select(m => m.Stage))})");

    public static ModelManifest Load(string path)
    {
        string json;
        try { json = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"manifest {path}: cannot read: {e.Message}", e);
        }
        return Parse(json, path);
    }

    private static ModelManifest LoadEmbedded()
    {
        using var stream = typeof(ModelManifest).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"embedded resource {ResourceName} is missing from {typeof(ModelManifest).Assembly.GetName().Name}");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd(), "built-in");
    }

    public static ModelManifest Parse(string json, string source)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }); }
        catch (JsonException e) { throw new InvalidDataException($"manifest {source}: not valid JSON: {e.Message}", e); }
        using (doc)
        {
            var r = new Reader(source);
            var root = doc.RootElement;
            var schema = r.Int(root, "schema_version", "");
            if (schema != 1) throw r.Error("schema_version", $"is {schema}; this build reads version 1");
            var models = new List<ModelSpec>();
            var entries = r.Array(root, "models", "");
            for (var i = 0; i < entries.Count; i++) models.Add(ReadModel(r, entries[i], $"models[{i}]"));
            foreach (var dup in models.GroupBy(m => m.Stage).Where(g => g.Count() > 1))
                throw r.Error("models", $"stage '{dup.Key}' appears {dup.Count()} times");
            foreach (var stage in RequiredStages)
                if (models.All(m => m.Stage != stage)) throw r.Error("models", $"required stage '{stage}' is missing");

            var stageMeta = entries.ToDictionary(e => r.String(e, "stage", "models[]"), e => e.TryGetProperty("metadata", out var m) ? m : default);
            var latent = ReadLatent(r, stageMeta[StageNames.VqEncoder], "vq_encoder.metadata");
            var audio = ReadAudio(r, stageMeta[StageNames.AudioEncoder], "audio_encoder.metadata");
            var window = ReadWindow(r, stageMeta[StageNames.LipSyncer], "lip_syncer.metadata", audio);
            var manifest = new ModelManifest(source, schema, models, latent, audio, window);
            manifest.CheckConsistency(r);
            return manifest;
        }
    }

    private static ModelSpec ReadModel(Reader r, JsonElement e, string path)
    {
        var stage = r.String(e, "stage", path);
        path = stage;
        var file = r.String(e, "file", path);
        if (file.IndexOfAny(['/', '\\']) >= 0 || !file.EndsWith(".onnx", StringComparison.Ordinal))
            throw r.Error($"{path}.file", $"'{file}' must be a plain file name ending in .onnx");
        var optional = e.TryGetProperty("optional", out var o) && o.ValueKind == JsonValueKind.True;
        var description = e.TryGetProperty("description", out var d) ? d.GetString() ?? "" : "";
        var inputs = r.Array(e, "inputs", path).Select((t, i) => ReadTensor(r, t, $"{path}.inputs[{i}]")).ToList();
        var outputs = r.Array(e, "outputs", path).Select((t, i) => ReadTensor(r, t, $"{path}.outputs[{i}]")).ToList();
        if (inputs.Count == 0 || outputs.Count == 0) throw r.Error(path, "needs at least one input and one output");
        return new ModelSpec(stage, file, optional, description, inputs, outputs);
    }

    private static TensorSpec ReadTensor(Reader r, JsonElement e, string path)
    {
        var name = r.String(e, "name", path);
        path = $"{path}({name})";
        var dtypeText = r.String(e, "dtype", path);
        if (!TensorElementTypes.TryParse(dtypeText, out var dtype))
            throw r.Error($"{path}.dtype", $"'{dtypeText}' is not an element type (float32, float16, uint8, int64, ...)");
        var shape = new List<TensorDim>();
        foreach (var dim in r.Array(e, "shape", path))
        {
            if (dim.ValueKind == JsonValueKind.Number && dim.TryGetInt64(out var v) && v >= 0) shape.Add(new TensorDim(v));
            else if (dim.ValueKind == JsonValueKind.String && dim.GetString() is { Length: > 0 } s && !char.IsDigit(s[0])) shape.Add(new TensorDim(-1, s));
            else throw r.Error($"{path}.shape", $"{dim.GetRawText()} is neither a size nor a dimension name");
        }
        PixelSpec? pixels = null;
        if (e.TryGetProperty("pixels", out var p))
        {
            var orderText = r.String(p, "order", $"{path}.pixels");
            var order = orderText switch
            {
                "rgb" => ColorOrder.Rgb,
                "bgr" => ColorOrder.Bgr,
                _ => throw r.Error($"{path}.pixels.order", $"'{orderText}' is not rgb or bgr"),
            };
            var mean = (float)r.Number(p, "mean", $"{path}.pixels");
            var std = (float)r.Number(p, "std", $"{path}.pixels");
            if (std <= 0) throw r.Error($"{path}.pixels.std", $"must be positive, got {std}");
            pixels = new PixelSpec(order, mean, std);
            // The range is written for people; it must agree with mean/std, which the code uses.
            var range = r.Array(p, "range", $"{path}.pixels");
            if (range.Count != 2) throw r.Error($"{path}.pixels.range", "must be [min, max]");
            var (lo, hi) = pixels.Range;
            if (Math.Abs(range[0].GetDouble() - lo) > 1e-3 || Math.Abs(range[1].GetDouble() - hi) > 1e-3)
                throw r.Error($"{path}.pixels.range", $"[{range[0].GetRawText()}, {range[1].GetRawText()}] disagrees with mean {mean} / std {std}, which map 0..255 to [{lo:0.###}, {hi:0.###}]");
        }
        return new TensorSpec(name, dtype, shape, pixels);
    }

    private static LatentSpec ReadLatent(Reader r, JsonElement meta, string path)
    {
        if (meta.ValueKind != JsonValueKind.Object) throw r.Error(path, "is missing (latent channels, grid, codebooks)");
        var grid = r.Array(meta, "grid", path);
        if (grid.Count != 2) throw r.Error($"{path}.grid", "must be [height, width]");
        var codebooks = r.Array(meta, "codebooks", path).Select((c, i) =>
        {
            var rows = r.Array(c, "rows", $"{path}.codebooks[{i}]");
            if (rows.Count != 2) throw r.Error($"{path}.codebooks[{i}].rows", "must be [first, end)");
            return new CodebookSpec(r.String(c, "name", $"{path}.codebooks[{i}]"), rows[0].GetInt32(), rows[1].GetInt32(),
                r.Int(c, "codes", $"{path}.codebooks[{i}]"), r.Int(c, "dim", $"{path}.codebooks[{i}]"));
        }).ToList();
        var latent = new LatentSpec(r.Int(meta, "channels", path), grid[0].GetInt32(), grid[1].GetInt32(),
            r.Int(meta, "downsampling", path), r.Int(meta, "image_size", path), codebooks);
        if (latent.Height * latent.Downsampling != latent.ImageSize || latent.Width * latent.Downsampling != latent.ImageSize)
            throw r.Error(path, $"grid {latent.Height}x{latent.Width} x downsampling {latent.Downsampling} is not image_size {latent.ImageSize}");
        if (codebooks.All(c => c.Name != "upper") || codebooks.All(c => c.Name != "lower"))
            throw r.Error($"{path}.codebooks", "needs an 'upper' and a 'lower' codebook");
        var covered = codebooks.OrderBy(c => c.FirstRow).ToList();
        for (var i = 0; i < covered.Count; i++)
        {
            var expectedFirst = i == 0 ? 0 : covered[i - 1].EndRow;
            if (covered[i].FirstRow != expectedFirst || covered[i].EndRow <= covered[i].FirstRow)
                throw r.Error($"{path}.codebooks", $"rows must tile 0..{latent.Height} without gaps or overlaps ('{covered[i].Name}' has [{covered[i].FirstRow}, {covered[i].EndRow}))");
            if (covered[i].Dim != latent.Channels)
                throw r.Error($"{path}.codebooks", $"'{covered[i].Name}' codes have {covered[i].Dim} dims; the latent has {latent.Channels} channels");
        }
        if (covered[^1].EndRow != latent.Height) throw r.Error($"{path}.codebooks", $"rows end at {covered[^1].EndRow}, not at the grid height {latent.Height}");
        return latent;
    }

    private static AudioFeatureSpec ReadAudio(Reader r, JsonElement meta, string path)
    {
        if (meta.ValueKind != JsonValueKind.Object) throw r.Error(path, "is missing (sample_rate, feature_rate, hop, feature_dim)");
        var spec = new AudioFeatureSpec(r.Int(meta, "sample_rate", path), r.Number(meta, "feature_rate", path), r.Int(meta, "hop", path), r.Int(meta, "feature_dim", path));
        if (Math.Abs((double)spec.SampleRate / spec.Hop - spec.FeatureRate) > 1e-9)
            throw r.Error(path, $"sample_rate {spec.SampleRate} / hop {spec.Hop} is not feature_rate {spec.FeatureRate}");
        return spec;
    }

    private static AudioWindow ReadWindow(Reader r, JsonElement meta, string path, AudioFeatureSpec audio)
    {
        if (meta.ValueKind != JsonValueKind.Object) throw r.Error(path, "is missing (window, window_center)");
        var window = new AudioWindow(r.Int(meta, "window", path), r.Int(meta, "window_center", path), audio.FeatureRate, audio.FeatureDim);
        if (window.Length < 1 || window.Center < 0 || window.Center >= window.Length)
            throw r.Error(path, $"window_center {window.Center} must lie inside the window of {window.Length}");
        return window;
    }

    /// <summary>Cross-checks the tensors of the latent and audio stages against the metadata.</summary>
    private void CheckConsistency(Reader r)
    {
        var c = Latent.Channels;
        void Expect(string stage, TensorSpec t, params long[] tail)
        {
            var shape = t.Shape;
            var ok = shape.Count == tail.Length + 1 && tail.Select((v, i) => shape[i + 1].IsFixed && shape[i + 1].Value == v).All(b => b);
            if (!ok) throw r.Error($"{stage}.{t.Name}", $"shape [{string.Join(",", shape)}] does not fit [*,{string.Join(",", tail)}] from the latent/audio metadata");
        }
        var lowerRows = Latent.Lower.EndRow - Latent.Lower.FirstRow;
        foreach (var t in Model(StageNames.VqEncoder).Outputs) Expect(StageNames.VqEncoder, t, c, Latent.Height, Latent.Width);
        foreach (var t in Model(StageNames.VqDecoder).Inputs) Expect(StageNames.VqDecoder, t, c, Latent.Height, Latent.Width);
        foreach (var t in Model(StageNames.FaceSwapper).Inputs.Concat(Model(StageNames.FaceSwapper).Outputs))
            Expect(StageNames.FaceSwapper, t, c, Latent.Height, Latent.Width);
        var sync = Model(StageNames.LipSyncer);
        foreach (var t in sync.Inputs.Where(t => t.Name != "audio")) Expect(StageNames.LipSyncer, t, c, Latent.Height, Latent.Width);
        Expect(StageNames.LipSyncer, sync.Input("audio"), LipSyncWindow.Length, AudioFeatures.FeatureDim);
        foreach (var t in sync.Outputs) Expect(StageNames.LipSyncer, t, c, lowerRows, Latent.Width);
        var audio = Model(StageNames.AudioEncoder);
        foreach (var t in audio.Outputs)
            if (t.Shape.Count != 3 || !t.Shape[2].IsFixed || t.Shape[2].Value != AudioFeatures.FeatureDim)
                throw r.Error($"{StageNames.AudioEncoder}.{t.Name}", $"shape [{string.Join(",", t.Shape)}] is not [1,T,{AudioFeatures.FeatureDim}]");
    }

    /// <summary>Reads fields with errors that name the manifest and the JSON path.</summary>
    private sealed class Reader(string source)
    {
        public InvalidDataException Error(string path, string problem) => new($"manifest {source}: {path}: {problem}");

        private JsonElement Get(JsonElement e, string name, string path)
        {
            if (e.ValueKind != JsonValueKind.Object) throw Error(path, "is not an object");
            return e.TryGetProperty(name, out var v) ? v : throw Error(Join(path, name), "is missing");
        }

        public string String(JsonElement e, string name, string path) =>
            Get(e, name, path) is { ValueKind: JsonValueKind.String } v && v.GetString() is { Length: > 0 } s ? s
                : throw Error(Join(path, name), "must be a non-empty string");

        public int Int(JsonElement e, string name, string path) =>
            Get(e, name, path) is { ValueKind: JsonValueKind.Number } v && v.TryGetInt32(out var i) ? i
                : throw Error(Join(path, name), "must be an integer");

        public double Number(JsonElement e, string name, string path) =>
            Get(e, name, path) is { ValueKind: JsonValueKind.Number } v ? v.GetDouble()
                : throw Error(Join(path, name), "must be a number");

        public List<JsonElement> Array(JsonElement e, string name, string path) =>
            Get(e, name, path) is { ValueKind: JsonValueKind.Array } v ? v.EnumerateArray().ToList()
                : throw Error(Join(path, name), "must be an array");

        private static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";
    }
}
