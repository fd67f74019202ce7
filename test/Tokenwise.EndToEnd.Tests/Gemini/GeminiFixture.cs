using System.ClientModel;
using System.ClientModel.Primitives;
using OpenAI;
using OpenAI.Chat;
using Tokenwise.Testing;

namespace Tokenwise.EndToEnd.Tests.Gemini;

/// <summary>A fake Gemini upstream and a gateway whose <c>gemini</c> provider points at it (tests use cues, so they do not interfere).</summary>
public sealed class GeminiFixture : IAsyncLifetime
{
    public FakeGeminiUpstream Upstream { get; private set; } = null!;
    public TestGateway Gateway { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Upstream = await FakeGeminiUpstream.StartAsync();
        // As a deployment would: from the environment, not a config file.
        Gateway = await TestGateway.StartAsync(new Dictionary<string, string?>
        {
            ["upstream:stream_idle_timeout_seconds"] = "1",
            ["upstream:first_byte_timeout_seconds"] = "2",
        }, environment: new Dictionary<string, string?>
        {
            ["GEMINI_API_KEY"] = FakeGeminiUpstream.ApiKey,
            ["GEMINI_BASE_URL"] = Upstream.BaseUrl.ToString(),
        });
    }

    public async ValueTask DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Upstream.DisposeAsync();
    }

    /// <summary>The official SDK's client, unchanged but for its endpoint; retries off so errors surface at once.</summary>
    public ChatClient Chat(string model) => new(model, new ApiKeyCredential("sk-client-own-key"), new OpenAIClientOptions
    {
        Endpoint = Gateway.OpenAIBaseUrl,
        RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
    });

    public HttpClient Http() => new() { BaseAddress = Gateway.BaseUrl };
}
