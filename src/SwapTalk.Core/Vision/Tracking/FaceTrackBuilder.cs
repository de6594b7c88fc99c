using System.Diagnostics;
using System.Numerics;
using SwapTalk.Core.Imaging;
using SwapTalk.Core.Media;
using SwapTalk.Core.Vision.Alignment;
using SwapTalk.Core.Vision.Detection;
using SwapTalk.Core.Vision.Landmarks;

namespace SwapTalk.Core.Vision.Tracking;

/// <summary>
/// Collects one segment's frames and builds its <see cref="FaceTrack"/>. Each frame is detected and
/// landmarked as it arrives (batched detection: copied into a small batch first, released once detected):
/// what stays is points and boxes, never pixels, so memory is flat whatever the segment's length (at most
/// <see cref="FaceTracker.DetectionBatch"/> frame copies). Not thread-safe: one builder per segment.
/// </summary>
public sealed class FaceTrackBuilder : IDisposable
{
    /// <summary>What the tracker keeps of one frame.</summary>
    private sealed class FrameObservation
    {
        public required IReadOnlyList<FaceDetection> Candidates { get; init; }
        public required FaceDetection[] Faces { get; init; }
        public required int Preferred { get; init; }
        /// <summary>The detector saw anything face-like (down to the evidence score).</summary>
        public required bool HasEvidence { get; init; }
        public FaceDetection? Selected { get; set; }
        public Vector2[]? Landmarks { get; set; }
        public FaceQuad? Quad { get; set; }
    }

    private readonly FaceTracker _tracker;
    private readonly FaceTrackOptions _options;
    private readonly FrameObservation?[] _observations;
    private readonly List<(long Index, PixelBuffer Image, bool Owned)> _pending = [];
    private readonly long _trackedStart;
    private readonly long _trackedEnd;
    private long _next;
    private int _width;
    private int _height;
    private bool _built;
    private int _framesDetected;
    private int _framesLandmarked;
    private readonly Stopwatch _detection = new();
    private readonly Stopwatch _landmarks = new();

    internal FaceTrackBuilder(FaceTracker tracker, FrameRange output, long clipFrameCount)
    {
        _tracker = tracker;
        _options = tracker.Options;
        Output = output;
        ClipFrameCount = clipFrameCount;
        Input = tracker.InputRange(output, clipFrameCount);
        var (smoothStart, smoothEnd) = tracker.Smoother.InputRange((int)output.Start, (int)output.End, (int)clipFrameCount);
        _trackedStart = smoothStart;
        _trackedEnd = smoothEnd;
        _observations = new FrameObservation?[Input.Count];
        _next = Input.Start;
    }

    /// <summary>The output frames this builder tracks.</summary>
    public FrameRange Output { get; }

    /// <summary>The frames it needs, in order.</summary>
    public FrameRange Input { get; }

    public long ClipFrameCount { get; }

    /// <summary>The next frame index it expects.</summary>
    public long NextFrame => _next;

    /// <summary>Feeds a decoded frame; dispose it afterwards (the builder keeps a copy only until it is detected).</summary>
    public bool Add(VideoFrame frame) => Add(frame.Index, frame.Image);

    /// <summary>
    /// Feeds frame <paramref name="index"/> of the clip. Frames outside <see cref="Input"/> are ignored
    /// (returns false); inside it they must come in order, none missing.
    /// </summary>
    public bool Add(long index, PixelBuffer image)
    {
        if (_built) throw new InvalidOperationException($"the face track of frames {Output} is already built; start another builder");
        if (index < Input.Start || index >= Input.End) return false;
        if (index != _next)
            throw new ArgumentException(
                index < _next
                    ? $"frame {index} was already added; feed the frames {Input} once each, in order"
                    : $"frame {index} arrived but frame {_next} was expected next; feed every frame of {Input} in order",
                nameof(index));
        if (_width == 0)
        {
            _width = image.Width;
            _height = image.Height;
        }
        else if (image.Width != _width || image.Height != _height)
            throw new ArgumentException($"frame {index} is {image.Width}x{image.Height} but earlier frames are {_width}x{_height}; a track covers one clip", nameof(image));

        _next++;
        if (_tracker.DetectionBatch == 1)
        {
            // No batch to wait for: work on the caller's frame, no copy.
            _pending.Add((index, image, false));
            Flush();
            return true;
        }
        var copy = new PixelBuffer(image.Width, image.Height, image.Order, pooled: true);
        image.Pixels.CopyTo(copy.Pixels);
        _pending.Add((index, copy, true));
        if (_pending.Count >= _tracker.DetectionBatch) Flush();
        return true;
    }

