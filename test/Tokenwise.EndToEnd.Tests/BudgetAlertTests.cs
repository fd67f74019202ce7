using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Tokenwise.Budgets;
using Tokenwise.Hosting;
using Tokenwise.Testing;

namespace Tokenwise.EndToEnd.Tests;

/// <summary>Budget alerts reach a real webhook, retried after a failure, without the poster waiting.</summary>
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
}
