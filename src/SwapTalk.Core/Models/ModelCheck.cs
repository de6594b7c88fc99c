using SwapTalk.Core.Inference;
using SwapTalk.Core.Models.Probes;

namespace SwapTalk.Core.Models;

public enum ModelCheckStatus
{
    /// <summary>Present and matching the manifest.</summary>
    Ok,

    /// <summary>Present, but its contract differs (or it is not a loadable ONNX file).</summary>
    Mismatch,

    /// <summary>A required model's file is absent.</summary>
    Missing,

    /// <summary>An optional model's file is absent (not an error).</summary>
    OptionalAbsent,
}

/// <summary>The verdict on one stage's model file.</summary>
public sealed record ModelCheckResult(
    ModelSpec Spec,
    string Path,
    ModelCheckStatus Status,
    IReadOnlyList<string> Problems,
    IReadOnlyList<string> Notes,
    bool IsProbe)
{
    public bool Failed => Status is ModelCheckStatus.Mismatch or ModelCheckStatus.Missing;
}

/// <summary>Loads model files and compares their declared inputs and outputs with the manifest.</summary>
public static class ModelCheck
{
    /// <summary>Checks every stage of <paramref name="manifest"/> against the files in <paramref name="directory"/>.</summary>
    public static IReadOnlyList<ModelCheckResult> CheckDirectory(OrtRuntime runtime, ModelManifest manifest, string directory, SessionSettings? settings = null) =>
        manifest.Models.Select(spec => CheckFile(runtime, spec, Path.Combine(directory, spec.File), settings)).ToList();

    public static ModelCheckResult CheckFile(OrtRuntime runtime, ModelSpec spec, string path, SessionSettings? settings = null)
    {
        if (!File.Exists(path))
            return spec.Optional
                ? new ModelCheckResult(spec, path, ModelCheckStatus.OptionalAbsent, [], ["optional; not present"], false)
                : new ModelCheckResult(spec, path, ModelCheckStatus.Missing, [$"missing file {path}"], [], false);
        try
        {
            // Graph optimisation is not needed to read the declared contract and only costs time.
            using var session = runtime.OpenSession(path, (settings ?? new SessionSettings()) with { Optimization = Microsoft.ML.OnnxRuntime.GraphOptimizationLevel.ORT_DISABLE_ALL }, spec.Stage);
            var (problems, notes) = Compare(spec, session.Inputs, session.Outputs);
            return new ModelCheckResult(spec, path, problems.Count == 0 ? ModelCheckStatus.Ok : ModelCheckStatus.Mismatch, problems, notes,
                ProbeModels.IsProbe(path));
        }
        catch (OrtException e)
        {
            return new ModelCheckResult(spec, path, ModelCheckStatus.Mismatch,
                [$"{System.IO.Path.GetFileName(path)} is not a loadable ONNX file: {e.OrtMessage}"], [], false);
        }
    }

    /// <summary>
    /// The differences between a model's declared tensors and the manifest: problems break the
    /// pipeline (missing or extra inputs, wrong element type, rank or fixed size); notes do not
    /// (extra outputs, a free dimension where the manifest fixes one).
    /// </summary>
    public static (List<string> Problems, List<string> Notes) Compare(ModelSpec spec, IReadOnlyList<TensorInfo> inputs, IReadOnlyList<TensorInfo> outputs)
    {
        var problems = new List<string>();
        var notes = new List<string>();
        CompareSide("input", spec.Inputs, inputs, problems, notes);
        CompareSide("output", spec.Outputs, outputs, problems, notes);
        foreach (var extra in inputs.Where(i => spec.Inputs.All(s => s.Name != i.Name)))
            problems.Add($"input '{extra.Name}' ({extra}) is not in the manifest: the pipeline cannot feed it");
        foreach (var extra in outputs.Where(o => spec.Outputs.All(s => s.Name != o.Name)))
            notes.Add($"extra output '{extra.Name}' is ignored");
        return (problems, notes);
    }

    private static void CompareSide(string role, IReadOnlyList<TensorSpec> expected, IReadOnlyList<TensorInfo> actual, List<string> problems, List<string> notes)
    {
        foreach (var want in expected)
        {
            var have = actual.FirstOrDefault(a => a.Name == want.Name);
            if (have is null)
            {
                problems.Add($"{role} '{want.Name}' is missing (model has {Names(actual)})");
                continue;
            }
            var wantShape = $"[{string.Join(",", want.Shape)}]";
            var haveShape = $"[{string.Join(",", have.Shape)}]";
            if (have.ElementType != want.ElementType)
                problems.Add($"{role} '{want.Name}' is {have.ElementType.DisplayName()}, manifest says {want.ElementType.DisplayName()}");
            if (have.Rank != want.Shape.Count)
            {
                problems.Add($"{role} '{want.Name}' has rank {have.Rank} {haveShape}, manifest says rank {want.Shape.Count} {wantShape}");
                continue;
            }
            for (var d = 0; d < have.Rank; d++)
            {
                var w = want.Shape[d];
                var h = have.Shape[d];
                if (!w.IsFixed) continue;
                if (h.IsFixed && h.Value != w.Value)
                    problems.Add($"{role} '{want.Name}' dimension {d} is {h.Value} {haveShape}, manifest says {w.Value} {wantShape}");
                else if (!h.IsFixed)
                    notes.Add($"{role} '{want.Name}' dimension {d} is free ({h}); the manifest fixes it at {w.Value}");
            }
        }
    }

    private static string Names(IReadOnlyList<TensorInfo> tensors) =>
        tensors.Count == 0 ? "none" : string.Join(", ", tensors.Select(t => $"'{t.Name}'"));
}
