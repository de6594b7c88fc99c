namespace SwapTalk.Core.FollowUps;

/// <summary>
/// A line a finished job's report and summary carry about the output as written: its text goes into the report's
/// "notes"; <paramref name="Value"/>, where given, also under <paramref name="Key"/>.
/// </summary>
public sealed record ReportNote(string Key, string Text, object? Value = null);
