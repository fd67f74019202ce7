using System.ClientModel;
using System.ClientModel.Primitives;
using OpenAI;
using OpenAI.Chat;
using Tokenwise.Testing;

namespace Tokenwise.EndToEnd.Tests.Translation;

/// <summary>
/// A fake Anthropic upstream, a fake OpenAI upstream, and one gateway with a provider for each
/// (<c>anthropic</c> and <c>openai</c>), so either dialect's client can be served by the other's
/// provider. Tests use cues and distinct prompts, so they do not interfere.
/// </summary>
public sealed class TranslationFixture : IAsyncLifetime
{
    public FakeAnthropicUpstream Anthropic { get; private set; } = null!;
    public FakeUpstream OpenAI { get; private set; } = null!;
    public TestGateway Gateway { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Anthropic = await FakeAnthropicUpstream.StartAsync();
        OpenAI = await FakeUpstream.StartAsync();
        Gateway = await TestGateway.StartAsync(OpenAI, Anthropic, new Dictionary<string, string?>
        {
            // Generous, so a loaded machine (CI runs every test class at once) never hits them by accident.
            ["upstream:stream_idle_timeout_seconds"] = "30",
            ["upstream:first_byte_timeout_seconds"] = "30",
        });
    }

    public async ValueTask DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await OpenAI.DisposeAsync();
        await Anthropic.DisposeAsync();
    }

    /// <summary>The official OpenAI SDK's client, unchanged but for its endpoint; retries off so errors surface at once.</summary>
    public ChatClient Chat(string model) => new(model, new ApiKeyCredential("sk-openai-client-own-key"), new OpenAIClientOptions
    {
        Endpoint = Gateway.OpenAIBaseUrl,
        RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
    });

    /// <summary>The official Anthropic SDK's client, unchanged but for its base URL; retries off so errors surface at once.</summary>
    public global::Anthropic.AnthropicClient Claude() => new()
    {
        BaseUrl = Gateway.BaseUrl.ToString().TrimEnd('/'),
        ApiKey = "sk-ant-client-own-key",
        MaxRetries = 0,
    };
}
