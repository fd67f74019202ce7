using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Tokenwise.Testing;

namespace Tokenwise.EndToEnd.Tests;

/// <summary>
/// The official <c>openai</c> and <c>@anthropic-ai/sdk</c> npm packages through the gateway: starts a
/// fake OpenAI and a fake Anthropic upstream and the gateway, then runs <c>test/node/openai-sdk.test.mjs</c>
/// <c>anthropic-sdk.test.mjs</c> and <c>anthropic-sdk-translated.test.mjs</c> (an OpenAI model through the translation) with node's built-in test runner against it.
/// </summary>
public sealed class NodeSdkTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    private FakeUpstream _upstream = null!;
    private FakeAnthropicUpstream _anthropic = null!;
    private TestGateway _gateway = null!;

    public async ValueTask InitializeAsync()
    {
        _upstream = await FakeUpstream.StartAsync();
        _anthropic = await FakeAnthropicUpstream.StartAsync();
        _gateway = await TestGateway.StartAsync(_upstream, _anthropic);
    }

    public async ValueTask DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _anthropic.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Fact]
    public Task OfficialNodeSdkPassesItsTestsThroughTheGateway() =>
        RunNodeTestsAsync("openai-sdk.test.mjs", "openai", "TOKENWISE_BASE_URL", _gateway.OpenAIBaseUrl.ToString());

    [Fact]
    public Task OfficialAnthropicNodeSdkPassesItsTestsThroughTheGateway() =>
        RunNodeTestsAsync("anthropic-sdk.test.mjs", "@anthropic-ai/sdk", "TOKENWISE_ROOT_URL", _gateway.BaseUrl.ToString().TrimEnd('/'));

    [Fact]
    public Task OfficialAnthropicNodeSdkReachesAnOpenAIModelThroughTheTranslation() =>
        RunNodeTestsAsync("anthropic-sdk-translated.test.mjs", "@anthropic-ai/sdk", "TOKENWISE_ROOT_URL", _gateway.BaseUrl.ToString().TrimEnd('/'));

    private static async Task RunNodeTestsAsync(string testFile, string package, string urlVariable, string url)
    {
        var nodeDirectory = Path.Combine(RepositoryRoot(), "test", "node");
        // Installing is the test script's job; a silent skip here would hide a broken setup.
        Assert.True(Directory.Exists(Path.Combine(nodeDirectory, "node_modules", package)), "run: npm ci --prefix test/node");

        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = nodeDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("--test");
        start.ArgumentList.Add("--test-reporter=tap"); // one format on every node version, checked below
        start.ArgumentList.Add(testFile);
        start.Environment[urlVariable] = url;
        start.Environment["NO_COLOR"] = "1";

        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            Assert.Fail($"could not start node ({e.Message}): is Node.js installed and on PATH?");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            Assert.Fail($"node --test did not finish within {Timeout.TotalMinutes} minutes. Output so far:\n{Read(output)}");
        }

        process.WaitForExit(); // drains the redirected output after the exit
        var text = Read(output);
        Assert.True(process.ExitCode == 0, $"node --test {testFile} exited with {process.ExitCode}:\n{text}");
        // An exit code of 0 with no test run (a file emptied by mistake) must not pass.
        Assert.True(Regex.IsMatch(text, @"^# pass [1-9]", RegexOptions.Multiline) && Regex.IsMatch(text, @"^# fail 0\s*$", RegexOptions.Multiline),
            $"node --test ran no test, or its summary is missing:\n{text}");
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }

    private static string Read(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }

    /// <summary>The nearest folder above the test binaries that holds <c>Tokenwise.slnx</c>.</summary>
    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Tokenwise.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No folder above {AppContext.BaseDirectory} has Tokenwise.slnx.");
    }
}
