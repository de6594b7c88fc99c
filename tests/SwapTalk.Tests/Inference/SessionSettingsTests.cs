using SwapTalk.Core.Inference;

namespace SwapTalk.Tests.Inference;

public class SessionSettingsTests
{
    [Fact]
    public void Session_settings_come_from_the_environment_and_bad_values_name_the_variable()
    {
        SessionSettings.FromEnvironment(_ => null).Should().BeEquivalentTo(new SessionSettings());
        var cuda = SessionSettings.FromEnvironment(v => v switch { "SWAPTALK_EXECUTION_PROVIDER" => "CUDA", "SWAPTALK_CUDA_DEVICE_ID" => "1", _ => null });
        (cuda.Provider, cuda.CudaDeviceId).Should().Be((ExecutionProvider.Cuda, 1));
        var badProvider = () => SessionSettings.FromEnvironment(v => v == "SWAPTALK_EXECUTION_PROVIDER" ? "rocm" : null);
        badProvider.Should().Throw<ArgumentException>().WithMessage("SWAPTALK_EXECUTION_PROVIDER='rocm' is not an execution provider; use 'cpu' or 'cuda'");
        var badDevice = () => SessionSettings.FromEnvironment(v => v == "SWAPTALK_CUDA_DEVICE_ID" ? "gpu0" : null);
        badDevice.Should().Throw<ArgumentException>().WithMessage("SWAPTALK_CUDA_DEVICE_ID='gpu0' is not a device number*");
    }
}
