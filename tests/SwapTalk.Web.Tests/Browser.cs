using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace SwapTalk.Web.Tests;

/// <summary>
/// Debian's chromium, headless, through Debian's chromedriver (both from scripts/setup.sh; Selenium downloads
/// nothing when it is given both paths). Missing browser: the test skips with the reason, or fails under CI=true.
/// </summary>
public sealed class Browser : IDisposable
{
    public const string Chromium = "/usr/bin/chromium";
    public const string ChromeDriver = "/usr/bin/chromedriver";

    private readonly ChromeDriver _driver;

    public Browser(int width = 1280, int height = 1800)
    {
        if (!File.Exists(Chromium) || !File.Exists(ChromeDriver))
        {
            var why = $"{Chromium} and {ChromeDriver} are needed (Debian packages chromium and chromium-driver; ./scripts/setup.sh installs them)";
            if (Environment.GetEnvironmentVariable("CI") == "true") throw new InvalidOperationException(why);
            Assert.Skip(why);
        }
        var options = new ChromeOptions { BinaryLocation = Chromium };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--mute-audio",
            "--autoplay-policy=no-user-gesture-required", $"--window-size={width},{height}", "--hide-scrollbars");
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(ChromeDriver)!, Path.GetFileName(ChromeDriver));
        service.HideCommandPromptWindow = true;
        service.SuppressInitialDiagnosticInformation = true;
        _driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
    }

    public IWebDriver Driver => _driver;

    public void Open(Uri url) => _driver.Navigate().GoToUrl(url);

    public IWebElement Element(string id) => _driver.FindElement(By.Id(id));

    public string Text(string id) => Element(id).Text;

    public object? Js(string script, params object[] args) => ((IJavaScriptExecutor)_driver).ExecuteScript(script, args);

    /// <summary>Hands a file to the page's (hidden) file input, as a user picking it would.</summary>
    public void Upload(string kind, string path)
    {
        var input = Element("file-" + kind);
        Js("arguments[0].style.display = 'block';", input);
        input.SendKeys(path);
        Js("arguments[0].style.display = '';", input);
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; fails naming <paramref name="what"/> and the page's text.</summary>
    public async Task UntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                if (condition()) return;
            }
            catch (WebDriverException)
            {
                // The element is being replaced; ask again.
            }
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{what} did not happen within {timeout.TotalSeconds} s; the page says: {_driver.FindElement(By.TagName("body")).Text}");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    public void Screenshot(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        _driver.GetScreenshot().SaveAsFile(path);
    }

    public void Dispose()
    {
        _driver.Quit();
        _driver.Dispose();
    }
}
