using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using SwapTalk.Core.Activities;
using SwapTalk.Core.Execution;
using SwapTalk.Core.Hosting.Starting;
using SwapTalk.Core.Storage;
using SwapTalk.Core.Workflow;

namespace SwapTalk.Http;

/// <summary>
/// The runtime port over the embedded executor for <c>swaptalk serve</c>: jobs run one after another in this process,
/// each on a <see cref="LocalWorkflowExecutor"/>, and each job's record (input, state, last custom status, output) is
/// kept beside its blobs as <c>jobs/{id}/instance.json</c>. A server stopped mid-job leaves the record "running";
/// <see cref="ResumeAsync"/> at the next start runs those jobs again, and the idempotent activities skip what is
/// stored, as <c>swaptalk dub</c> resumes.
/// </summary>
public sealed class LocalJobInstances : IJobInstances, IAsyncDisposable
{
    /// <summary>Runs after a job's workflow succeeded and before it reads succeeded (the serve host's preview and evaluation).</summary>
    public delegate Task Finisher(CloudDubJobInput input, DubJobResult result, CancellationToken cancellationToken);

    private sealed record Record(
        string InstanceId,
        string WorkflowName,
        CloudDubJobInput Input,
        JobRuntimeState State,
        DateTimeOffset CreatedAt,
        DateTimeOffset LastUpdatedAt,
        string? CustomStatusJson = null,
        string? OutputJson = null,
        string? FailureMessage = null);

    private sealed class Entry(Record record)
    {
        public Record Record = record;
        public readonly CancellationTokenSource Cancel = new();
        public JobProgressTracker? Tracker;
        public bool CancelRequested;
    }

