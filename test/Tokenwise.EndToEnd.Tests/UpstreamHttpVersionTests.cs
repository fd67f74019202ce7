using System.ClientModel;
using System.Net;
using System.Text;
using OpenAI;
using OpenAI.Chat;
using Tokenwise.Testing;

namespace Tokenwise.EndToEnd.Tests;

/// <summary>
/// A provider's <c>http_version</c>: over HTTP/2 the gateway's calls are metered, streamed and cancelled as over
/// HTTP/1.1. The fake's second port speaks HTTP/2 in cleartext, as providers do over TLS; one test gives it a TLS port,
/// where <c>auto</c> negotiates HTTP/2.
/// </summary>
public sealed class UpstreamHttpVersionTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A gateway whose openai provider is the fake at <paramref name="baseUrl"/> (its HTTP/2 port by default), called over HTTP/2.</summary>
    private Task<TestGateway> StartOverHttp2Async(Uri? baseUrl = null) => TestGateway.StartAsync(new Dictionary<string, string?>
    {
        ["providers:openai:type"] = "openai",
        ["providers:openai:base_url"] = (baseUrl ?? fixture.Upstream.Http2BaseUrl).ToString(),
        ["providers:openai:api_key"] = FakeUpstream.ApiKey,
        ["providers:openai:http_version"] = "2",
    });

    [Fact]
    public async Task ByDefaultACleartextUpstreamIsCalledOverHttp11()
    {
        await fixture.Chat("gpt-4o-mini").CompleteChatAsync([new UserChatMessage("which protocol, by default?")], cancellationToken: Ct);

        var received = fixture.Upstream.Received.Last(r => r.Body.Contains("which protocol, by default?", StringComparison.Ordinal));
        Assert.Equal("HTTP/1.1", received.Protocol);
    }

    [Fact]
    public async Task OverTlsAutoTakesHttp2WhereTheProviderOffersItAnd11KeepsHttp11()
    {
        // The gateway runs as its own process so that it can trust the fake's self-signed certificate the way a user
        // trusts a private CA: SSL_CERT_FILE, which .NET reads on Linux.
        using var certificate = Loopback.SelfSignedCertificate();
        await using var upstream = await FakeUpstream.StartAsync(tls: certificate);
        var dir = Directory.CreateTempSubdirectory("tokenwise-tls-").FullName;
        try
        {
            var trusted = Path.Combine(dir, "ca.pem");
            await File.WriteAllTextAsync(trusted, certificate.ExportCertificatePem(), Ct);
            var (gateway, url) = await TokenwiseCli.ServeWithConfigAsync(dir, $"""
                providers:
                  openai:
                    type: openai
                    base_url: {upstream.TlsBaseUrl}
                    api_key: {FakeUpstream.ApiKey}
                  pinned:
                    type: openai-compatible
                    base_url: {upstream.TlsBaseUrl}
                    api_key: {FakeUpstream.ApiKey}
                    http_version: "1.1"
                storage:
                  sqlite_path: {Path.Combine(dir, "tokenwise.db")}
                """, new Dictionary<string, string> { ["SSL_CERT_FILE"] = trusted });
            using var server = gateway;
            using var http = new HttpClient { BaseAddress = url };

            foreach (var (model, protocol) in new[] { ("openai/gpt-4o-mini", "HTTP/2"), ("pinned/gpt-4o-mini", "HTTP/1.1") })
            {
                using var response = await http.PostAsync("v1/chat/completions", new StringContent(
                    $$"""{"model":"{{model}}","messages":[{"role":"user","content":"over TLS to {{model}}"}]}""", Encoding.UTF8, "application/json"), Ct);
                Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(Ct));
                Assert.Equal(protocol, upstream.Received.Single(r => r.Body.Contains($"over TLS to {model}", StringComparison.Ordinal)).Protocol);
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task OverHttp2NonStreamedAndStreamedCallsAreMeteredExactly()
    {
        await using var gateway = await StartOverHttp2Async();
        var chat = new ChatClient("o3-mini", new ApiKeyCredential("sk-client-own-key"), new OpenAIClientOptions { Endpoint = gateway.OpenAIBaseUrl });

        var result = await chat.CompleteChatAsync([new UserChatMessage("#fake:cached-reasoning over h2, not streamed")], cancellationToken: Ct);
        result.GetRawResponse().Headers.TryGetValue("x-tokenwise-request-id", out var requestId);
        var record = await gateway.RecordAsync(requestId!);
        var usage = result.Value.Usage;
        Assert.Equal(64, record.Usage.ReasoningTokens);
        Assert.True(record.Usage.CachedInputTokens > 0);
        Assert.Equal(HandCosts.O3Mini(usage.InputTokenCount, usage.InputTokenDetails.CachedTokenCount, usage.OutputTokenCount), record.CostUsd);

        var text = new StringBuilder();
        var updates = chat.CompleteChatStreamingAsync([new UserChatMessage("#fake:cached-reasoning over h2, streamed")], cancellationToken: Ct);
        await foreach (var update in updates)
        {
            text.Append(string.Concat(update.ContentUpdate.Select(part => part.Text)));
        }

        Assert.NotEmpty(text.ToString());
        var streamed = (await gateway.RecordsAsync(r => r.Id != requestId)).Single();
        Assert.Equal((64L, false), (streamed.Usage.ReasoningTokens, streamed.Estimated));
        Assert.Equal(HandCosts.O3Mini(streamed.Usage.InputTokens, streamed.Usage.CachedInputTokens, streamed.Usage.OutputTokens), streamed.CostUsd);

        var calls = fixture.Upstream.Received.Where(r => r.Body.Contains("#fake:cached-reasoning over h2", StringComparison.Ordinal)).ToList();
        Assert.Equal(["HTTP/2", "HTTP/2"], calls.Select(r => r.Protocol));
    }

    [Fact]
    public async Task OverHttp2EachEventIsRelayedAsItArrives()
    {
        await using var gateway = await StartOverHttp2Async();
        using var http = new HttpClient { BaseAddress = gateway.BaseUrl };
        using var response = await StreamingClient.StartChatStreamAsync(http, "#fake:hold over h2, word by word", Ct);
        using var stream = await response.Content.ReadAsStreamAsync(Ct);

        // The fake sent two chunks and waits: they can only be here if neither HTTP/2 leg held them back.
        var received = new StringBuilder();
        await StreamingClient.ReadUntilAsync(stream, received, text => text.Split("data: ").Length > 2, Ct);
        Assert.DoesNotContain("[DONE]", received.ToString(), StringComparison.Ordinal);
        fixture.Upstream.ReleaseHeldStream();
        await StreamingClient.ReadUntilAsync(stream, received, "data: [DONE]", Ct);
    }

    [Fact]
    public async Task OverHttp2AClientThatDisconnectsMidStreamCancelsTheUpstreamStream()
    {
        await using var gateway = await StartOverHttp2Async();
        using var http = new HttpClient { BaseAddress = gateway.BaseUrl };
        var requestId = await StreamingClient.DisconnectAfterTheFirstWordAsync(http, "#fake:stall over h2, a long story", Ct);

        Assert.Equal(0, await fixture.Upstream.WaitForNoActiveStreamsAsync(TimeSpan.FromSeconds(10)));
        var record = await gateway.RecordAsync(requestId);
        Assert.Equal((499, "client_cancelled", true), (record.Status, record.ErrorCode, record.Estimated));
    }

    [Fact]
    public async Task Http2AgainstAServerThatOnlySpeaksHttp11IsA502NamingTheProvider()
    {
        await using var gateway = await StartOverHttp2Async(fixture.Upstream.BaseUrl);
        using var http = new HttpClient { BaseAddress = gateway.BaseUrl };

        using var response = await http.PostAsync("v1/chat/completions", new StringContent(
            """{"model":"gpt-4o-mini","messages":[{"role":"user","content":"h2 to an h1 server"}]}""", Encoding.UTF8, "application/json"), Ct);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.Contains("upstream_unavailable", body, StringComparison.Ordinal);
        Assert.Contains("openai", body, StringComparison.Ordinal);
    }
}
