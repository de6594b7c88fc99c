using SwapTalk.Functions.Composition;

namespace SwapTalk.Functions.Tests.Deployment;

/// <summary>The Functions app, read from its compiled assembly: a host over Core, the shared Azure library and the shared HTTP API, never over another host.</summary>
public sealed class FunctionsLayeringTests
{
    [Fact]
    public void The_functions_app_uses_core_and_the_shared_libraries_only()
    {
        var ours = typeof(FunctionsServices).Assembly.GetReferencedAssemblies().Select(a => a.Name!)
            .Where(n => n.StartsWith("SwapTalk.", StringComparison.Ordinal) || n.StartsWith("swaptalk", StringComparison.Ordinal));
        ours.Should().BeSubsetOf(["SwapTalk.Core", "SwapTalk.Azure", "SwapTalk.Http"]);
    }
}