    private readonly IBlobStore _jobs;
    private readonly ActivityRegistry _activities;
    private readonly LocalExecutorOptions _options;
    private readonly Finisher? _finish;
    private readonly ILogger _log;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);
    private readonly SemaphoreSlim _save = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Task, byte> _running = new();

    public LocalJobInstances(IBlobStore jobs, ActivityRegistry activities, LocalExecutorOptions options, Finisher? finish, ILogger logger, TimeProvider? time = null)
    {
        _jobs = jobs;
        _activities = activities;
        _options = options;
        _finish = finish;
        _log = logger;
        _time = time ?? TimeProvider.System;
    }

    public static string RecordBlob(string jobId) => $"{BlobNames.Job(jobId)}instance.json";

    /// <summary>Loads every job record; jobs that were pending or running when the server stopped start again.</summary>
    /// <returns>The ids of the resumed jobs.</returns>
    public async Task<IReadOnlyList<string>> ResumeAsync(CancellationToken cancellationToken)
    {
        var resumed = new List<string>();
        var records = new List<Record>();
        await foreach (var item in _jobs.ListAsync("jobs/", cancellationToken))
        {
            if (!item.Name.EndsWith("/instance.json", StringComparison.Ordinal)) continue;
            try
            {
                if (await _jobs.ReadJsonAsync<Record>(item.Name, WorkflowJson.Options, cancellationToken) is { } record) records.Add(record);
            }
            catch (Exception e) when (e is JsonException or BlobStoreException)
            {
                _log.LogWarning("serve: the job record {Blob} cannot be read ({Message}); that job is not listed", item.Name, e.Message);
            }
        }
        foreach (var record in records.OrderBy(r => r.CreatedAt))
        {
            var entry = new Entry(record);
            _entries[record.InstanceId] = entry;
            if (!record.State.IsTerminal())
            {
                resumed.Add(record.InstanceId);
                Launch(entry);
            }
        }
        return resumed;
    }

    public Task<JobInstanceInfo?> GetAsync(string instanceId, CancellationToken cancellationToken) =>
        Task.FromResult(_entries.TryGetValue(instanceId, out var entry) ? Info(entry) : null);

    public Task<IReadOnlyList<JobInstanceInfo>> ListAsync(int max, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<JobInstanceInfo>>(_entries.Values.Select(Info).OrderByDescending(i => i.CreatedAt).Take(max).ToList());

    public async Task StartAsync(string workflowName, string instanceId, object input, CancellationToken cancellationToken)
    {
        if (input is not CloudDubJobInput job) throw new ArgumentException($"the embedded host runs {CloudWorkflowNames.CloudDubJob} jobs only", nameof(input));
        var now = _time.GetUtcNow();
        var entry = new Entry(new Record(instanceId, workflowName, job, JobRuntimeState.Pending, now, now));
        if (!_entries.TryAdd(instanceId, entry)) throw new InvalidOperationException($"job '{instanceId}' exists already");
        await SaveAsync(entry);
        Launch(entry);
    }

    public Task CancelAsync(string instanceId, string reason, CancellationToken cancellationToken)
    {
        if (_entries.TryGetValue(instanceId, out var entry) && !entry.Record.State.IsTerminal())
        {
            entry.CancelRequested = true;
            entry.Record = entry.Record with { FailureMessage = reason };
            entry.Cancel.Cancel();
        }
        return Task.CompletedTask;
    }

    private void Launch(Entry entry)
    {
        var task = Task.Run(() => RunAsync(entry));
        _running[task] = 0;
        task.ContinueWith(t => _running.TryRemove(t, out _), TaskScheduler.Default);
    }

    private async Task RunAsync(Entry entry)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(entry.Cancel.Token, _stopping.Token);
        var token = linked.Token;
        try
        {
            await _oneAtATime.WaitAsync(token);
        }
        catch (OperationCanceledException)
        {
            await EndAsync(entry);
            return;
        }
        try
        {
            var id = entry.Record.InstanceId;
            entry.Tracker = new JobProgressTracker();
            entry.Record = entry.Record with { State = JobRuntimeState.Running, LastUpdatedAt = _time.GetUtcNow() };
            await SaveAsync(entry);
            var progress = new Events(e =>
            {
                entry.Tracker.Report(e);
                if (e is CustomStatusChanged { StatusJson: { } json } && e.InstanceId == id)
                {
                    entry.Record = entry.Record with { CustomStatusJson = json, LastUpdatedAt = _time.GetUtcNow() };
                    // Off the orchestration's own synchronization context: it stops running continuations when the
                    // job ends, and a save continued there would hold the save lock for good.
                    _ = Task.Run(() => SaveAsync(entry));
                }
            });
            var executor = new LocalWorkflowExecutor(_activities, CloudWorkflows.Catalog, _options with { Progress = progress });
            try
            {
                var result = await executor.RunAsync<DubJobResult>(entry.Record.WorkflowName, id, entry.Record.Input, token);
                await FinishAsync(id, entry.Record.Input, result, token);
                entry.Record = entry.Record with
                {
                    State = JobRuntimeState.Completed,
                    OutputJson = JsonSerializer.Serialize(result, WorkflowJson.Options),
                    LastUpdatedAt = _time.GetUtcNow(),
                };
            }
            catch (WorkflowFailedException e)
            {
                entry.Record = entry.Record with { State = JobRuntimeState.Failed, FailureMessage = e.RootCause.ErrorMessage, LastUpdatedAt = _time.GetUtcNow() };
            }
            catch (OperationCanceledException)
            {
                await EndAsync(entry);
                return;
            }
            catch (Exception e)
            {
                _log.LogError(e, "serve: job {JobId} failed", id);
                entry.Record = entry.Record with { State = JobRuntimeState.Failed, FailureMessage = e.Message, LastUpdatedAt = _time.GetUtcNow() };
            }
            await SaveAsync(entry);
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    /// <summary>The dub is complete whatever happens here: a preview or evaluation that cannot be made is a warning.</summary>
    private async Task FinishAsync(string id, CloudDubJobInput input, DubJobResult result, CancellationToken token)
    {
        if (_finish is null) return;
        try
        {
            await _finish(input, result, token);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _log.LogWarning("serve: job {JobId} succeeded, but what the page shows beside it was not all written: {Message}", id, e.Message);
        }
    }

    /// <summary>A stop: canceled through the API it ends terminated; a server shutting down leaves it to resume.</summary>
    private async Task EndAsync(Entry entry)
    {
        if (!entry.CancelRequested) return;
        entry.Record = entry.Record with { State = JobRuntimeState.Terminated, LastUpdatedAt = _time.GetUtcNow() };
        await SaveAsync(entry);
    }

    private async Task SaveAsync(Entry entry)
    {
        await _save.WaitAsync().ConfigureAwait(false);
        try
        {
            await _jobs.WriteJsonAsync(RecordBlob(entry.Record.InstanceId), entry.Record, WorkflowJson.Options, cancellationToken: CancellationToken.None)
                .ConfigureAwait(false);
        }
        finally
        {
            _save.Release();
        }
    }

    private JobInstanceInfo Info(Entry entry)
    {
        var r = entry.Record;
        LiveProgress? live = null;
        if (r.State == JobRuntimeState.Running && entry.Tracker?.Current is { } p)
            live = new LiveProgress(p.FramesPerSecond, p.Eta?.TotalSeconds);
        return new JobInstanceInfo(r.InstanceId, r.State, r.CreatedAt, r.LastUpdatedAt, LiveStatus(r, entry.Tracker), r.OutputJson, r.FailureMessage, live);
    }

    /// <summary>
    /// While rendering, the tracker counts each finished segment (the workflow's own status moves per render batch),
    /// so the page sees segments and frames advance one segment at a time.
    /// </summary>
    private static string? LiveStatus(Record r, JobProgressTracker? tracker)
    {
        if (r.State != JobRuntimeState.Running || tracker is null || r.CustomStatusJson is null) return r.CustomStatusJson;
        var status = JsonSerializer.Deserialize<JobStatus>(r.CustomStatusJson, WorkflowJson.Options);
        var p = tracker.Current;
        if (status is null || status.Phase != JobStatus.Rendering || p.SegmentsDone <= status.SegmentsDone) return r.CustomStatusJson;
        return JsonSerializer.Serialize(status with { SegmentsDone = p.SegmentsDone, FramesDone = p.FramesDone }, WorkflowJson.Options);
    }

    public async ValueTask DisposeAsync()
    {
        _stopping.Cancel();
        try
        {
            await Task.WhenAll(_running.Keys.ToArray());
        }
        catch (Exception)
        {
            // Each job's own handler has recorded what it could; shutting down goes on.
        }
        _stopping.Dispose();
    }

    private sealed class Events(Action<ExecutionEvent> report) : IProgress<ExecutionEvent>
    {
        public void Report(ExecutionEvent value) => report(value);
    }
}
