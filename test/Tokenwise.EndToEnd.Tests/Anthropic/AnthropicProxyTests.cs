using System.Net;
using System.Text;
using System.Text.Json;
using Tokenwise.Testing;

namespace Tokenwise.EndToEnd.Tests.Anthropic;

/// <summary>
/// The headers the gateway sends to an Anthropic upstream, and the errors it answers itself or relays, in
/// Anthropic's error body. The exact bytes sent and relayed are golden files (Golden/anthropic/,
/// <see cref="Golden.PassThroughGoldenTests"/>).
/// </summary>
public sealed class AnthropicProxyTests(AnthropicGatewayFixture fixture) : IClassFixture<AnthropicGatewayFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TheClientsCredentialsStayHereAndItsVersionAndBetaHeadersTravelOn()
    {
        using var http = fixture.Http();
        http.DefaultRequestHeaders.Add("anthropic-beta", "prompt-caching-2024-07-31");
        http.DefaultRequestHeaders.Add("Authorization", "Bearer client-bearer-secret");
        using var response = await http.PostAsync("v1/messages", new StringContent(
            """{"model":"claude-haiku-4-5","max_tokens":10,"messages":[{"role":"user","content":"whose key"}]}""", Encoding.UTF8, "application/json"), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var forwarded = fixture.Upstream.Received.Last(r => r.Body.Contains("whose key", StringComparison.Ordinal));
        Assert.Equal(FakeAnthropicUpstream.ApiKey, forwarded.Headers["x-api-key"]);
        Assert.Equal("2023-06-01", forwarded.Headers["anthropic-version"]);
        Assert.Equal("prompt-caching-2024-07-31", forwarded.Headers["anthropic-beta"]);
        Assert.False(forwarded.Headers.ContainsKey("Authorization"));
        Assert.DoesNotContain(forwarded.Headers, h => h.Value.Contains(AnthropicGatewayFixture.ClientKey, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("v1/messages", """{"model":"claude-haiku-4-5","max_tokens":10,"messages":[{"role":"user","content":"whose id"}]}""", "request-id")]
    [InlineData("v1/chat/completions", """{"model":"claude-haiku-4-5","messages":[{"role":"user","content":"whose id, translated"}]}""", "x-request-id")]
    public async Task AnthropicsRequestIdReachesTheClientUnderItsSdksHeaderAndTheLog(string path, string json, string header)
    {
        var (response, _, record) = await fixture.PostAsync(path, json, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var id = response.Headers.GetValues(header).Single();
        Assert.StartsWith("req_fake_msg_fake_", id, StringComparison.Ordinal);
        Assert.Equal(id, record.UpstreamRequestId);
    }

    [Fact]
    public async Task ALoneSurrogateEscapeIsA400InAnthropicsErrorBodyAndIsLogged()
    {
        var (response, body, record) = await fixture.PostAsync("v1/messages",
            """{"model":"claude-haiku-4-5","max_tokens":10,"messages":[{"role":"user","content":"cut emoji \udc00"}]}""", Ct);
        using var error = JsonDocument.Parse(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_request_error", error.RootElement.GetProperty("error").GetProperty("type").GetString());
        Assert.Contains("\\udc00 at byte", error.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(400, record.Status);
    }

    [Fact]
    public async Task TheModelListPagesBackwardsAndRefusesABadLimitOrCursorInAnthropicsErrorBody()
    {
        using var http = fixture.Http();
        using var page = JsonDocument.Parse(await http.GetStringAsync("v1/models?limit=4", Ct));
        var ids = page.RootElement.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()!).ToList();
        using var before = JsonDocument.Parse(await http.GetStringAsync($"v1/models?limit=2&before_id={ids[3]}", Ct));

        Assert.Equal((true, ids[0], ids[3]), (page.RootElement.GetProperty("has_more").GetBoolean(),
            page.RootElement.GetProperty("first_id").GetString(), page.RootElement.GetProperty("last_id").GetString()));
        Assert.Equal(ids[1..3], before.RootElement.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()!));
        Assert.True(before.RootElement.GetProperty("has_more").GetBoolean()); // ids[0] lies before it
        using var empty = JsonDocument.Parse(await http.GetStringAsync($"v1/models?before_id={ids[0]}", Ct));
        Assert.Equal((0, JsonValueKind.Null, JsonValueKind.Null, false), (empty.RootElement.GetProperty("data").GetArrayLength(),
            empty.RootElement.GetProperty("first_id").ValueKind, empty.RootElement.GetProperty("last_id").ValueKind, empty.RootElement.GetProperty("has_more").GetBoolean()));
        foreach (var query in new[] { "limit=0", "limit=1001", "limit=many", "after_id=no-such-model", "before_id=no-such-model" })
        {
            using var refused = await http.GetAsync("v1/models?" + query, Ct);
            using var error = JsonDocument.Parse(await refused.Content.ReadAsStringAsync(Ct));
            Assert.Equal((HttpStatusCode.BadRequest, "invalid_request_error"), (refused.StatusCode, error.RootElement.GetProperty("error").GetProperty("type").GetString()));
        }
    }

    [Fact]
    public async Task WithoutAVersionHeaderTheProvidersDefaultIsSent()
    {
        using var http = new HttpClient { BaseAddress = fixture.Gateway.BaseUrl };
        using var response = await http.PostAsync("v1/messages", new StringContent(
            """{"model":"claude-haiku-4-5","max_tokens":10,"messages":[{"role":"user","content":"no version"}]}""", Encoding.UTF8, "application/json"), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("2023-06-01", fixture.Upstream.Received.Last(r => r.Body.Contains("no version", StringComparison.Ordinal)).Headers["anthropic-version"]);
    }

    [Theory]
    [InlineData("""{"model":"claude-haiku-4-5","messages":[""", 400, "invalid_request_error", "invalid_json")]
    [InlineData("""{"max_tokens":10,"messages":[]}""", 400, "invalid_request_error", "missing_required_parameter")]
    [InlineData("""{"model":"claude-does-not-exist","max_tokens":10,"messages":[]}""", 404, "not_found_error", "model_not_found")]
    // Translated to the simulated (OpenAI-format) provider, top_k has no OpenAI equivalent: refused, not dropped.
    [InlineData("""{"model":"sim/gpt-4o-mini","max_tokens":10,"top_k":5,"messages":[{"role":"user","content":"hi"}]}""", 400, "invalid_request_error", "unsupported_parameter")]
    public async Task TheGatewaysOwnErrorsUseAnthropicsErrorBody(string request, int status, string type, string recordedCode)
    {
        var (response, body, record) = await fixture.PostAsync("v1/messages", request, Ct);

        Assert.Equal(status, (int)response.StatusCode);
        var root = JsonDocument.Parse(body).RootElement;
        Assert.Equal("error", root.GetProperty("type").GetString());
        Assert.Equal(type, root.GetProperty("error").GetProperty("type").GetString());
        Assert.False(string.IsNullOrEmpty(root.GetProperty("error").GetProperty("message").GetString()));
        Assert.Equal(record.Id, root.GetProperty("request_id").GetString());
        Assert.Equal((status, recordedCode, "anthropic"), (record.Status, record.ErrorCode, record.Dialect));
    }

    [Fact]
    public async Task ABodyOverTheLimitIsA413RequestTooLarge()
    {
        var (response, body, record) = await fixture.PostAsync("v1/messages",
            $$"""{"model":"claude-haiku-4-5","max_tokens":10,"messages":[{"role":"user","content":"{{new string('x', 30_000)}}"}]}""", Ct);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("request_too_large", JsonDocument.Parse(body).RootElement.GetProperty("error").GetProperty("type").GetString());
        Assert.Equal(413, record.Status);
    }

    [Theory]
    [InlineData("err-400", 400, "invalid_request_error")]
    [InlineData("err-401", 401, "authentication_error")]
    [InlineData("err-403", 403, "permission_error")]
    [InlineData("err-404", 404, "not_found_error")]
    [InlineData("err-429", 429, "rate_limit_error")]
    [InlineData("err-500", 500, "api_error")]
    [InlineData("err-529", 529, "overloaded_error")]
    public async Task UpstreamErrorsAreRelayedAsSent(string cue, int status, string type)
    {
        var (response, body, record) = await fixture.PostAsync("v1/messages",
            $$"""{"model":"claude-haiku-4-5","max_tokens":10,"messages":[{"role":"user","content":"#fake:{{cue}}"}]}""", Ct);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("req_fake_error", JsonDocument.Parse(body).RootElement.GetProperty("request_id").GetString()); // the upstream's body, untouched
        Assert.Equal((status, type), (record.Status, record.ErrorCode));
        Assert.Equal(("req_fake_error", "req_fake_error"), (response.Headers.GetValues("request-id").Single(), record.UpstreamRequestId));
        if (status == 429)
        {
            Assert.Equal("7", response.Headers.GetValues("Retry-After").Single());
        }
    }
}
