using System.Diagnostics;
using System.Text.Json;
using Tokenwise.Metering;
using Tokenwise.Storage.Sqlite;

namespace Tokenwise.EndToEnd.Tests;

/// <summary>The <c>tokenwise</c> command as a user runs it: a separate process.</summary>
public sealed class CliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tokenwise-cli-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    private static async Task<(int Exit, string Out, string Err)> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "tokenwise.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment.Remove("OPENAI_API_KEY");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    [Fact]
    public async Task ReportSpendGroupsTheLogAsJsonCsvAndTable()
    {
        var db = Path.Combine(_dir, "usage.db");
        var store = new SqliteUsageStore(db);
        await store.InitializeAsync(TestContext.Current.CancellationToken);
        var now = DateTimeOffset.UtcNow;
        await store.AppendAsync(
        [
            new UsageRecord { Id = "1", StartedAt = now.AddMinutes(-5), Endpoint = "chat.completions", Dialect = "openai", Model = "gpt-4o-mini", Provider = "openai", Status = 200, CostUsd = 0.25m },
            new UsageRecord { Id = "2", StartedAt = now.AddMinutes(-4), Endpoint = "chat.completions", Dialect = "openai", Model = "gpt-4o-mini", Provider = "openai", Status = 200, CostUsd = 0.5m },
            new UsageRecord { Id = "3", StartedAt = now.AddDays(-3), Endpoint = "chat.completions", Dialect = "openai", Model = "o3-mini", Provider = "openai", Status = 200, CostUsd = 9m },
        ], TestContext.Current.CancellationToken);

        var json = await RunAsync("report", "spend", "--since", "24h", "--by", "model", "--format", "json", "--db", db);
        Assert.True(json.Exit == 0, json.Err);
        using var rows = JsonDocument.Parse(json.Out);
        var row = Assert.Single(rows.RootElement.EnumerateArray());
        Assert.Equal("gpt-4o-mini", row.GetProperty("group").GetString());
        Assert.Equal(0.75m, row.GetProperty("cost_usd").GetDecimal());

        var csv = await RunAsync("report", "spend", "--since", "7d", "--by", "provider", "--format", "csv", "--db", db);
        Assert.Equal("provider,requests,failed,input_tokens,cached_input_tokens,output_tokens,reasoning_tokens,cost_usd\nopenai,3,0,0,0,0,0,9.75\n", csv.Out.ReplaceLineEndings("\n"));

        var table = await RunAsync("report", "spend", "--since", "7d", "--by", "day", "--db", db);
        Assert.Equal(0, table.Exit);
        Assert.Contains("0.750000", table.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServeWithABadConfigStopsWithAMessageNamingTheSetting()
    {
        var config = Path.Combine(_dir, "bad.yaml");
        await File.WriteAllTextAsync(config, "server:\n  max_request_body_bytes: -5\nmodels:\n  - name: x\n    provider: nowhere\n", TestContext.Current.CancellationToken);

        var result = await RunAsync("serve", "--config", config);

        Assert.Equal(2, result.Exit);
        Assert.Contains("server.max_request_body_bytes (bad.yaml line 2): must be greater than 0", result.Err, StringComparison.Ordinal);
        Assert.Contains("models.0.provider (bad.yaml line 5)", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServeRefusesToListenBeyondLoopbackWithoutAMasterKey()
    {
        var result = await RunAsync("serve", "--urls", "http://0.0.0.0:0");
        Assert.Equal(2, result.Exit);
        Assert.Contains("TOKENWISE_MASTER_KEY", result.Err, StringComparison.Ordinal);
    }
}
