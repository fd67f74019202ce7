// The SDK marks its Responses API types as evaluation-only (OPENAI001); they are what clients use.
#pragma warning disable OPENAI001

using System.ClientModel;
using System.ClientModel.Primitives;
using OpenAI;
using OpenAI.Responses;
using Tokenwise.Testing;

namespace Tokenwise.EndToEnd.Tests.Responses;

/// <summary>
/// A gateway with a master key (so keys and rate limits apply) whose <c>openai</c> provider is the fake
/// upstream, plus an <c>anthropic</c> provider that must never be called: Responses requests for its
/// models are refused before any upstream call.
/// </summary>
public sealed class ResponsesFixture : IAsyncLifetime
{
    public const string MasterKey = "tw-master-responses";

    public FakeUpstream Upstream { get; private set; } = null!;
    public TestGateway Gateway { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Upstream = await FakeUpstream.StartAsync();
        Gateway = await TestGateway.StartAsync(Upstream, new Dictionary<string, string?>
        {
            ["master_key"] = MasterKey,
            ["providers:anthropic:type"] = "anthropic",
            ["providers:anthropic:base_url"] = "http://127.0.0.1:9", // the discard port: nothing may be sent there
            ["providers:anthropic:api_key"] = "sk-ant-never-used",
        });
    }

    public async ValueTask DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Upstream.DisposeAsync();
    }

    /// <summary>The official SDK's Responses client, unchanged but for its endpoint; retries off so errors surface at once.</summary>
    public ResponsesClient Client(string key = MasterKey) => new OpenAIClient(new ApiKeyCredential(key), new OpenAIClientOptions
    {
        Endpoint = Gateway.OpenAIBaseUrl,
        RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
    }).GetResponsesClient();

    public HttpClient Http(string key = MasterKey)
    {
        var http = new HttpClient { BaseAddress = Gateway.BaseUrl, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", key);
        return http;
    }
}
