using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Tokenwise.Testing;

namespace Tokenwise.EndToEnd.Tests;

/// <summary>Budget periods and key expiry in a running gateway whose clock the test moves.</summary>
public sealed class CalendarTests : IAsyncLifetime
{
    private const string MasterKey = "tw-master-calendar";
    private readonly MovableClock _clock = new();
    private FakeUpstream _upstream = null!;
    private TestGateway _gateway = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _upstream = await FakeUpstream.StartAsync();
        _gateway = await TestGateway.StartAsync(_upstream, new Dictionary<string, string?>
        {
            ["master_key"] = MasterKey,
            ["budgets:time_zone"] = "Europe/Berlin",
        }, time: _clock);
    }

    public async ValueTask DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Fact]
    public async Task ADayBudgetInTheConfiguredTimeZoneStartsAgainAtLocalMidnight()
    {
        // 23:58 in Berlin (UTC+1 in November): the budget's day began at 23:00 UTC the day before and ends at 23:00 UTC.
        _clock.MoveTo(new DateTimeOffset(2026, 11, 25, 22, 58, 0, TimeSpan.Zero));
        var (id, secret) = await CreateKeyAsync("berlin", expiresAt: null);
        using var budget = await Admin().PostAsJsonAsync("admin/budgets",
            new { scope = "key", target = id, amount_usd = 0.0002m, period = "day", mode = "hard" }, Ct);
        Assert.Equal(HttpStatusCode.Created, budget.StatusCode);
        using (var created = JsonDocument.Parse(await budget.Content.ReadAsStringAsync(Ct)))
        {
            Assert.Equal("2026-11-25T00:00:00+01:00", created.RootElement.GetProperty("window_start").GetString());
            Assert.Equal("2026-11-26T00:00:00+01:00", created.RootElement.GetProperty("resets_at").GetString());
        }

        using var http = Client(secret);
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 50 && refused is null; i++)
        {
            var response = await ChatAsync(http);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                refused = response;
            }
            else
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                response.Dispose();
            }
        }

        Assert.NotNull(refused);
        Assert.Contains("It resets at 2026-11-25T23:00:00Z.", await refused.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        refused.Dispose();

        // Midnight in Berlin, an hour before midnight UTC: a new day, a new budget.
        _clock.MoveTo(new DateTimeOffset(2026, 11, 25, 23, 0, 0, TimeSpan.Zero));
        using var nextDay = await ChatAsync(http);
        Assert.Equal(HttpStatusCode.OK, nextDay.StatusCode);
    }

    [Fact]
    public async Task ABudgetListProjectsThePeriodsSpendAtTheRateSoFar()
    {
        // Eleven days into November in Berlin (the month began at 23:00 UTC on 31 October), nineteen to go.
        _clock.MoveTo(new DateTimeOffset(2026, 11, 11, 23, 0, 0, TimeSpan.Zero));
        var (id, secret) = await CreateKeyAsync("forecast", expiresAt: null);
        using (var created = await Admin().PostAsJsonAsync("admin/budgets", new { scope = "key", target = id, amount_usd = 5m, period = "month" }, Ct))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        using var http = Client(secret);
        for (var i = 0; i < 3; i++)
        {
            using var answer = await ChatAsync(http);
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        }

        // The clock runs on in real time, so "now" is a little past eleven days when the gateway projects: the projection
        // lies between the straight line at the moments just before and just after the request. (Asserting exactly
        // current × 30 / 11 failed when that landed on a half-millionth that the extra seconds rounded the other way.)
        var before = _clock.GetUtcNow();
        var budget = (await Admin().GetFromJsonAsync<JsonElement>("admin/budgets", Ct)).EnumerateArray().Single(b => b.GetProperty("target").GetString() == id);
        var after = _clock.GetUtcNow();
        var current = budget.GetProperty("current_usd").GetDecimal();
        Assert.True(current > 0m);
        var monthStart = new DateTimeOffset(2026, 10, 31, 23, 0, 0, TimeSpan.Zero);
        decimal Projection(DateTimeOffset now) => decimal.Round(current * 30 * 86_400 / (decimal)(now - monthStart).TotalSeconds, 6);
        Assert.InRange(budget.GetProperty("projected_usd").GetDecimal(), Projection(after), Projection(before));
        Assert.Equal(JsonValueKind.Null, budget.GetProperty("exhausts_at").ValueKind); // fractions of a cent against $5
    }

    [Fact]
    public async Task AnExpiredKeyIsRefusedWith401InTheClientsDialect()
    {
        _clock.MoveTo(new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero));
        var (_, secret) = await CreateKeyAsync("expiring", expiresAt: new DateTimeOffset(2026, 6, 1, 13, 0, 0, TimeSpan.Zero));
        using var http = Client(secret);
        using (var working = await ChatAsync(http))
        {
            Assert.Equal(HttpStatusCode.OK, working.StatusCode);
        }

        _clock.MoveTo(new DateTimeOffset(2026, 6, 1, 13, 0, 1, TimeSpan.Zero));
        using var openai = await ChatAsync(http);
        Assert.Equal(HttpStatusCode.Unauthorized, openai.StatusCode);
        using (var body = JsonDocument.Parse(await openai.Content.ReadAsStringAsync(Ct)))
        {
            var error = body.RootElement.GetProperty("error");
            Assert.Equal("invalid_api_key", error.GetProperty("code").GetString());
            Assert.Contains("expired at 2026-06-01T13:00:00Z", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        using var anthropicClient = new HttpClient { BaseAddress = _gateway.BaseUrl };
        anthropicClient.DefaultRequestHeaders.Add("x-api-key", secret);
        anthropicClient.DefaultRequestHeaders.Add("anthropic-version", "2023-06-01");
        using var anthropic = await anthropicClient.PostAsync("v1/messages", new StringContent(
            """{"model":"claude-haiku-4-5","max_tokens":16,"messages":[{"role":"user","content":"hello"}]}""", Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, anthropic.StatusCode);
        using (var body = JsonDocument.Parse(await anthropic.Content.ReadAsStringAsync(Ct)))
        {
            Assert.Equal("error", body.RootElement.GetProperty("type").GetString());
            Assert.Equal("authentication_error", body.RootElement.GetProperty("error").GetProperty("type").GetString());
            Assert.Contains("expired at", body.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        using var listed = await Admin().GetAsync("admin/keys", Ct);
        var key = (await listed.Content.ReadFromJsonAsync<JsonElement>(Ct)).EnumerateArray().Single(k => k.GetProperty("team").GetString() == "expiring");
        Assert.False(key.GetProperty("active").GetBoolean());
    }

    private async Task<(string Id, string Secret)> CreateKeyAsync(string team, DateTimeOffset? expiresAt)
    {
        using var created = await Admin().PostAsJsonAsync("admin/keys", new { team, expires_at = expiresAt }, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var key = await created.Content.ReadFromJsonAsync<JsonElement>(Ct);
        return (key.GetProperty("id").GetString()!, key.GetProperty("key").GetString()!);
    }

    /// <summary>A chat request with a prompt of its own, so the response cache never answers it.</summary>
    private static Task<HttpResponseMessage> ChatAsync(HttpClient http) => http.PostAsync("v1/chat/completions", new StringContent(
        $$"""{"model":"gpt-4o-mini","max_tokens":100,"messages":[{"role":"user","content":"hello {{Guid.NewGuid()}}"}]}""", Encoding.UTF8, "application/json"), Ct);

    private HttpClient Client(string key)
    {
        var http = new HttpClient { BaseAddress = _gateway.BaseUrl };
        http.DefaultRequestHeaders.Authorization = new("Bearer", key);
        return http;
    }

    private HttpClient Admin() => Client(MasterKey);
}