    /// <summary>Smooths and returns the track. Every frame of <see cref="Input"/> must have been added.</summary>
    public FaceTrack Build()
    {
        if (_built) throw new InvalidOperationException($"the face track of frames {Output} is already built");
        if (_next != Input.End)
            throw new InvalidOperationException(
                $"the face track of frames {Output} needs frames {Input} of the clip's {ClipFrameCount}, but only [{Input.Start}, {_next}) were added");
        Flush();
        _built = true;

        var smoothing = Stopwatch.StartNew();
        var smoother = _tracker.Smoother;
        var count = (int)(_trackedEnd - _trackedStart);
        var points = new Vector2[]?[count];
        var keepEmpty = new bool[count];
        for (var i = 0; i < count; i++)
        {
            var o = Observation(_trackedStart + i);
            if (o.Landmarks is not null && o.Quad is { } quad)
                points[i] = [.. o.Landmarks, .. quad.ToPoints()];
            keepEmpty[i] = !o.HasEvidence;
        }
        // Landmarks and quad corners in one call: one set of runs, gaps and weights for both.
        var smoothed = smoother.Smooth(points, (int)_trackedStart, (int)ClipFrameCount, (int)Output.Start, (int)Output.End, keepEmpty);

        var frames = new FaceTrackFrame[Output.Count];
        for (var i = 0; i < frames.Length; i++)
        {
            var index = Output.Start + i;
            var o = Observation(index);
            var s = smoothed[i];
            AlignedFace? face = null;
            Vector2[]? landmarks = null;
            if (s.Points is { } p)
            {
                landmarks = p[..FaceLandmarker68.Points];
                face = FfhqAlignment.FromQuad(FaceQuad.FromPoints(p.AsSpan(FaceLandmarker68.Points, FaceQuad.PointCount)), _options.CropSize);
            }
            frames[i] = new FaceTrackFrame
            {
                Index = index,
                Source = s.Source,
                Face = face,
                Landmarks = landmarks,
                Detection = s.Source == TrackPointSource.Detected ? o.Selected : null,
                RawLandmarks = s.Source == TrackPointSource.Detected ? o.Landmarks : null,
                Candidates = o.Candidates,
            };
        }
        smoothing.Stop();
        var timing = new FaceTrackTiming((int)Input.Count, _framesDetected, _framesLandmarked, _detection.Elapsed, _landmarks.Elapsed, smoothing.Elapsed);
        return new FaceTrack(Output, ClipFrameCount, _width, _height, frames, timing);
    }

    private FrameObservation Observation(long index) =>
        _observations[index - Input.Start] ?? throw new InvalidOperationException($"frame {index} was not observed");

