using System.ClientModel;
using System.ClientModel.Primitives;
using OpenAI;
using OpenAI.Chat;
using Tokenwise.Testing;

namespace Tokenwise.EndToEnd.Tests;

/// <summary>One fake upstream and one gateway shared by a test class (tests use cues, so they do not interfere).</summary>
public sealed class GatewayFixture : IAsyncLifetime
{
    public FakeUpstream Upstream { get; private set; } = null!;
    public TestGateway Gateway { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Upstream = await FakeUpstream.StartAsync();
        Gateway = await TestGateway.StartAsync(Upstream, new Dictionary<string, string?>
        {
            // Short for the timeout tests, but not so short that a loaded machine trips them by accident.
            ["upstream:stream_idle_timeout_seconds"] = "3",
            ["upstream:first_byte_timeout_seconds"] = "3",
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
