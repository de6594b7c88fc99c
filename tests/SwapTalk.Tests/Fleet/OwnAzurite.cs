using SwapTalk.Bench;
using SwapTalk.Tests.Support;

namespace SwapTalk.Tests.Fleet;

/// <summary>
/// An Azurite of the test's own (<see cref="LocalAzurite"/>: free loopback ports, a throw-away folder), so a test can
/// stop and restart it. Without Azurite the test skips saying so, except under CI=true or SWAPTALK_REQUIRE_AZURITE=1,
/// where it fails.
/// </summary>
internal static class OwnAzurite
{
    internal static Task<LocalAzurite> StartAsync(string folder)
    {
        var script = LocalAzurite.ScriptPath(RepoPaths.Root);
        if (!File.Exists(script))
        {
            var message = $"Azurite is not installed at {script} (run ./scripts/setup.sh or set {LocalAzurite.ScriptVariable})";
            if (Environment.GetEnvironmentVariable("CI") == "true" || Environment.GetEnvironmentVariable("SWAPTALK_REQUIRE_AZURITE") == "1")
                throw new InvalidOperationException(message);
            Assert.Skip(message);
        }
        return LocalAzurite.StartAsync(script, folder);
    }
}