    /// <summary>Detects the pending frames (one batch), then selects and landmarks each in order.</summary>
    private void Flush()
    {
        if (_pending.Count == 0) return;
        try
        {
            var images = _pending.Select(p => p.Image).ToArray();
            _detection.Start();
            var found = _tracker.Detect(images).ToArray();
            var fallback = _tracker.FallbackFor(_width, _height);
            var evidence = found.Select(c => c.Count > 0).ToArray();
            if (fallback is not null)
            {
                // Small faces: frames without one at the first size are looked at again, larger.
                var retry = Enumerable.Range(0, images.Length).Where(i => Faces(found[i]).Length == 0).ToArray();
                if (retry.Length > 0)
                {
                    var second = fallback.Detect(retry.Select(i => images[i]).ToArray());
                    for (var k = 0; k < retry.Length; k++)
                    {
                        if (second[k].Count == 0) continue;
                        evidence[retry[k]] = true;
                        if (Faces(second[k]).Length > 0 || found[retry[k]].Count == 0) found[retry[k]] = second[k];
                    }
                }
            }
            _detection.Stop();
            _framesDetected += images.Length;

            for (var b = 0; b < _pending.Count; b++)
            {
                var (index, image, _) = _pending[b];
                var faces = Faces(found[b]);
                var preferred = faces.Length == 0 ? -1 : _options.Selector.Choose(image, index, faces);
                if (preferred < -1 || preferred >= faces.Length)
                    throw new InvalidOperationException($"face selector {_options.Selector} chose face {preferred} of {faces.Length} in frame {index}");
                var o = new FrameObservation { Candidates = found[b], Faces = faces, Preferred = preferred, HasEvidence = evidence[b] };
                _observations[index - Input.Start] = o;
                if (index < _trackedStart || index >= _trackedEnd) continue; // history for the vote only
                o.Selected = Vote(index, o);
                if (o.Selected is { } selected) Landmark(image, index, selected, o);
            }
        }
        finally
        {
            Release();
        }
    }

    private FaceDetection[] Faces(IReadOnlyList<FaceDetection> candidates) =>
        candidates.Where(c => c.Score >= _options.MinScore && Math.Min(c.Box.Width, c.Box.Height) >= _options.MinFaceSize).ToArray();

    /// <summary>
    /// The target in frame t: the face the selector preferred in a strict majority of the frames
    /// [t - VoteFrames + 1, t] that hold a face, a face of frame u being "the same" as one of frame t when it
    /// overlaps it best of frame u's faces, by at least MinOverlap. Depends on those frames only.
    /// </summary>
    private FaceDetection? Vote(long t, FrameObservation current)
    {
        if (current.Faces.Length == 0) return null;
        var first = Math.Max(0, t - _options.VoteFrames + 1);
        var voters = 0;
        var votes = new int[current.Faces.Length];
        for (var u = first; u <= t; u++)
        {
            var o = Observation(u);
            if (o.Faces.Length == 0) continue;
            voters++;
            if (o.Preferred < 0) continue;
            for (var d = 0; d < current.Faces.Length; d++)
                if (BestMatch(o.Faces, current.Faces[d].Box) == o.Preferred) votes[d]++;
        }
        var best = -1;
        for (var d = 0; d < votes.Length; d++)
            if (best < 0 || votes[d] > votes[best] || votes[d] == votes[best] && d == current.Preferred) best = d;
        return 2 * votes[best] > voters ? current.Faces[best] : null;
    }

    private int BestMatch(FaceDetection[] faces, RectF box)
    {
        var best = -1;
        var bestOverlap = 0f;
        for (var i = 0; i < faces.Length; i++)
        {
            var overlap = faces[i].Box.IntersectionOverUnion(box);
            if (overlap > bestOverlap) { best = i; bestOverlap = overlap; }
        }
        return bestOverlap >= _options.MinOverlap ? best : -1;
    }

    private void Landmark(PixelBuffer image, long index, FaceDetection face, FrameObservation o)
    {
        _landmarks.Start();
        try
        {
            var points = _tracker.Landmarker.Detect(image, face.Box);
            o.Quad = FfhqAlignment.Quad(points);
            o.Landmarks = points;
            _framesLandmarked++;
        }
        catch (ArgumentException)
        {
            // A box off the frame or landmarks too degenerate to align: no observation here, but the
            // frame keeps its evidence, so a short gap may still be filled from its neighbours.
            o.Quad = null;
            o.Landmarks = null;
        }
        finally
        {
            _landmarks.Stop();
        }
    }

    private void Release()
    {
        foreach (var (_, image, owned) in _pending)
            if (owned) image.Dispose();
        _pending.Clear();
    }

    public void Dispose() => Release();
}
