using System.ClientModel;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using OpenAI;
using OpenAI.Chat;
using Tokenwise.Access;
using Tokenwise.Testing;

namespace Tokenwise.EndToEnd.Tests;

/// <summary>Virtual keys, budgets, rate limits and outcomes through the real gateway, with a master key set.</summary>
public sealed class AccessTests : IAsyncLifetime
{
    private const string MasterKey = "tw-master-test-key";
    private FakeUpstream _upstream = null!;
    private FakeAnthropicUpstream _anthropic = null!;
    private TestGateway _gateway = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _upstream = await FakeUpstream.StartAsync();
        _anthropic = await FakeAnthropicUpstream.StartAsync();
        _gateway = await TestGateway.StartAsync(_upstream, _anthropic, new Dictionary<string, string?> { ["master_key"] = MasterKey }, configYaml: """
            models:
              - name: support-fast
                provider: openai
                upstream_model: gpt-4.1-nano
            """);
    }

    public async ValueTask DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _upstream.DisposeAsync();
        await _anthropic.DisposeAsync();
    }

    [Fact]
    public async Task AKeyIsStoredHashedAttributesItsRequestsAndIsRefusedOnceRevokedOrRotated()
    {
        var key = await CreateKeyAsync("support");
        var secret = key.GetProperty("key").GetString()!;
        var id = key.GetProperty("id").GetString()!;

        var answer = await Chat(secret).CompleteChatAsync([new UserChatMessage("hello")], cancellationToken: Ct);
        answer.GetRawResponse().Headers.TryGetValue("x-tokenwise-request-id", out var requestId);
        var record = await _gateway.RecordAsync(requestId!);
        Assert.Equal((id, "support"), (record.KeyId, record.Team));

        // The database holds the key's SHA-256, never the key.
        using (var db = new SqliteConnection($"Data Source={Path.Combine(_gateway.Directory, "tokenwise.db")}"))
        {
            await db.OpenAsync(Ct);
            using var query = db.CreateCommand();
            query.CommandText = "SELECT hash, prefix FROM virtual_keys WHERE id = $id";
            query.Parameters.AddWithValue("$id", id);
            using var reader = await query.ExecuteReaderAsync(Ct);
            Assert.True(await reader.ReadAsync(Ct));
            Assert.Equal(KeySecret.Hash(secret), reader.GetString(0));
            Assert.NotEqual(secret, reader.GetString(1));
        }

        Assert.DoesNotContain(secret, await File.ReadAllTextAsync(Path.Combine(_gateway.Directory, "tokenwise.db"), Ct), StringComparison.Ordinal);

        var listed = await Admin().GetStringAsync("admin/keys", Ct);
        Assert.DoesNotContain(secret, listed, StringComparison.Ordinal);
        Assert.DoesNotContain(KeySecret.Hash(secret), listed, StringComparison.Ordinal);

        // Rotation: the old secret stops at once, the new one works.
        using var rotation = await Admin().PostAsync($"admin/keys/{id}/rotate", null, Ct);
        var rotated = (await rotation.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("key").GetString()!;
        await AssertRefusedAsync(secret, 401);
        await Chat(rotated).CompleteChatAsync([new UserChatMessage("hello again")], cancellationToken: Ct);

        using var revocation = await Admin().PostAsync($"admin/keys/{id}/revoke", null, Ct);
        Assert.Equal(HttpStatusCode.OK, revocation.StatusCode);
        var refused = await AssertRefusedAsync(rotated, 401);
        Assert.Contains("was revoked", refused, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AKeyLimitedToSomeModelsIsRefusedOthers()
    {
        using var created = await Admin().PostAsJsonAsync("admin/keys", new { team = "search", allowed_models = new[] { "gpt-4o-mini" } }, Ct);
        var secret = (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("key").GetString()!;
        await Chat(secret).CompleteChatAsync([new UserChatMessage("hi")], cancellationToken: Ct);
        var error = await Assert.ThrowsAsync<ClientResultException>(() => Chat(secret, "o3-mini").CompleteChatAsync([new UserChatMessage("hi")], cancellationToken: Ct));
        Assert.Equal(403, error.Status);
    }

    [Fact]
    public async Task ConcurrentRequestsStreamedAndNotNeverSettleAboveAHardTeamBudget()
    {
        const decimal amount = 0.0005m;
        var secret = (await CreateKeyAsync("agents")).GetProperty("key").GetString()!;
        using var budget = await Admin().PostAsJsonAsync("admin/budgets",
            new { id = "agents-daily", scope = "team", target = "agents", amount_usd = amount, period = "day", mode = "hard" }, Ct);
        Assert.Equal(HttpStatusCode.Created, budget.StatusCode);

        using var http = new HttpClient { BaseAddress = _gateway.BaseUrl };
        http.DefaultRequestHeaders.Authorization = new("Bearer", secret);
        var statuses = new ConcurrentBag<HttpStatusCode>();
        string? rejection = null;
        HttpResponseMessage? rejected = null;
        await Parallel.ForAsync(0, 300, new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = Ct }, async (i, ct) =>
        {
            var random = new Random(i);
            var words = string.Join(' ', Enumerable.Repeat("please", random.Next(1, 400)));
            var response = await http.PostAsync("v1/chat/completions", new StringContent(
                $$"""{"model":"gpt-4o-mini","stream":{{(i % 2 == 0 ? "true" : "false")}},"max_tokens":{{random.Next(16, 600)}},"messages":[{"role":"user","content":"{{words}}"}]}""",
                System.Text.Encoding.UTF8, "application/json"), ct);
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests && Interlocked.CompareExchange(ref rejected, response, null) is null)
            {
                rejection = await response.Content.ReadAsStringAsync(ct);
                return;
            }

            await response.Content.ReadAsStringAsync(ct); // streamed answers are read to the end
            response.Dispose();
        });

        Assert.Contains(HttpStatusCode.OK, statuses);
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        var records = await _gateway.RecordsAsync();
        var spent = records.Where(r => r.Team == "agents").Sum(r => r.CostUsd);
        Assert.True(spent <= amount, $"the team spent {spent}, over its budget of {amount}");

        // OpenAI's error body, with when the budget starts again.
        using var error = JsonDocument.Parse(rejection!);
        Assert.Equal("budget_exceeded", error.RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Contains("It resets at", error.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.True(long.Parse(rejected!.Headers.GetValues("retry-after").Single(), System.Globalization.CultureInfo.InvariantCulture) > 0);
        rejected.Dispose();

        using var listed = await Admin().GetAsync("admin/budgets", Ct);
        var current = (await listed.Content.ReadFromJsonAsync<JsonElement>(Ct))[0].GetProperty("current_usd").GetDecimal();
        Assert.Equal(spent, current);
    }

    [Fact]
    public async Task AHardBudgetRefusesAModelNoPriceIsKnownForInTheClientsErrorFormatAndLogsTheRefusal()
    {
        var secret = (await CreateKeyAsync("newmodels")).GetProperty("key").GetString()!;
        using var budget = await Admin().PostAsJsonAsync("admin/budgets",
            new { id = "newmodels-daily", scope = "team", target = "newmodels", amount_usd = 1, period = "day", mode = "hard" }, Ct);
        Assert.Equal(HttpStatusCode.Created, budget.StatusCode);

        // A model newer than the catalog would cost 0 in the log and against the budget, however much the provider bills.
        var refused = await Assert.ThrowsAsync<ClientResultException>(() =>
            Chat(secret, "openai/model-newer-than-the-catalog").CompleteChatAsync([new UserChatMessage("hi")], cancellationToken: Ct));
        Assert.Equal(403, refused.Status);
        using var body = JsonDocument.Parse(refused.GetRawResponse()!.Content.ToString());
        var error = body.RootElement.GetProperty("error");
        Assert.Equal(("model_not_priced", "permission_error"), (error.GetProperty("code").GetString(), error.GetProperty("type").GetString()));
        Assert.Contains("openai/model-newer-than-the-catalog", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("newmodels-daily", error.GetProperty("message").GetString(), StringComparison.Ordinal);

        await Chat(secret).CompleteChatAsync([new UserChatMessage("hi")], cancellationToken: Ct); // a priced model passes
        var records = await _gateway.RecordsAsync(r => r.Team == "newmodels", atLeast: 2);
        Assert.Equal([200, 403], records.Select(r => r.Status).Order());
    }

    [Fact]
    public async Task CallsPricedByTheHourCannotOverspendAHardBudgetEvenWhenTheyRunToTheTimeout()
    {
        // $3.60 an hour is $0.001 a second, and no call may last more than 1 s (the total timeout): the budget holds
        // exactly one call's worth, so while one runs every other is refused.
        await using var gateway = await TestGateway.StartAsync(new Dictionary<string, string?>
        {
            ["master_key"] = MasterKey,
            ["providers:gpu:type"] = "openai-compatible",
            ["providers:gpu:base_url"] = _upstream.BaseUrl.ToString(),
            ["providers:gpu:api_key"] = FakeUpstream.ApiKey,
            ["providers:gpu:local"] = "true",
            ["providers:gpu:cost_per_hour_usd"] = "3.6",
            ["upstream:total_timeout_seconds"] = "1",
        });
        var secret = (await CreateKeyAsync("gpu-team", gateway)).GetProperty("key").GetString()!;
        using var budget = await Admin(gateway).PostAsJsonAsync("admin/budgets",
            new { scope = "team", target = "gpu-team", amount_usd = 0.001m, period = "day", mode = "hard" }, Ct);
        Assert.Equal(HttpStatusCode.Created, budget.StatusCode);

        // Each stream stalls after two chunks until the total timeout ends it: each call costs the most it can.
        using var http = new HttpClient { BaseAddress = gateway.BaseUrl };
        http.DefaultRequestHeaders.Authorization = new("Bearer", secret);
        var statuses = new ConcurrentBag<HttpStatusCode>();
        await Parallel.ForAsync(0, 8, new ParallelOptions { CancellationToken = Ct }, async (i, ct) =>
        {
            using var response = await http.PostAsync("v1/chat/completions", new StringContent(
                $$"""{"model":"gpu/gpt-4o-mini","stream":true,"max_tokens":50,"messages":[{"role":"user","content":"#fake:stall run {{i}}"}]}""",
                System.Text.Encoding.UTF8, "application/json"), ct);
            await response.Content.ReadAsStringAsync(ct);
            statuses.Add(response.StatusCode);
        });

        var records = (await gateway.RecordsAsync()).Where(r => r.Team == "gpu-team").ToList();
        var spent = records.Sum(r => r.CostUsd);
        Assert.True(spent <= 0.001m, $"the team spent {spent}, over its budget of 0.001");
        Assert.Contains(records, r => r.CostUsd > 0 && r.ErrorCode == "upstream_timeout");
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
    }

    [Fact]
    public async Task ARateLimitRejectionIsA429InOpenAIsDialectWithTheLimitAndReset()
    {
        var key = await CreateKeyAsync("ratelimited");
        using var limit = await Admin().PostAsJsonAsync("admin/rate-limits",
            new { scope = "key", target = key.GetProperty("id").GetString(), requests_per_minute = 1 }, Ct);
        Assert.Equal(HttpStatusCode.Created, limit.StatusCode);
        var chat = Chat(key.GetProperty("key").GetString()!);
        var first = await chat.CompleteChatAsync([new UserChatMessage("one")], cancellationToken: Ct);
        first.GetRawResponse().Headers.TryGetValue("x-ratelimit-remaining-requests", out var remaining);
        Assert.Equal("0", remaining);

        var error = await Assert.ThrowsAsync<ClientResultException>(() => chat.CompleteChatAsync([new UserChatMessage("two")], cancellationToken: Ct));
        Assert.Equal(429, error.Status);
        var raw = error.GetRawResponse()!;
        using var body = JsonDocument.Parse(raw.Content.ToString());
        Assert.Equal("rate_limit_exceeded", body.RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Contains("allows 1 requests per minute", body.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.True(raw.Headers.TryGetValue("retry-after", out _));
        Assert.True(raw.Headers.TryGetValue("x-ratelimit-reset-requests", out _));
    }

    [Fact]
    public async Task AModelRateLimitCannotBeDodgedWithAProviderPrefixAnAliasOrAnotherCase()
    {
        // One request to gpt-4.1-nano (used by no other test here) in flight at a time, however it is named.
        using var limit = await Admin().PostAsJsonAsync("admin/rate-limits", new { scope = "model", target = "gpt-4.1-nano", max_concurrent = 1 }, Ct);
        Assert.Equal(HttpStatusCode.Created, limit.StatusCode);
        using var running = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var first = Chat(MasterKey, "gpt-4.1-nano").CompleteChatAsync([new UserChatMessage("#fake:slow-30000 hold the model")], cancellationToken: running.Token);
        using (var reached = CancellationTokenSource.CreateLinkedTokenSource(Ct))
        {
            reached.CancelAfter(TimeSpan.FromSeconds(30)); // a request that failed before the upstream would otherwise be waited for forever
            while (!_upstream.Received.Any(r => r.Body.Contains("hold the model", StringComparison.Ordinal)))
            {
                Assert.False(first.IsCompleted, "the held request ended before it reached the upstream");
                await Task.Delay(20, reached.Token);
            }
        }

        foreach (var name in new[] { "openai/gpt-4.1-nano", "support-fast", "GPT-4.1-NANO" })
        {
            var error = await Assert.ThrowsAsync<ClientResultException>(() => Chat(MasterKey, name).CompleteChatAsync([new UserChatMessage("me too")], cancellationToken: Ct));
            Assert.Equal(429, error.Status);
            Assert.Contains("model 'gpt-4.1-nano' rate limit", error.Message, StringComparison.Ordinal);
        }

        await running.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
    }

    [Fact]
    public async Task RejectionsInAnthropicsDialectCarryItsErrorBodyTheStatusAndTheReset()
    {
        var key = await CreateKeyAsync("claude-team");
        var secret = key.GetProperty("key").GetString()!;
        using var limit = await Admin().PostAsJsonAsync("admin/rate-limits",
            new { scope = "key", target = key.GetProperty("id").GetString(), requests_per_minute = 1 }, Ct);
        var client = new global::Anthropic.AnthropicClient { BaseUrl = _gateway.BaseUrl.ToString().TrimEnd('/'), ApiKey = secret, MaxRetries = 0 };
        var request = new global::Anthropic.Models.Messages.MessageCreateParams
        {
            Model = "claude-haiku-4-5",
            MaxTokens = 64,
            Messages = [new global::Anthropic.Models.Messages.UserMessageParam("hello")],
        };
        await client.Messages.Create(request, Ct);

        // The official SDK raises its typed rate-limit error.
        var limited = await Assert.ThrowsAsync<global::Anthropic.Exceptions.AnthropicRateLimitException>(() => client.Messages.Create(request, Ct));
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);

        // The body is Anthropic's error shape, with the limit and when it resets; retry-after says when to come back.
        using var http = new HttpClient { BaseAddress = _gateway.BaseUrl };
        http.DefaultRequestHeaders.Add("x-api-key", secret);
        http.DefaultRequestHeaders.Add("anthropic-version", "2023-06-01");
        using var response = await http.PostAsync("v1/messages", new StringContent(
            """{"model":"claude-haiku-4-5","max_tokens":64,"messages":[{"role":"user","content":"hello"}]}""", System.Text.Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal("error", body.RootElement.GetProperty("type").GetString());
        Assert.Equal("rate_limit_error", body.RootElement.GetProperty("error").GetProperty("type").GetString());
        Assert.Contains("allows 1 requests per minute", body.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("It resets at", body.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);

        // A hard budget gates the Anthropic endpoint the same way.
        var spender = (await CreateKeyAsync("tiny")).GetProperty("key").GetString()!;
        using var budget = await Admin().PostAsJsonAsync("admin/budgets",
            new { scope = "team", target = "tiny", amount_usd = 0.000001m, period = "month" }, Ct);
        http.DefaultRequestHeaders.Remove("x-api-key");
        http.DefaultRequestHeaders.Add("x-api-key", spender);
        using var refused = await http.PostAsync("v1/messages", new StringContent(
            """{"model":"claude-haiku-4-5","max_tokens":64,"messages":[{"role":"user","content":"hello"}]}""", System.Text.Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        using var refusal = JsonDocument.Parse(await refused.Content.ReadAsStringAsync(Ct));
        Assert.Contains("Budget exceeded", refusal.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("It resets at", refusal.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.NotEmpty(await _gateway.RecordsAsync(r => r.Dialect == "anthropic" && r.Team == "tiny" && r.ErrorCode == "budget_exceeded" && r.Status == 429));
    }

    [Fact]
    public async Task CostPerSuccessfulOutcomeEqualsAHandComputation()
    {
        var secret = (await CreateKeyAsync("support")).GetProperty("key").GetString()!;
        using var http = new HttpClient { BaseAddress = _gateway.BaseUrl };
        http.DefaultRequestHeaders.Authorization = new("Bearer", secret);

        // Three tickets: T1 takes two requests and is resolved, T2 one and is resolved, T3 two and fails.
        var costs = new Dictionary<string, decimal>();
        foreach (var (ticket, question) in new[] { ("T1", "reset my password"), ("T1", "it still fails"), ("T2", "invoice copy"), ("T3", "refund"), ("T3", "refund now") })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions")
            {
                Content = JsonContent.Create(new { model = "gpt-4o-mini", messages = new[] { new { role = "user", content = question } } }),
            };
            request.Headers.Add("x-tokenwise-outcome", ticket);
            request.Headers.Add("x-tokenwise-tags", "feature=support-bot, env=test");
            using var response = await http.SendAsync(request, Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var cost = decimal.Parse(response.Headers.GetValues("x-tokenwise-cost-usd").Single(), System.Globalization.CultureInfo.InvariantCulture);
            costs[ticket] = costs.GetValueOrDefault(ticket) + cost;
        }

        foreach (var (ticket, status) in new[] { ("T1", "success"), ("T2", "success"), ("T3", "failure") })
        {
            using var reported = await http.PostAsJsonAsync("v1/outcomes", new { outcome_id = ticket, workflow = "ticket-resolution", status }, Ct);
            Assert.Equal(HttpStatusCode.Created, reported.StatusCode);
        }

        using var bad = await http.PostAsJsonAsync("v1/outcomes", new { outcome_id = "T4", workflow = "ticket-resolution", status = "maybe" }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);

        await _gateway.RecordsAsync(); // the writer has stored every record
        var report = await Admin().GetFromJsonAsync<JsonElement>("admin/reports/outcomes?since=1d", Ct);
        var row = report.EnumerateArray().Single(r => r.GetProperty("workflow").GetString() == "ticket-resolution");
        var total = costs.Values.Sum();
        Assert.Equal(3, row.GetProperty("outcomes").GetInt64());
        Assert.Equal(2, row.GetProperty("successes").GetInt64());
        Assert.Equal(5, row.GetProperty("requests").GetInt64());
        Assert.Equal(total, row.GetProperty("spend_usd").GetDecimal());
        Assert.Equal(total / 2, row.GetProperty("cost_per_success_usd").GetDecimal());
        Assert.Equal(costs["T3"], row.GetProperty("failed_spend_usd").GetDecimal());

        var byTag = await Admin().GetFromJsonAsync<JsonElement>("admin/reports/spend?since=1d&by=tag:feature", Ct);
        Assert.Equal(total, byTag.EnumerateArray().Single(r => r.GetProperty("group").GetString() == "support-bot").GetProperty("cost_usd").GetDecimal());
    }

    [Fact]
    public async Task DeletingABudgetLeavesTheRateLimitOfTheSameIdAndTheReverse()
    {
        using (var budget = await Admin().PostAsJsonAsync("admin/budgets", new { id = "shared-id", scope = "team", target = "t", amount_usd = 5 }, Ct))
        using (var limit = await Admin().PostAsJsonAsync("admin/rate-limits", new { id = "shared-id", scope = "team", target = "t", requests_per_minute = 5 }, Ct))
        {
            Assert.Equal((HttpStatusCode.Created, HttpStatusCode.Created), (budget.StatusCode, limit.StatusCode));
        }

        using var deleted = await Admin().DeleteAsync("admin/budgets/shared-id", Ct);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.DoesNotContain((await Admin().GetFromJsonAsync<JsonElement>("admin/budgets", Ct)).EnumerateArray(), b => b.GetProperty("id").GetString() == "shared-id");
        Assert.Contains((await Admin().GetFromJsonAsync<JsonElement>("admin/rate-limits", Ct)).EnumerateArray(), l => l.GetProperty("id").GetString() == "shared-id");

        // A budget's id on the rate-limit route, and the reverse, name nothing there.
        using var budgetId = await Admin().PostAsJsonAsync("admin/budgets", new { id = "only-a-budget", scope = "team", target = "t", amount_usd = 5 }, Ct);
        using var wrongRoute = await Admin().DeleteAsync("admin/rate-limits/only-a-budget", Ct);
        Assert.Equal(HttpStatusCode.NotFound, wrongRoute.StatusCode);
        Assert.Contains("no rate limit 'only-a-budget'", await wrongRoute.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Contains((await Admin().GetFromJsonAsync<JsonElement>("admin/budgets", Ct)).EnumerateArray(), b => b.GetProperty("id").GetString() == "only-a-budget");
        using var limitDeleted = await Admin().DeleteAsync("admin/rate-limits/shared-id", Ct);
        Assert.Equal(HttpStatusCode.NoContent, limitDeleted.StatusCode);
    }

    [Fact]
    public async Task BadAdminInputIsA400ThatSaysWhy()
    {
        using var noTeam = await Admin().PostAsJsonAsync("admin/keys", new { name = "x" }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, noTeam.StatusCode);
        Assert.Contains("team is required", await noTeam.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);

        using var badPeriod = await Admin().PostAsJsonAsync("admin/budgets", new { scope = "team", target = "a", amount_usd = 1, period = "fortnight" }, Ct);
        Assert.Contains("period must be one of hour, day, week, month, lifetime", await badPeriod.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);

        // Past what the log stores (whole picodollars in 64 bits) an amount was a 500; below one picodollar, stored as $0.
        foreach (var amount in new[] { 1e20m, 9_300_000m, 0.0000000000001m })
        {
            using var outOfRange = await Admin().PostAsJsonAsync("admin/budgets", new { scope = "team", target = "a", amount_usd = amount }, Ct);
            Assert.Equal(HttpStatusCode.BadRequest, outOfRange.StatusCode);
            Assert.Contains("amount_usd must be from 0.000000000001 (one picodollar) to 9223372.04 USD", await outOfRange.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }

        using var badTag = await Admin().PostAsJsonAsync("admin/budgets", new { scope = "tag", target = "feature", amount_usd = 1 }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, badTag.StatusCode);

        using var malformed = await Admin().PostAsync("admin/keys", new StringContent("{\"team\": ", System.Text.Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        using (var error = JsonDocument.Parse(await malformed.Content.ReadAsStringAsync(Ct)))
        {
            Assert.Contains("JSON", error.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        using var zeroLimit = await Admin().PostAsJsonAsync("admin/rate-limits", new { scope = "key", target = "k", tokens_per_minute = 0 }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, zeroLimit.StatusCode);
        Assert.Contains("tokens_per_minute must be at least 1, got 0.", await zeroLimit.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);

        using var noKey = new HttpClient { BaseAddress = _gateway.BaseUrl };
        using var unauthorized = await noKey.GetAsync("admin/keys", Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);

        // Each kind of error has its code, for scripts to branch on.
        using var missing = await Admin().DeleteAsync("admin/budgets/no-such-budget", Ct);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(("invalid_parameter", "invalid_parameter", "invalid_body", "invalid_api_key", "not_found"),
            (await CodeAsync(badTag), await CodeAsync(zeroLimit), await CodeAsync(malformed), await CodeAsync(unauthorized), await CodeAsync(missing)));

        static async Task<string?> CodeAsync(HttpResponseMessage response) =>
            (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("error").GetProperty("code").GetString();
    }

    private async Task<JsonElement> CreateKeyAsync(string team, TestGateway? gateway = null)
    {
        using var created = await Admin(gateway).PostAsJsonAsync("admin/keys", new { name = team + "-app", team }, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return await created.Content.ReadFromJsonAsync<JsonElement>(Ct);
    }

    private async Task<string> AssertRefusedAsync(string secret, int status)
    {
        var error = await Assert.ThrowsAsync<ClientResultException>(() => Chat(secret).CompleteChatAsync([new UserChatMessage("hello")], cancellationToken: Ct));
        Assert.Equal(status, error.Status);
        return error.Message;
    }

    /// <summary>A body the admin API cannot bind is explained in JSON's terms, never by the C# types it binds to.</summary>
    [Theory]
    [InlineData("admin/budgets", "[]", "The request body must be a JSON object.")]
    [InlineData("admin/budgets", "null", "The request body must be a JSON object; it was empty or null.")]
    [InlineData("admin/keys", "", "The request body must be a JSON object; it was empty or null.")]
    [InlineData("admin/budgets", """{"scope":"key","target":"k","amount_usd":1e30,"period":"day"}""", "The request body's value at $.amount_usd is not of the type or in the range it must be.")]
    [InlineData("admin/keys", """{"team":"a","metadata":{"owner":1}}""", "The request body's value at $.metadata.owner is not of the type or in the range it must be.")]
    [InlineData("admin/rate-limits", """{"scope":"key","target":"k","requests_per_minute":true}""", "The request body's value at $.requests_per_minute is not of the type or in the range it must be.")]
    [InlineData("admin/keys", """{"team": """, "The request body is not valid JSON: Expected depth to be zero at the end of the JSON payload.")]
    public async Task AnAdminBodyThatCannotBeBoundIsA400SayingWhereInJsonsTerms(string path, string body, string message)
    {
        using var response = await Admin().PostAsync(path, new StringContent(body, System.Text.Encoding.UTF8, "application/json"), Ct);
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("error");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_body", error.GetProperty("code").GetString());
        Assert.StartsWith(message, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Tokenwise.", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    public static TheoryData<string, string, string> UnboundedPolicies() => new()
    {
        { "admin/keys", """{"team":"a","allowed_models":[null]}""", "allowed_models must be model names of 1 to 200 characters, as clients address them; got null." },
        { "admin/keys", """{"team":"a","allowed_models":["gpt-4o-mini"," "]}""", "allowed_models must be model names of 1 to 200 characters, as clients address them; got ' '." },
        { "admin/keys", $$"""{"team":"{{new string('t', 201)}}"}""", "team must be at most 200 characters." },
        { "admin/keys", $$"""{"team":"a","name":"{{new string('n', 201)}}"}""", "name must be at most 200 characters." },
        { "admin/keys", """{"team":"a","metadata":{"":"x"}}""", "metadata must be strings with names of 1 to 64 characters and values of at most 512, as tags; '' is not." },
        { "admin/keys", """{"team":"a","metadata":{"owner":null}}""", "metadata must be strings with names of 1 to 64 characters and values of at most 512, as tags; 'owner' is not." },
        { "admin/keys", "{\"team\":\"a\",\"metadata\":{" + string.Join(',', Enumerable.Range(0, 33).Select(i => $"\"m{i}\":\"v\"")) + "}}", "metadata may hold at most 32 pairs, as a request's tags; got 33." },
        { "admin/budgets", $$"""{"scope":"team","target":"{{new string('t', 201)}}","amount_usd":1}""", "target must be at most 200 characters." },
        { "admin/budgets", $$"""{"scope":"tag","target":"feature={{new string('v', 513)}}","amount_usd":1}""", "A tag budget's target is a tag: a name of at most 64 characters and a value of at most 512." },
        { "admin/budgets", """{"scope":"tag","target":"feature","amount_usd":1}""", "A tag budget's target is name=value, e.g. feature=triage; got 'feature'." },
        { "admin/budgets", """{"scope":"tag","target":"=triage","amount_usd":1}""", "A tag budget's target is name=value, e.g. feature=triage; got '=triage'." },
        { "admin/budgets", """{"scope":"tag","target":"feature=","amount_usd":1}""", "A tag budget's target is name=value, e.g. feature=triage; got 'feature='." },
        { "admin/budgets", """{"scope":"tag","target":"feature=a=","amount_usd":1}""", "A tag budget's target is name=value, e.g. feature=triage; got 'feature=a='." },
        { "admin/budgets", $$"""{"id":"{{new string('i', 201)}}","scope":"team","target":"t","amount_usd":1}""", "id must be at most 200 characters." },
        { "admin/rate-limits", $$"""{"scope":"model","target":"{{new string('m', 201)}}","requests_per_minute":1}""", "target must be at most 200 characters." },
        { "v1/outcomes", $$"""{"outcome_id":"{{new string('o', 201)}}","workflow":"w","status":"success"}""", "outcome_id must be at most 200 characters." },
        { "v1/outcomes", $$"""{"outcome_id":"o","workflow":"{{new string('w', 201)}}","status":"success"}""", "workflow must be at most 200 characters." },
    };

    /// <summary>
    /// A key, budget, limit or outcome is refused when it names more than a request could carry, or is a key that could use
    /// no model (a blank allowed model); the message names the field.
    /// </summary>
    [Theory]
    [MemberData(nameof(UnboundedPolicies))]
    public async Task AnAdminChangeThatCouldNotBeUsedOrShownIsRefusedNamingTheField(string path, string body, string message)
    {
        using var response = await Admin().PostAsync(path, new StringContent(body, System.Text.Encoding.UTF8, "application/json"), Ct);
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("error");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(("invalid_parameter", message), (error.GetProperty("code").GetString(), error.GetProperty("message").GetString()));
    }

    private HttpClient Admin(TestGateway? gateway = null)
    {
        var http = new HttpClient { BaseAddress = (gateway ?? _gateway).BaseUrl };
        http.DefaultRequestHeaders.Authorization = new("Bearer", MasterKey);
        return http;
    }

    private ChatClient Chat(string key, string model = "gpt-4o-mini") => new(model, new ApiKeyCredential(key), new OpenAIClientOptions
    {
        Endpoint = _gateway.OpenAIBaseUrl,
        RetryPolicy = new System.ClientModel.Primitives.ClientRetryPolicy(maxRetries: 0),
    });
}
