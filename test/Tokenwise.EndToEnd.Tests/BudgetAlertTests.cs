using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Tokenwise.Budgets;
using Tokenwise.Hosting;
using Tokenwise.Testing;

namespace Tokenwise.EndToEnd.Tests;

/// <summary>Budget alerts reach a real webhook, retried after a failure, without the poster waiting; a dead webhook stops nothing.</summary>
public sealed class BudgetAlertTests
{
    [Fact]
    public async Task AnAlertIsPostedToTheWebhookAndRetriedAfterAFailure()
    {
        var ct = TestContext.Current.CancellationToken;
        var received = new ConcurrentQueue<string>();
        var calls = 0;
        var builder = Loopback.CreateBuilder();
        await using var webhook = builder.Build();
        webhook.MapPost("/alerts", async (HttpContext http) =>
        {
            using var reader = new StreamReader(http.Request.Body);
            var body = await reader.ReadToEndAsync();
            // The first delivery fails, as a webhook that is briefly down does.
            if (Interlocked.Increment(ref calls) == 1)
            {
                return Results.StatusCode(503);
            }

            received.Enqueue(body);
            return Results.Ok();
        });
        await webhook.StartAsync(ct);

        using var http = new HttpClient();
        using var sender = new BudgetAlertSender(new Uri(Loopback.Address(webhook), "alerts"), http, TimeProvider.System, NullLogger<BudgetAlertSender>.Instance);
        await sender.StartAsync(ct);
        sender.Post(new BudgetAlert("support-monthly", BudgetScope.Team, "support", BudgetPeriod.Month, BudgetMode.Hard, 80, 50m, 40.5m,
            new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero), DateTimeOffset.UtcNow));

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (received.IsEmpty && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, ct);
        }

        await sender.StopAsync(ct);
        Assert.Equal(2, calls);
        using var alert = JsonDocument.Parse(Assert.Single(received));
        Assert.Equal("budget.threshold_crossed", alert.RootElement.GetProperty("event").GetString());
        Assert.Equal("support-monthly", alert.RootElement.GetProperty("budget_id").GetString());
        Assert.Equal(80, alert.RootElement.GetProperty("percent").GetInt32());
        Assert.Equal(40.5m, alert.RootElement.GetProperty("spent_usd").GetDecimal());
        Assert.Equal("2026-12-01T00:00:00+00:00", alert.RootElement.GetProperty("resets_at").GetString());
    }

    [Fact]
    public async Task AWebhookThatNeverAnswersIsRetriedThenTheAlertIsDroppedAndTheNextOneStillSent()
    {
        var ct = TestContext.Current.CancellationToken;
        var received = new ConcurrentQueue<int>();
        var hung = 0;
        var builder = Loopback.CreateBuilder();
        await using var webhook = builder.Build();
        webhook.MapPost("/alerts", async (HttpContext http) =>
        {
            using var alert = await JsonDocument.ParseAsync(http.Request.Body);
            var percent = alert.RootElement.GetProperty("percent").GetInt32();
            if (percent == 80)
            {
                // Never answers this alert: only the sender's per-attempt timeout ends each try.
                Interlocked.Increment(ref hung);
                await Task.Delay(Timeout.Infinite, http.RequestAborted);
            }

            received.Enqueue(percent);
            return Results.Ok();
        });
        await webhook.StartAsync(ct);

        // Attempts are counted as the sender makes them: one cut short by its timeout before the webhook saw it still counts.
        var attempts = new CountingHandler(new SocketsHttpHandler());
        using var http = new HttpClient(attempts);
        var log = new RecordingLogger<BudgetAlertSender>();
        using var sender = new BudgetAlertSender(new Uri(Loopback.Address(webhook), "alerts"), http, TimeProvider.System, log,
            attemptTimeout: TimeSpan.FromMilliseconds(200), firstRetryDelay: TimeSpan.FromMilliseconds(1));
        await sender.StartAsync(ct);
        sender.Post(Alert(80));
        sender.Post(Alert(100));
        // Both are in the log at once, however long the webhook keeps the first.
        Assert.Equal(2, log.Messages.Count(m => m.StartsWith("Budget alert: ", StringComparison.Ordinal)));

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (received.IsEmpty && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, ct);
        }

        // The 80% alert tried once and retried five times, then dropped with a log line; the sender is still running and sent the 100% one.
        Assert.Equal([100], received);
        Assert.Equal(6 + 1, attempts.Sends);
        Assert.InRange(hung, 1, 6);
        Assert.False(sender.ExecuteTask!.IsCompleted, "the sender stopped");
        Assert.Contains(log.Messages, m => m.Contains("80% alert of budget support-monthly", StringComparison.Ordinal) && m.Contains("dropped", StringComparison.Ordinal));
        await sender.StopAsync(ct);
    }

    [Fact]
    public async Task AHardBudgetRefusingRequestsThroughTheGatewayPostsOneExhaustedAlert()
    {
        var ct = TestContext.Current.CancellationToken;
        var received = new ConcurrentQueue<string>();
        await using var webhook = Loopback.CreateBuilder().Build();
        webhook.MapPost("/alerts", async (HttpContext http) =>
        {
            using var reader = new StreamReader(http.Request.Body);
            received.Enqueue(await reader.ReadToEndAsync());
            return Results.Ok();
        });
        await webhook.StartAsync(ct);
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await TestGateway.StartAsync(upstream, new Dictionary<string, string?>
        {
            ["budgets:alert_webhook_url"] = new Uri(Loopback.Address(webhook), "alerts").ToString(),
        });
        using var http = new HttpClient { BaseAddress = gateway.BaseUrl };
        using var key = await http.PostAsJsonAsync("admin/keys", new { team = "alerted" }, ct);
        http.DefaultRequestHeaders.Authorization = new("Bearer", (await key.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("key").GetString());
        using var budget = await http.PostAsJsonAsync("admin/budgets",
            new { id = "tiny", scope = "team", target = "alerted", amount_usd = 0.000001m, period = "day", mode = "hard" }, ct);
        Assert.Equal(System.Net.HttpStatusCode.Created, budget.StatusCode);

        for (var i = 0; i < 3; i++)
        {
            using var refused = await http.PostAsync("v1/chat/completions", new StringContent(
                """{"model":"gpt-4o-mini","max_tokens":100,"messages":[{"role":"user","content":"hello"}]}""", System.Text.Encoding.UTF8, "application/json"), ct);
            Assert.Equal(System.Net.HttpStatusCode.TooManyRequests, refused.StatusCode);
        }

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (received.IsEmpty && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, ct);
        }

        await Task.Delay(300, ct); // time for any (wrong) second alert to arrive
        using var alert = JsonDocument.Parse(Assert.Single(received));
        Assert.Equal("budget.exhausted", alert.RootElement.GetProperty("event").GetString());
        Assert.Equal(("tiny", 100, 0m), (alert.RootElement.GetProperty("budget_id").GetString(), alert.RootElement.GetProperty("percent").GetInt32(),
            alert.RootElement.GetProperty("spent_usd").GetDecimal()));
    }

    private static BudgetAlert Alert(int percent) => new("support-monthly", BudgetScope.Team, "support", BudgetPeriod.Month, BudgetMode.Hard, percent, 50m,
        percent / 2m, new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero), DateTimeOffset.UtcNow);

    /// <summary>Counts the requests sent through it.</summary>
    private sealed class CountingHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        private int _sends;

        public int Sends => Volatile.Read(ref _sends);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _sends);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
