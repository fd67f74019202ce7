using System.Net.Http.Json;
using System.Text;
using Tokenwise.Metering;
using Tokenwise.Testing;

namespace Tokenwise.EndToEnd.Tests.Anthropic;

/// <summary>
/// One fake Anthropic upstream and one gateway whose <c>anthropic</c> provider it is, shared by a test
/// class (tests use cues, so they do not interfere). The gateway also has a simulated provider, which
/// speaks only the OpenAI dialect, and the alias <c>haiku</c> for <c>claude-haiku-4-5</c>.
/// </summary>
public sealed class AnthropicGatewayFixture : IAsyncLifetime
{
    public const string ClientKey = "sk-ant-client-own-key";

    public FakeAnthropicUpstream Upstream { get; private set; } = null!;
    public TestGateway Gateway { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Upstream = await FakeAnthropicUpstream.StartAsync();
        Gateway = await TestGateway.StartAsync(Upstream, new Dictionary<string, string?>
        {
            ["providers:sim:type"] = "simulated",
            ["providers:sim:latency"] = "none",
            // Long enough that a loaded machine (CI runs every test class at once) never hits them by
            // accident: the disconnect test must see the client leave before the idle timeout.
            ["upstream:stream_idle_timeout_seconds"] = "5",
            ["upstream:first_byte_timeout_seconds"] = "30",
            ["server:max_request_body_bytes"] = "20000",
        }, configYaml: """
            models:
              - name: haiku
                provider: anthropic
                upstream_model: claude-haiku-4-5
            """);
    }

    public async ValueTask DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Upstream.DisposeAsync();
    }

    /// <summary>The official SDK's client, unchanged but for its base URL; retries off so errors surface at once.</summary>
    public global::Anthropic.AnthropicClient Client() => new()
    {
        BaseUrl = Gateway.BaseUrl.ToString().TrimEnd('/'),
        ApiKey = ClientKey,
        MaxRetries = 0,
    };

    public HttpClient Http()
    {
        var http = new HttpClient { BaseAddress = Gateway.BaseUrl };
        http.DefaultRequestHeaders.Add("x-api-key", ClientKey);
        http.DefaultRequestHeaders.Add("anthropic-version", "2023-06-01");
        return http;
    }

    /// <summary>Posts a raw body to <paramref name="path"/>; returns the response, its whole body and its usage record.</summary>
    public async Task<(HttpResponseMessage Response, string Body, UsageRecord Record)> PostAsync(string path, string json, CancellationToken cancellationToken)
    {
        using var http = Http();
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        var response = await http.PostAsync(path, content, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        var record = await Gateway.RecordAsync(response.Headers.GetValues("x-tokenwise-request-id").Single());
        return (response, body, record);
    }
}
