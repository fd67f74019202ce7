using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Tokenwise.Testing;

namespace Tokenwise.EndToEnd.Tests;

/// <summary>What the gateway forwards, what it refuses, and who may call it.</summary>
public sealed class ProxyTests : IAsyncLifetime
{
    private const string MasterKey = "tw-master-test-key";
    private FakeUpstream _upstream = null!;
    private TestGateway _gateway = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _upstream = await FakeUpstream.StartAsync();
        _gateway = await TestGateway.StartAsync(_upstream, new Dictionary<string, string?>
        {
            ["master_key"] = MasterKey,
            ["server:max_request_body_bytes"] = "2000",
        }, configYaml: """
            models:
              - name: fast
                provider: openai
                upstream_model: gpt-4o-mini
            """);
    }

    public async ValueTask DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    private HttpClient Http(string? key = MasterKey)
    {
        var http = new HttpClient { BaseAddress = _gateway.BaseUrl };
        if (key is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return http;
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task UnknownFieldsAreForwardedByteForByteAndOnlyTheModelIsRenamed()
    {
        const string body = """{"zeta":{"nested":[1,2.50,"x"]},"model":"fast","messages":[{"role":"user","content":"forward me \u00e9"}],"logit_bias":{"50256":-100},"alpha":true}""";
        using var http = Http();
        using var response = await http.PostAsync("v1/chat/completions", Json(body), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var forwarded = _upstream.Received.Last(r => r.Body.Contains("forward me", StringComparison.Ordinal));
        Assert.Equal(body.Replace("\"fast\"", "\"gpt-4o-mini\"", StringComparison.Ordinal), forwarded.Body);
    }

    [Fact]
    public async Task TheClientsCredentialsNeverReachTheUpstream()
    {
        using var http = Http();
        http.DefaultRequestHeaders.Add("x-api-key", "client-secret-2");
        http.DefaultRequestHeaders.Add("OpenAI-Organization", "org-client");
        using var response = await http.PostAsync("v1/chat/completions", Json("""{"model":"gpt-4o-mini","messages":[{"role":"user","content":"whose key"}]}"""), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var forwarded = _upstream.Received.Last(r => r.Body.Contains("whose key", StringComparison.Ordinal));
        Assert.Equal("Bearer " + FakeUpstream.ApiKey, forwarded.Headers["Authorization"]);
        Assert.DoesNotContain(forwarded.Headers, h => h.Value.Contains(MasterKey, StringComparison.Ordinal) || h.Value.Contains("client-secret-2", StringComparison.Ordinal));
        Assert.False(forwarded.Headers.ContainsKey("OpenAI-Organization"));
    }

    [Fact]
    public async Task TheServedGatewaySendsUpstreamOnlyTheHeadersItChose()
    {
        // `tokenwise serve` logs to the console, unlike the in-process test gateway; while ASP.NET Core's request
        // logging was on, every request started an Activity and HttpClient added its traceparent to the upstream call.
        var dir = Directory.CreateTempSubdirectory("tokenwise-headers-").FullName;
        try
        {
            var (gateway, url) = await TokenwiseCli.ServeWithConfigAsync(dir, $"""
                providers:
                  openai:
                    base_url: {_upstream.BaseUrl}
                    api_key: {FakeUpstream.ApiKey}
                    http_version: "1.1"
                storage:
                  sqlite_path: {Path.Combine(dir, "tokenwise.db")}
                """);
            using var server = gateway;
            using var http = new HttpClient { BaseAddress = url };
            http.DefaultRequestHeaders.Add("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
            using var response = await http.PostAsync("v1/chat/completions",
                Json("""{"model":"gpt-4o-mini","messages":[{"role":"user","content":"which headers"}]}"""), Ct);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var forwarded = _upstream.Received.Single(r => r.Body.Contains("which headers", StringComparison.Ordinal));
            Assert.Equal(["Authorization", "Content-Length", "Content-Type", "Host"], forwarded.Headers.Keys.Order(StringComparer.Ordinal));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task WithAMasterKeyRequestsWithoutItAreRefusedInOpenAIsDialect()
    {
        using var anonymous = Http(key: null);
        using var response = await anonymous.PostAsync("v1/chat/completions", Json("""{"model":"gpt-4o-mini","messages":[]}"""), Ct);
        var error = await response.Content.ReadFromJsonAsync<ErrorBody>(Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("invalid_api_key", error!.Error.Code);

        using var wrong = Http(key: "not-the-key");
        using var admin = await wrong.GetAsync("admin/requests", Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, admin.StatusCode);
    }

    [Fact]
    public async Task OversizeBodiesAreA413AndLogged()
    {
        var big = new string('x', 5000);
        using var http = Http();
        using var response = await http.PostAsync("v1/chat/completions", Json($$"""{"model":"gpt-4o-mini","messages":[{"role":"user","content":"{{big}}"}]}"""), Ct);
        var error = await response.Content.ReadFromJsonAsync<ErrorBody>(Ct);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("request_too_large", error!.Error.Code);
        var record = await _gateway.RecordAsync(response.Headers.GetValues("x-tokenwise-request-id").Single());
        Assert.Equal(413, record.Status);
    }

    [Fact]
    public async Task MalformedJsonIsA400InOpenAIsErrorBody()
    {
        using var http = Http();
        using var response = await http.PostAsync("v1/chat/completions", Json("""{"model": "gpt-4o-mini", "messages": [}"""), Ct);
        var error = await response.Content.ReadFromJsonAsync<ErrorBody>(Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(("invalid_request_error", "invalid_json"), (error!.Error.Type, error.Error.Code));
        Assert.DoesNotContain(_upstream.Received, r => r.Body.Contains("\"messages\": [}", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("""{"model":"gpt-4o-mini","messages":[{"role":"user","content":"cut emoji \ud83d"}]}""", "half of a surrogate pair")]
    [InlineData("""{"model":"gpt-4o-mini","messages":[{"role":"user","content":"latin-1 café"}]}""", "not valid UTF-8")]
    public async Task TextThatIsNotUnicodeIsA400AndIsLogged(string json, string problem)
    {
        using var http = Http();
        // The second body is sent as Latin-1, as a client that ignores the charset would: é is the lone byte 0xE9.
        using var content = new ByteArrayContent(problem.StartsWith("half", StringComparison.Ordinal) ? Encoding.UTF8.GetBytes(json) : Encoding.Latin1.GetBytes(json));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var forwardedBefore = _upstream.Received.Count;
        using var response = await http.PostAsync("v1/chat/completions", content, Ct);
        var error = await response.Content.ReadFromJsonAsync<ErrorBody>(Ct);
        var record = await _gateway.RecordAsync(response.Headers.GetValues("x-tokenwise-request-id").Single());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(("invalid_request_error", "invalid_json"), (error!.Error.Type, error.Error.Code));
        Assert.Contains(problem, error.Error.Message, StringComparison.Ordinal);
        Assert.Equal(400, record.Status);
        Assert.Equal(forwardedBefore, _upstream.Received.Count);
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("br")]
    [InlineData("deflate")]
    public async Task ACompressedRequestBodyIsReadDecompressed(string encoding)
    {
        using var http = Http();
        using var content = Compressed(encoding, """{"model":"gpt-4o-mini","messages":[{"role":"user","content":"compressed on the way in"}]}"""u8.ToArray());
        using var response = await http.PostAsync("v1/chat/completions", content, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(_upstream.Received, r => r.Body.Contains("compressed on the way in", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ACompressedBodyIsHeldToTheLimitDecompressedAndOneThatDoesNotDecompressIsA400()
    {
        // 40 MB of prompt in 40 KB of gzip: the limit (32 MiB) is on what it decompresses to.
        var bomb = Encoding.UTF8.GetBytes($$"""{"model":"gpt-4o-mini","messages":[{"role":"user","content":"{{new string('x', 40_000_000)}}"}]}""");
        using var http = Http();
        using (var tooLarge = await http.PostAsync("v1/chat/completions", Compressed("gzip", bomb), Ct))
        {
            Assert.Equal((HttpStatusCode.RequestEntityTooLarge, "request_too_large"),
                (tooLarge.StatusCode, (await tooLarge.Content.ReadFromJsonAsync<ErrorBody>(Ct))!.Error.Code));
        }

        // Each decompressor reports bad data its own way (Brotli's was an InvalidOperationException, a 500).
        foreach (var (path, encoding) in new[] { "v1/chat/completions", "admin/keys" }.SelectMany(p => new[] { "gzip", "br", "deflate" }.Select(e => (p, e))))
        {
            using var notCompressed = new ByteArrayContent("""{"model":"gpt-4o-mini"}"""u8.ToArray());
            notCompressed.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            notCompressed.Headers.ContentEncoding.Add(encoding);
            using var response = await http.PostAsync(path, notCompressed, Ct);
            var error = await response.Content.ReadFromJsonAsync<ErrorBody>(Ct);

            Assert.Equal((HttpStatusCode.BadRequest, "invalid_body"), (response.StatusCode, error!.Error.Code));
            Assert.Contains("does not decompress as its Content-Encoding says", error.Error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ABodyInAnEncodingTheGatewayCannotReadIsA415NamingItAndIsLogged()
    {
        using var http = Http();
        string? requestId = null;
        foreach (var path in new[] { "v1/chat/completions", "admin/keys" })
        {
            using var zstd = new ByteArrayContent([0x28, 0xb5, 0x2f, 0xfd, 0x00]);
            zstd.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            zstd.Headers.ContentEncoding.Add("zstd");
            using var response = await http.PostAsync(path, zstd, Ct);
            var error = await response.Content.ReadFromJsonAsync<ErrorBody>(Ct);

            Assert.Equal((HttpStatusCode.UnsupportedMediaType, "unsupported_content_encoding"), (response.StatusCode, error!.Error.Code));
            Assert.Contains("Content-Encoding 'zstd' is not one the gateway reads", error.Error.Message, StringComparison.Ordinal);
            requestId ??= response.Headers.GetValues("x-tokenwise-request-id").Single();
        }

        using var identity = new StringContent("""{"model":"gpt-4o-mini","messages":[{"role":"user","content":"not compressed at all"}]}""", Encoding.UTF8, "application/json");
        identity.Headers.ContentEncoding.Add("identity");
        using (var plain = await http.PostAsync("v1/chat/completions", identity, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
        }

        var record = await _gateway.RecordAsync(requestId!);
        Assert.Equal((415, "unsupported_content_encoding"), (record.Status, record.ErrorCode));
    }

    private static ByteArrayContent Compressed(string encoding, byte[] body)
    {
        using var compressed = new MemoryStream();
        using (Stream writer = encoding switch
        {
            "gzip" => new System.IO.Compression.GZipStream(compressed, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true),
            "br" => new System.IO.Compression.BrotliStream(compressed, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true),
            _ => new System.IO.Compression.ZLibStream(compressed, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true),
        })
        {
            writer.Write(body);
        }

        var content = new ByteArrayContent(compressed.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        content.Headers.ContentEncoding.Add(encoding);
        return content;
    }

    [Theory]
    [InlineData("GET", "v1/no-such-endpoint", "application/json", 404, "No such endpoint: GET /v1/no-such-endpoint.")]
    [InlineData("GET", "v1/chat/completions", "application/json", 405, "/v1/chat/completions does not take GET requests.")]
    [InlineData("POST", "admin/keys", "text/plain", 415, "The body must be JSON (Content-Type: application/json), not 'text/plain'.")]
    public async Task ErrorsAspNetCoreAnswersWithoutABodyGetOpenAIsErrorBody(string method, string path, string contentType, int status, string message)
    {
        using var http = Http();
        using var request = new HttpRequestMessage(new HttpMethod(method), path)
        {
            Content = new StringContent("""{"name":"k"}""", Encoding.UTF8, MediaTypeHeaderValue.Parse(contentType)),
        };
        using var response = await http.SendAsync(request, Ct);
        var error = await response.Content.ReadFromJsonAsync<ErrorBody>(Ct);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(("invalid_request_error", message), (error!.Error.Type, error.Error.Message));
    }

    /// <summary>
    /// A request head over the gateway's limits gets a 414 or 431 that says which limit, in the path's dialect, rather than
    /// Kestrel's empty answer; only past four times the limits, where Kestrel stops reading, is the answer Kestrel's own.
    /// </summary>
    [Theory]
    [InlineData("v1/models/", 9000, 0, 0, 414, "The request's path and query are 9,011 characters long, over the gateway's limit of 8,192.")]
    [InlineData("v1/chat/completions", 0, 1, 40_000, 431, "The request's headers are over the gateway's limits: at most 100 headers of 32,768 bytes in all (names and values).")]
    [InlineData("v1/chat/completions", 0, 150, 1, 431, "The request's headers are over the gateway's limits: at most 100 headers of 32,768 bytes in all (names and values).")]
    [InlineData("v1/messages", 0, 1, 40_000, 431, "The request's headers are over the gateway's limits: at most 100 headers of 32,768 bytes in all (names and values).")]
    [InlineData("v1/chat/completions", 0, 1, 200_000, 431, null)]
    [InlineData("v1/chat/completions", 0, 90, 300, 200, null)]
    public async Task ARequestHeadOverTheLimitsIsRefusedSayingWhich(string path, int pathPadding, int extraHeaders, int headerLength, int status, string? message)
    {
        using var http = Http();
        using var request = new HttpRequestMessage(HttpMethod.Post, path + new string('a', pathPadding)) { Content = Json("""{"model":"gpt-4o-mini","messages":[{"role":"user","content":"a big head"}]}""") };
        for (var i = 0; i < extraHeaders; i++)
        {
            request.Headers.TryAddWithoutValidation($"x-extra-{i}", new string('v', headerLength));
        }

        using var response = await http.SendAsync(request, Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal(status, (int)response.StatusCode);
        if (status == 200)
        {
            return;
        }

        if (message is null)
        {
            Assert.Equal("", body); // Kestrel's own answer, past the ceiling
            return;
        }

        using var json = JsonDocument.Parse(body);
        var error = json.RootElement.GetProperty("error");
        Assert.Equal(message, error.GetProperty("message").GetString());
        Assert.Equal(path == "v1/messages" ? "error" : null, json.RootElement.TryGetProperty("type", out var type) ? type.GetString() : null);
    }

    /// <summary>
    /// A body that names a property twice in one object is refused before anything reads it: which of the two counts
    /// differs from reader to reader, so the gateway could bill one model, limit or stream mode while the provider ran
    /// another, and every translation failed on it.
    /// </summary>
    [Theory]
    [InlineData("v1/chat/completions", """{"model":"gpt-4o","model":"gpt-4o-mini","messages":[{"role":"user","content":"named twice"}]}""")]
    [InlineData("v1/chat/completions", """{"model":"gpt-4o-mini","mod\u0065l":"gpt-4o","messages":[{"role":"user","content":"named twice"}]}""")]
    [InlineData("v1/chat/completions", """{"model":"gpt-4o-mini","messages":[{"role":"user","content":"named twice","content":"again"}]}""")]
    [InlineData("v1/responses", """{"model":"gpt-4o-mini","input":"named twice","max_output_tokens":5,"max_output_tokens":50000}""")]
    [InlineData("v1/embeddings", """{"model":"text-embedding-3-small","input":"named twice","input":"again"}""")]
    [InlineData("v1/messages", """{"model":"gpt-4o-mini","max_tokens":5,"max_tokens":50000,"messages":[{"role":"user","content":"named twice"}]}""")]
    public async Task ABodyThatNamesAPropertyTwiceIsRefusedBeforeAnythingReadsIt(string path, string body)
    {
        using var http = Http();
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = Json(body) };
        request.Headers.Add("anthropic-version", "2023-06-01");
        using var response = await http.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        var record = await _gateway.RecordAsync(response.Headers.GetValues("x-tokenwise-request-id").Single());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("names the same property twice", text, StringComparison.Ordinal);
        Assert.Equal((400, "invalid_json"), (record.Status, record.ErrorCode));
        Assert.DoesNotContain(_upstream.Received, r => r.Body.Contains("named twice", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AWrongMethodOnAnthropicsPathIsAnsweredInAnthropicsDialect()
    {
        using var http = Http();
        using var response = await http.PutAsync("v1/messages", Json("{}"), Ct);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal("error", body.RootElement.GetProperty("type").GetString());
        Assert.Equal("/v1/messages does not take PUT requests.", body.RootElement.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task ADatabaseThatCannotBeOpenedStopsStartUpNamingTheSetting()
    {
        // A file where the database's folder should be: the folder cannot be created.
        var blocker = Path.GetTempFileName();
        try
        {
            var e = await Assert.ThrowsAsync<Tokenwise.Configuration.ConfigurationException>(() =>
                TestGateway.StartAsync(new Dictionary<string, string?> { ["storage:sqlite_path"] = Path.Combine(blocker, "tokenwise.db") }));
            Assert.StartsWith($"storage.sqlite_path: the database '{Path.Combine(blocker, "tokenwise.db")}' cannot be opened: ", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(blocker);
        }
    }

    [Fact]
    public async Task AClientThatHangsUpInTheMiddleOfItsBodyIsRecordedAsCancelledNotAsABadBody()
    {
        using (var client = new System.Net.Sockets.TcpClient())
        {
            await client.ConnectAsync(_gateway.BaseUrl.Host, _gateway.BaseUrl.Port, Ct);
            var stream = client.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes(
                $"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {MasterKey}\r\nContent-Type: application/json\r\n"
                + "Content-Length: 500\r\n\r\n{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"half a bo"), Ct);
            await stream.FlushAsync(Ct);
            await Task.Delay(100, Ct);
        }

        var record = Assert.Single(await _gateway.RecordsAsync(r => r.Status == 499));
        Assert.Equal("client_cancelled", record.ErrorCode);
    }

    [Fact]
    public async Task AnUnreachableUpstreamIsA502()
    {
        await using var gateway = await TestGateway.StartAsync(new Dictionary<string, string?>
        {
            ["providers:dead:type"] = "openai-compatible",
            ["providers:dead:base_url"] = "http://127.0.0.1:9/v1",
        });
        using var http = new HttpClient { BaseAddress = gateway.BaseUrl };
        using var response = await http.PostAsync("v1/chat/completions", Json("""{"model":"dead/some-model","messages":[]}"""), Ct);
        var error = await response.Content.ReadFromJsonAsync<ErrorBody>(Ct);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("upstream_unavailable", error!.Error.Code);
    }

    [Fact]
    public async Task TheAdminApiListsTheLatestRecords()
    {
        using var http = Http();
        using (var chat = await http.PostAsync("v1/chat/completions", Json("""{"model":"fast","messages":[{"role":"user","content":"for the log"}]}"""), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
        }

        using var response = await http.GetAsync("admin/requests?limit=1", Ct);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        var entry = Assert.Single(json.RootElement.EnumerateArray());
        Assert.Equal("fast", entry.GetProperty("model").GetString());
        Assert.Equal("openai", entry.GetProperty("provider").GetString());
        Assert.Equal("gpt-4o-mini", entry.GetProperty("upstream_model").GetString());
        foreach (var field in new[] { "id", "time", "input_tokens", "cached_input_tokens", "output_tokens", "reasoning_tokens", "cost_usd", "unpriced", "estimated", "latency_ms", "ttft_ms", "status" })
        {
            Assert.True(entry.TryGetProperty(field, out _), field);
        }

    }

    /// <summary>A count outside 1–1000 or not a number at all is named in the error, never ASP.NET Core's binding message with its C# type.</summary>
    [Theory]
    [InlineData("admin/requests?limit=0", "limit must be a whole number from 1 to 1000, got '0'.")]
    [InlineData("admin/requests?limit=abc", "limit must be a whole number from 1 to 1000, got 'abc'.")]
    [InlineData("admin/requests?limit=99999999999", "limit must be a whole number from 1 to 1000, got '99999999999'.")]
    [InlineData("admin/requests?limit=1&limit=2", "limit must be a whole number from 1 to 1000, got '1,2'.")]
    [InlineData("admin/reports/spend?limit=-1", "limit must be a whole number from 1 to 1000, got '-1'.")]
    [InlineData("admin/reports/growth?top=2.5", "top must be a whole number from 1 to 1000, got '2.5'.")]
    [InlineData("admin/reports/prompt-cache?top=1001", "top must be a whole number from 1 to 1000, got '1001'.")]
    public async Task AnAdminCountThatIsNoWholeNumberInRangeIsA400NamingIt(string path, string message)
    {
        using var http = Http();
        using var response = await http.GetAsync(path, Ct);
        var error = await response.Content.ReadFromJsonAsync<ErrorBody>(Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal((message, "invalid_parameter"), (error!.Error.Message, error.Error.Code));
    }

    [Fact]
    public async Task MetricsAddUpTheUsageLogForPrometheusBehindTheMasterKey()
    {
        using var http = Http();
        foreach (var (stream, prompt) in new[] { (false, "metered, not streamed"), (true, "metered, streamed") })
        {
            using var answer = await http.PostAsync("v1/chat/completions",
                Json($$"""{"model":"fast","stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":"{{prompt}}"}]}"""), Ct);
            await answer.Content.ReadAsStringAsync(Ct);
        }

        using var unpriced = await http.PostAsync("v1/chat/completions", Json("""{"model":"openai/model-newer-than-the-catalog","messages":[{"role":"user","content":"x"}]}"""), Ct);
        using var unknown = await http.PostAsync("v1/chat/completions", Json("""{"model":"made-up-name","messages":[{"role":"user","content":"x"}]}"""), Ct);
        using var unknownUpstream = await http.PostAsync("v1/chat/completions",
            Json("""{"model":"openai/minted-name","messages":[{"role":"user","content":"#fake:err-404"}]}"""), Ct);
        var records = await _gateway.RecordsAsync(_ => true, atLeast: 5);
        using var anonymous = Http(key: null);
        using var refused = await anonymous.GetAsync("metrics", Ct);
        var metrics = await http.GetStringAsync("metrics", Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        var served = records.Where(r => r.Model == "fast").ToList();
        Assert.Equal(2, served.Count);
        Assert.Equal(2, Prometheus.Sum(metrics, "tokenwise_requests_total", ("gen_ai_request_model", "fast"), ("http_response_status_code", "200")));
        Assert.Equal(served.Sum(r => r.Usage.InputTokens), Prometheus.Sum(metrics, "gen_ai_client_token_usage_sum", ("gen_ai_request_model", "fast"), ("gen_ai_token_type", "input")));
        Assert.Equal(served.Sum(r => r.Usage.OutputTokens), Prometheus.Sum(metrics, "gen_ai_client_token_usage_sum", ("gen_ai_request_model", "fast"), ("gen_ai_token_type", "output")));
        Assert.Equal((double)served.Sum(r => r.CostUsd), Prometheus.Sum(metrics, "tokenwise_cost_usd_total", ("gen_ai_request_model", "fast")), 12);
        Assert.Equal(1, Prometheus.Sum(metrics, "gen_ai_client_operation_time_to_first_chunk_seconds_count", ("gen_ai_request_model", "fast")));
        // A model no price is known for is counted apart, so its zero cost can be alerted on; the priced one is not in it.
        Assert.Equal(HttpStatusCode.OK, unpriced.StatusCode);
        Assert.Equal(1, Prometheus.Sum(metrics, "tokenwise_requests_unpriced_total", ("gen_ai_request_model", "openai/model-newer-than-the-catalog")));
        Assert.Equal(0, Prometheus.Sum(metrics, "tokenwise_requests_unpriced_total", ("gen_ai_request_model", "fast")));
        // The client's made-up model name is not a label: anyone could mint series with it.
        Assert.DoesNotContain("made-up-name", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain("minted-name", metrics, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, unknownUpstream.StatusCode);
        // Both unknown models: the one the gateway could not resolve and the one the provider did not know.
        Assert.Equal(2, Prometheus.Sum(metrics, "gen_ai_client_operation_duration_seconds_count", ("gen_ai_request_model", "unresolved"), ("error_type", "model_not_found")));
    }

    [Fact]
    public async Task BodiesAreLoggedOnlyWhenAskedAndThenThePromptCacheReportReplaysThem()
    {
        using (var notLogged = await Http().PostAsync("v1/chat/completions", Json("""{"model":"fast","messages":[{"role":"user","content":"not kept"}]}"""), Ct))
        {
            var record = await _gateway.RecordAsync(notLogged.Headers.GetValues("x-tokenwise-request-id").Single());
            Assert.Equal((null, null), (record.RequestBody, record.ResponseBody));
        }

        await using var logging = await TestGateway.StartAsync(_upstream, new Dictionary<string, string?> { ["server:log_bodies"] = "true", ["cache:mode"] = "off" });
        using var http = new HttpClient { BaseAddress = logging.BaseUrl };
        var system = string.Concat(Enumerable.Repeat("Answer as the travel desk of ACME, in two sentences at most. ", 120));
        var bodies = new[] { false, true }.Select(stream =>
            $$"""{"model":"gpt-4o-mini","stream":{{(stream ? "true" : "false")}},"messages":[{"role":"system","content":"{{system}}"},{"role":"user","content":"trip {{stream}}"}]}""").ToList();
        foreach (var body in bodies)
        {
            using var answer = await http.PostAsync("v1/chat/completions", Json(body), Ct);
            await answer.Content.ReadAsStringAsync(Ct);
        }

        var records = (await logging.RecordsAsync(_ => true, atLeast: 2)).OrderBy(r => r.StartedAt).ThenBy(r => r.Id, StringComparer.Ordinal).ToList();
        Assert.Equal(bodies, records.Select(r => r.RequestBody));
        Assert.StartsWith("{", records[0].ResponseBody, StringComparison.Ordinal);
        Assert.StartsWith("data: ", records[1].ResponseBody, StringComparison.Ordinal);
        var row = Assert.Single((await http.GetFromJsonAsync<JsonElement>("admin/reports/prompt-cache?since=1h", Ct)).EnumerateArray());
        Assert.Equal(("gpt-4o-mini", 2, 1, 1, true), (row.GetProperty("model").GetString(), row.GetProperty("uses").GetInt32(), row.GetProperty("writes").GetInt32(),
            row.GetProperty("reads").GetInt32(), row.GetProperty("cacheable").GetBoolean()));
    }

    [Fact]
    public async Task ModelsHealthAndReadiness()
    {
        using var http = Http();
        using var models = JsonDocument.Parse(await http.GetStringAsync("v1/models", Ct));
        var ids = models.RootElement.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()).ToList();
        Assert.Equal("fast", ids[0]);
        Assert.Contains("gpt-4o-mini", ids);

        using var health = await http.GetAsync("healthz", Ct);
        using var ready = await http.GetAsync("readyz", Ct);
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (health.StatusCode, ready.StatusCode));
    }

    [Fact]
    public async Task AFullUsageLogBacklogRefusesNewRequestsUntilTheStoreCatchesUp()
    {
        // The writer waits its batch window on this clock, so records stay pending, as behind a store that refuses writes,
        // until the test moves it on.
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var gateway = await TestGateway.StartAsync(_upstream, new Dictionary<string, string?>
        {
            ["storage:batch_size"] = "5000",
            ["storage:max_pending_records"] = "1000",
        }, time: clock);
        using var http = new HttpClient { BaseAddress = gateway.BaseUrl };
        var log = gateway.Services.GetRequiredService<Metering.UsageLog>();
        var writer = gateway.Services.GetRequiredService<Hosting.UsageLogWriter>();
        for (var i = 0; i < 1000; i++)
        {
            log.Enqueue(new Metering.UsageRecord { Id = $"req_backlog_{i}", StartedAt = clock.GetUtcNow(), Endpoint = "chat.completions", Dialect = "openai", Status = 200 });
        }

        var request = """{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hello"}]}""";
        using (var refused = await http.PostAsync("v1/chat/completions", Json(request), Ct))
        using (var ready = await http.GetAsync("readyz", Ct))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Equal("5", refused.Headers.GetValues("retry-after").Single());
            using var error = JsonDocument.Parse(await refused.Content.ReadAsStringAsync(Ct));
            Assert.Equal("usage_log_backlog", error.RootElement.GetProperty("error").GetProperty("code").GetString());
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.Contains("usage_log_full", await ready.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }

        Assert.Equal((1000, 1L), (log.Pending, log.Refused)); // the refusal added no record to the backlog
        await WaitUntilAsync(() => writer.Written == 1000, clock);
        using var served = await http.PostAsync("v1/chat/completions", Json(request), Ct);
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        await WaitUntilAsync(() => writer.Written == 1001, clock);
        var id = served.Headers.GetValues("x-tokenwise-request-id").Single();
        Assert.Contains(await gateway.Services.GetRequiredService<Storage.IUsageStore>().LatestAsync(1, Ct), r => r.Id == id);
    }

    /// <summary>Moves <paramref name="clock"/> on in small steps (the usage writer's batch window runs on it) until <paramref name="condition"/> holds.</summary>
    private static async Task WaitUntilAsync(Func<bool> condition, Microsoft.Extensions.Time.Testing.FakeTimeProvider clock)
    {
        for (var waited = 0; !condition(); waited += 10)
        {
            Assert.True(waited < 10_000, "The condition did not hold within 10 s.");
            clock.Advance(TimeSpan.FromMilliseconds(100));
            await Task.Delay(10, Ct);
        }
    }
}
