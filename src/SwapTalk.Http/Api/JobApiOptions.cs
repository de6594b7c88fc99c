namespace SwapTalk.Http;

/// <summary>
/// The API's limits, from the host's settings: the Functions app's <c>SWAPTALK_MAX_REQUEST_BYTES</c> and
/// <c>SWAPTALK_RESULT_URL_MINUTES</c>, <c>swaptalk serve</c>'s defaults.
/// </summary>
/// <param name="MaxRequestBytes">Largest job manifest (a manifest names uploaded blobs; it does not carry media).</param>
/// <param name="ResultUrlMinutes">Lifetime of a result link, 1..<see cref="ResultUrlPolicy.MaxMinutes"/>.</param>
/// <param name="MaxListedJobs">Most jobs the list endpoint returns.</param>
public sealed record JobApiOptions(int MaxRequestBytes = 65536, int ResultUrlMinutes = 60, int MaxListedJobs = 100);
