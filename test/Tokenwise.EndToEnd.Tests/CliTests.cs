using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Tokenwise.Embeddings;
using Tokenwise.Metering;
using Tokenwise.Routing;
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

    private static Task<(int Exit, string Out, string Err)> RunAsync(params string[] args) => TokenwiseCli.RunAsync(args);

    /// <summary>An empty usage log in this test's folder, for the reports to read.</summary>
    private async Task<(string Path, SqliteUsageStore Store)> UsageLogAsync()
    {
        var path = Path.Combine(_dir, "usage.db");
        var store = new SqliteUsageStore(path);
        await store.InitializeAsync(TestContext.Current.CancellationToken);
        return (path, store);
    }

    private static Task<(int Exit, string Out, string Err)> RunAsync(IReadOnlyDictionary<string, string> environment, params string[] args) =>
        TokenwiseCli.RunAsync(environment, args);

    /// <summary><c>tokenwise serve</c> with the fake as its <c>openai</c> provider, its usage log at <paramref name="database"/>, and <paramref name="moreYaml"/>.</summary>
    private Task<(TokenwiseCli.ServerProcess Server, Uri Url)> ServeOnFakeAsync(Testing.FakeUpstream upstream, string database, string moreYaml = "") =>
        TokenwiseCli.ServeWithConfigAsync(_dir, $"""
            providers:
              openai:
                base_url: {upstream.BaseUrl}
                api_key: {Testing.FakeUpstream.ApiKey}
            storage:
              sqlite_path: {database}

            """ + moreYaml);

    [Fact]
    public async Task KeysAndBudgetsAreManagedThroughTheRunningGateway()
    {
        await using var upstream = await Testing.FakeUpstream.StartAsync();
        await using var gateway = await Testing.TestGateway.StartAsync(upstream, new Dictionary<string, string?> { ["master_key"] = "tw-cli-master" });
        var env = new Dictionary<string, string> { ["TOKENWISE_URL"] = gateway.BaseUrl.ToString(), ["TOKENWISE_MASTER_KEY"] = "tw-cli-master" };

        var created = await RunAsync(env, "keys", "create", "--team", "support", "--name", "bot", "--metadata", "owner=ana,env=prod", "--metadata", "cost-center=42",
            "--format", "json");
        Assert.Equal(0, created.Exit);
        using var key = JsonDocument.Parse(created.Out);
        var id = key.RootElement.GetProperty("id").GetString()!;
        Assert.StartsWith("tw-", key.RootElement.GetProperty("key").GetString(), StringComparison.Ordinal);
        Assert.Equal(new Dictionary<string, string> { ["owner"] = "ana", ["env"] = "prod", ["cost-center"] = "42" },
            key.RootElement.GetProperty("metadata").Deserialize<Dictionary<string, string>>());
        var badMetadata = await RunAsync(env, "keys", "create", "--team", "support", "--metadata", "owner");
        Assert.Equal(2, badMetadata.Exit);
        Assert.Contains("--metadata must be name=value pairs", badMetadata.Err, StringComparison.Ordinal);

        var budget = await RunAsync(env, "budgets", "create", "--scope", "team", "--target", "support", "--amount", "5", "--period", "day", "--format", "csv");
        Assert.Equal(0, budget.Exit);
        Assert.StartsWith("id,scope,target,amount_usd,period,mode,alert_percents,current_usd,resets_at,projected_usd,exhausts_at\n", budget.Out.ReplaceLineEndings("\n"), StringComparison.Ordinal);

        var revoked = await RunAsync(env, "keys", "revoke", id);
        Assert.Equal(0, revoked.Exit);
        var list = await RunAsync(env, "keys", "list", "--format", "json");
        Assert.False(JsonDocument.Parse(list.Out).RootElement[0].GetProperty("active").GetBoolean());

        var refused = await RunAsync(env, "budgets", "create", "--scope", "team", "--target", "x", "--amount", "5", "--period", "fortnight");
        Assert.Equal(1, refused.Exit);
        Assert.Contains("period must be one of", refused.Err, StringComparison.Ordinal);

        var unreachable = await RunAsync(new Dictionary<string, string> { ["TOKENWISE_URL"] = "http://127.0.0.1:9" }, "keys", "list");
        Assert.Equal(1, unreachable.Exit);
        Assert.Contains("Could not reach the gateway", unreachable.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CacheStatsAndInvalidationGoThroughTheRunningGateway()
    {
        await using var upstream = await Testing.FakeUpstream.StartAsync();
        await using var gateway = await Testing.TestGateway.StartAsync(upstream, new Dictionary<string, string?> { ["master_key"] = "tw-cli-master" });
        var env = new Dictionary<string, string> { ["TOKENWISE_URL"] = gateway.BaseUrl.ToString(), ["TOKENWISE_MASTER_KEY"] = "tw-cli-master" };
        var created = await RunAsync(env, "keys", "create", "--team", "support", "--format", "json");
        using var key = JsonDocument.Parse(created.Out);
        using var http = new HttpClient { BaseAddress = gateway.BaseUrl };
        http.DefaultRequestHeaders.Authorization = new("Bearer", key.RootElement.GetProperty("key").GetString());
        for (var i = 0; i < 2; i++)
        {
            using var content = new StringContent("""{"model":"gpt-4o-mini","messages":[{"role":"user","content":"cache me"}]}""", System.Text.Encoding.UTF8, "application/json");
            using var response = await http.PostAsync("v1/chat/completions", content, TestContext.Current.CancellationToken);
            response.EnsureSuccessStatusCode();
        }

        var stats = await RunAsync(env, "cache", "stats", "--format", "json");
        Assert.True(stats.Exit == 0, stats.Err);
        using (var json = JsonDocument.Parse(stats.Out))
        {
            Assert.Equal((1, 1L, 1L), (json.RootElement.GetProperty("entries").GetInt32(), json.RootElement.GetProperty("hits").GetInt64(),
                json.RootElement.GetProperty("misses").GetInt64()));
            Assert.True(json.RootElement.GetProperty("saved_usd").GetDecimal() > 0m);
        }

        var csv = await RunAsync(env, "cache", "stats", "--format", "csv");
        Assert.StartsWith("mode,ttl_seconds,namespace,entries,max_entries,hits,misses,hit_rate,saved_usd,logged_saved_usd,semantic_entries,semantic_hits\nexact,3600,key,1,", csv.Out.ReplaceLineEndings("\n"), StringComparison.Ordinal);

        var other = await RunAsync(env, "cache", "invalidate", "--team", "billing", "--format", "json");
        Assert.Equal((0, "{\"removed\":0}"), (other.Exit, other.Out.Trim()));
        var removed = await RunAsync(env, "cache", "invalidate", "--team", "support", "--older-than", "0s", "--format", "csv");
        Assert.Equal((0, "removed\n1\n"), (removed.Exit, removed.Out.ReplaceLineEndings("\n")));
        var after = await RunAsync(env, "cache", "stats", "--format", "json");
        Assert.Equal(0, JsonDocument.Parse(after.Out).RootElement.GetProperty("entries").GetInt32());

        var unfiltered = await RunAsync(env, "cache", "invalidate");
        Assert.Equal(1, unfiltered.Exit);
        Assert.Contains("at least one filter", unfiltered.Err, StringComparison.Ordinal);
        var badAge = await RunAsync(env, "cache", "invalidate", "--older-than", "soon");
        Assert.Equal(1, badAge.Exit);
        Assert.Contains("older_than must be a duration", badAge.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReportWhatIfRepricesTheCallsModelsServedButNotCacheHitsOrUnresolvedRequests()
    {
        var (db, store) = await UsageLogAsync();
        var now = DateTimeOffset.UtcNow;
        UsageRecord Call(string id, string? provider, string? cache, long input, long output, decimal cost) => new()
        {
            Id = id, StartedAt = now.AddMinutes(-1), Endpoint = "chat.completions", Dialect = "openai", Model = "smart", Provider = provider,
            UpstreamModel = provider is null ? null : "gpt-4o", Cache = cache, Status = provider is null ? 404 : 200,
            Usage = new TokenUsage(input, 0, 0, output, 0), CostUsd = cost,
        };
        await store.AppendAsync(
        [
            Call("1", "openai", "miss", 1000, 500, 0.0075m),
            Call("2", "openai", "hit-exact", 1000, 500, 0m), // answered from the cache: no model served it
            Call("3", null, null, 0, 0, 0m), // an unknown model: nothing was called
        ], TestContext.Current.CancellationToken);

        var json = await RunAsync("report", "whatif", "--map", "gpt-4o=gpt-4o-mini", "--format", "json", "--db", db);
        var table = await RunAsync("report", "whatif", "--map", "gpt-4o=gpt-4o-mini", "--db", db);
        var nothing = await RunAsync("report", "whatif", "--db", db);

        Assert.True(json.Exit == 0, json.Err);
        var row = Assert.Single(JsonDocument.Parse(json.Out).RootElement.EnumerateArray());
        Assert.Equal(("gpt-4o", "gpt-4o-mini", 1, 0.0075m, 0.00045m, -0.00705m), (row.GetProperty("model").GetString(), row.GetProperty("what_if_model").GetString(),
            row.GetProperty("calls").GetInt32(), row.GetProperty("cost_usd").GetDecimal(), row.GetProperty("what_if_usd").GetDecimal(), row.GetProperty("change_usd").GetDecimal()));
        Assert.Contains("-94", table.Out, StringComparison.Ordinal);
        Assert.Equal(2, nothing.Exit);
        Assert.Contains("--map FROM=TO", nothing.Err, StringComparison.Ordinal);

        // A price file a report cannot use is one line naming it, whichever report reads it.
        var prices = Path.Combine(_dir, "prices.json");
        await File.WriteAllTextAsync(prices, """{"gpt-4o":{"input_cost_per_token":-1e-06}}""", TestContext.Current.CancellationToken);
        var badPrices = await RunAsync("report", "whatif", "--prices", prices, "--db", db);
        Assert.Equal(2, badPrices.Exit);
        Assert.Equal($"--prices: '{prices}' prices gpt-4o at -0.000001 USD, outside 0 to 1 per token (prices are per token, not per million).", badPrices.Err.Trim());
    }

    [Fact]
    public async Task ReportGrowthShowsHowEachSessionsPromptsGrewLeavingOutCacheHits()
    {
        var (db, store) = await UsageLogAsync();
        var now = DateTimeOffset.UtcNow;
        UsageRecord Step(string id, int second, long input, string? cache = "miss") => new()
        {
            Id = id, StartedAt = now.AddMinutes(-10).AddSeconds(second), Endpoint = "chat.completions", Dialect = "openai", Model = "gpt-4o-mini",
            Provider = "openai", Status = 200, SessionId = "run-7", Cache = cache, Usage = new TokenUsage(input, 0, 0, 50, 0), CostUsd = 0.001m,
        };
        await store.AppendAsync([Step("a", 0, 1200), Step("b", 1, 2400), Step("c", 2, 2400, "hit-exact"), Step("d", 3, 3600)], TestContext.Current.CancellationToken);

        var json = await RunAsync("report", "growth", "--format", "json", "--db", db);

        Assert.True(json.Exit == 0, json.Err);
        var row = Assert.Single(JsonDocument.Parse(json.Out).RootElement.EnumerateArray());
        Assert.Equal(("run-7", 3, 1200.0, 7200L, 3600L, 0.003m), (row.GetProperty("session_id").GetString(), row.GetProperty("steps").GetInt32(),
            row.GetProperty("growth_per_step").GetDouble(), row.GetProperty("input_tokens").GetInt64(), row.GetProperty("resent_tokens").GetInt64(),
            row.GetProperty("cost_usd").GetDecimal()));
    }

    [Fact]
    public async Task ReportPromptCacheReplaysTheLoggedRequestsSystemPromptsThroughAFiveMinuteCache()
    {
        var (db, store) = await UsageLogAsync();
        var now = DateTimeOffset.UtcNow;
        var system = string.Concat(Enumerable.Repeat("Refunds are accepted within thirty days of delivery. ", 150));
        UsageRecord Call(string id, double minutesAgo, string? cache = "miss") => new()
        {
            Id = id, StartedAt = now.AddMinutes(-minutesAgo), Endpoint = "chat.completions", Dialect = "openai", Model = "claude-sonnet-4-5",
            Provider = "anthropic", UpstreamModel = "claude-sonnet-4-5", Status = 200, Cache = cache,
            RequestBody = $$"""{"model":"claude-sonnet-4-5","messages":[{"role":"system","content":"{{system}}"},{"role":"user","content":"question {{id}}"}]}""",
        };
        // Two calls four minutes apart, a third after twenty minutes, and a cache hit that sent nothing upstream.
        await store.AppendAsync([Call("a", 30), Call("b", 26), Call("c", 6), Call("d", 5, "hit-exact")], TestContext.Current.CancellationToken);

        var json = await RunAsync("report", "prompt-cache", "--format", "json", "--db", db);

        Assert.True(json.Exit == 0, json.Err);
        var row = Assert.Single(JsonDocument.Parse(json.Out).RootElement.EnumerateArray());
        var tokens = row.GetProperty("prefix_tokens").GetInt64();
        Assert.True(tokens > 1024, $"{tokens} tokens");
        // claude-sonnet-4-5: $3 per million input tokens, $3.75 to write the cache, $0.30 to read it.
        Assert.Equal((3, 2, 1, true, 3 * tokens * 3m / 1_000_000m, tokens * (2 * 3.75m + 0.3m) / 1_000_000m),
            (row.GetProperty("uses").GetInt32(), row.GetProperty("writes").GetInt32(), row.GetProperty("reads").GetInt32(), row.GetProperty("cacheable").GetBoolean(),
                row.GetProperty("uncached_usd").GetDecimal(), row.GetProperty("cached_usd").GetDecimal()));
    }

    [Fact]
    public async Task ReportSpendGroupsTheLogAsJsonCsvAndTable()
    {
        var (db, store) = await UsageLogAsync();
        var now = DateTimeOffset.UtcNow;
        await store.AppendAsync(
        [
            new UsageRecord { Id = "1", StartedAt = now.AddMinutes(-5), Endpoint = "chat.completions", Dialect = "openai", Model = "gpt-4o-mini", Provider = "openai", Status = 200, CostUsd = 0.25m },
            new UsageRecord { Id = "2", StartedAt = now.AddMinutes(-4), Endpoint = "chat.completions", Dialect = "openai", Model = "gpt-4o-mini", Provider = "openai", Status = 200, CostUsd = 0.5m },
            new UsageRecord { Id = "3", StartedAt = now.AddDays(-3), Endpoint = "chat.completions", Dialect = "openai", Model = "o3-mini", Provider = "openai", Status = 200, CostUsd = 9m,
                Usage = new TokenUsage(0, 0, 0, 0, 0) { WebSearchRequests = 2 } },
            // A model no price is known for: its spend reads 0, and the report says how many calls it leaves out.
            new UsageRecord { Id = "4", StartedAt = now.AddDays(-2), Endpoint = "chat.completions", Dialect = "openai", Model = "openai/brand-new", Provider = "openai", Status = 200, Unpriced = true },
        ], TestContext.Current.CancellationToken);

        var json = await RunAsync("report", "spend", "--since", "24h", "--by", "model", "--format", "json", "--db", db);
        Assert.True(json.Exit == 0, json.Err);
        using var rows = JsonDocument.Parse(json.Out);
        var row = Assert.Single(rows.RootElement.EnumerateArray());
        Assert.Equal("gpt-4o-mini", row.GetProperty("group").GetString());
        Assert.Equal(0.75m, row.GetProperty("cost_usd").GetDecimal());

        var csv = await RunAsync("report", "spend", "--since", "7d", "--by", "provider", "--format", "csv", "--db", db);
        Assert.Equal("provider,requests,failed,input_tokens,cached_input_tokens,cache_write_tokens,output_tokens,reasoning_tokens,web_search_requests,cost_usd,unpriced\nopenai,4,0,0,0,0,0,0,2,9.75,1\n",
            csv.Out.ReplaceLineEndings("\n"));

        var table = await RunAsync("report", "spend", "--since", "7d", "--by", "day", "--db", db);
        Assert.Equal(0, table.Exit);
        Assert.Contains("0.750000", table.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReportSessionsOutcomesAndDaysReadTheLogAndTheConfiguredTimeZone()
    {
        var ct = TestContext.Current.CancellationToken;
        var (db, store) = await UsageLogAsync();
        // 23:30 UTC yesterday is already today in Berlin (00:30 or 01:30 there).
        var lateEvening = new DateTimeOffset(DateTimeOffset.UtcNow.UtcDateTime.Date.AddDays(-1).AddHours(23.5), TimeSpan.Zero);
        UsageRecord Request(string id, string? session, string? outcome, decimal cost) => new()
        {
            Id = id, StartedAt = lateEvening, Endpoint = "chat.completions", Dialect = "openai", Model = "gpt-4o-mini", Status = 200,
            Team = "support", SessionId = session, OutcomeId = outcome, CostUsd = cost,
        };
        await store.AppendAsync(
        [
            Request("1", "run-a", "T1", 0.25m), Request("2", "run-a", "T1", 0.25m), Request("3", "run-b", "T2", 0.75m),
            Request("4", "run-c", "T3", 0.10m), Request("5", null, null, 0.01m),
        ], ct);
        foreach (var (ticket, status) in new[] { ("T1", Storage.OutcomeStatus.Success), ("T2", Storage.OutcomeStatus.Success), ("T3", Storage.OutcomeStatus.Failure) })
        {
            await store.RecordOutcomeAsync(new Storage.Outcome("support", ticket, "ticket-resolution", status, null, DateTimeOffset.UtcNow), ct);
        }

        var sessions = await RunAsync("report", "sessions", "--top", "2", "--since", "7d", "--format", "json", "--db", db);
        Assert.True(sessions.Exit == 0, sessions.Err);
        Assert.Equal([("run-b", 0.75m), ("run-a", 0.5m)], JsonDocument.Parse(sessions.Out).RootElement.EnumerateArray()
            .Select(r => (r.GetProperty("group").GetString(), r.GetProperty("cost_usd").GetDecimal())));

        // (0.25 + 0.25 + 0.75 + 0.10) / 2 successes = 0.675 per success; 0.10 spent on the failure.
        var outcomes = await RunAsync("report", "outcomes", "--format", "csv", "--db", db);
        Assert.True(outcomes.Exit == 0, outcomes.Err);
        Assert.Equal("workflow,outcomes,successes,failures,requests,spend_usd,cost_per_success_usd,failed_spend_usd,value_usd\nticket-resolution,3,2,1,4,1.35,0.675,0.1,\n",
            outcomes.Out.ReplaceLineEndings("\n"));

        var config = Path.Combine(_dir, "berlin.yaml");
        await File.WriteAllTextAsync(config, "budgets:\n  time_zone: Europe/Berlin\n", ct);
        var berlin = await RunAsync("report", "spend", "--by", "day", "--since", "7d", "--format", "json", "--config", config, "--db", db);
        Assert.True(berlin.Exit == 0, berlin.Err);
        Assert.Equal(lateEvening.AddDays(1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            JsonDocument.Parse(berlin.Out).RootElement.EnumerateArray().Single().GetProperty("group").GetString());
        var utc = await RunAsync("report", "spend", "--by", "day", "--since", "7d", "--format", "json", "--db", db);
        Assert.Equal(lateEvening.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            JsonDocument.Parse(utc.Out).RootElement.EnumerateArray().Single().GetProperty("group").GetString());
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
    public async Task RouterTrainForAPairOfMmluProsModelsLearnsWhereThatPairsStrongModelGains()
    {
        // A routing folder shaped like ../shared/data/routing: on algebra the strong model is right and the weak one
        // wrong, on geography both are right. Two other models fail geography, so by difficulty (the shipped router's target)
        // geography would go to the strong model first.
        var mmlu = Directory.CreateDirectory(Path.Combine(_dir, "routing", "mmlu_pro")).FullName;
        string[] algebra = ["Solve the quadratic equation x^2 - {0}x + 6 = 0 for x.", "Compute the determinant of the 2x2 matrix with rows ({0}, 2) and (3, 4).", "Find the derivative of x^{0} + 3x."];
        string[] geography = ["Which river flows through the capital city number {0} of Europe?", "On which continent is country number {0} of the atlas?", "Which ocean borders coastline number {0}?"];
        var questions = new StringBuilder("question_id,category,src,answer,question,options\n");
        var correct = new StringBuilder("question_id,strong-model,weak-model,third-model,fourth-model\n");
        for (var id = 1; id <= 60; id++)
        {
            var isAlgebra = id % 2 == 0;
            var text = string.Format(CultureInfo.InvariantCulture, (isAlgebra ? algebra : geography)[id % 3], id);
            questions.Append(CultureInfo.InvariantCulture, $"{id},test,src,A,\"{text}\",\"[\"\"one\"\", \"\"two\"\", \"\"three\"\"]\"\n");
            correct.Append(CultureInfo.InvariantCulture, $"{id},1,{(isAlgebra ? "0,1,1" : "1,0,0")}\n");
        }

        await File.WriteAllTextAsync(Path.Combine(mmlu, "mmlu_pro_questions.csv"), questions.ToString(), TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(mmlu, "mmlu_pro_correct.csv"), correct.ToString(), TestContext.Current.CancellationToken);
        var output = Path.Combine(_dir, "pair.json");
        string[] train = ["router", "train", "--shared", Path.Combine(_dir, "routing"), "--out", output, "--strong-share", "0.5"];

        var result = await RunAsync([.. train, "--strong", "strong-model", "--weak", "weak-model"]);

        Assert.True(result.Exit == 0, result.Err);
        var model = RouterModel.Load(output);
        Assert.Equal(36, model.Training.Rows); // ids % 5 in {2, 3, 4}
        Assert.Equal(12, model.Calibration.Rows); // ids % 5 == 1
        Assert.Equal(SharedRoutingData.PairTrainingLabel("strong-model", "weak-model"), model.Training.Label);
        Assert.StartsWith("tokenwise router train --shared ../shared/data/routing --strong strong-model --weak weak-model --strong-share 0.5", model.Training.Command, StringComparison.Ordinal);
        using var embedder = new MiniLmEmbedder();
        var router = new StrongWeakRouter(model);
        double Score(string prompt) => router.Score(embedder.Embed(prompt), prompt);
        Assert.True(Score("Solve the equation 2x + 5 = 11 for x.") > Score("Which mountain range lies along the border of Chile?"));

        // The same pair's evaluation sets, beside the usual ones (the eval-only sets are empty here).
        Directory.CreateDirectory(Path.Combine(_dir, "routing", "alpacaeval2"));
        await File.WriteAllTextAsync(Path.Combine(_dir, "routing", "alpacaeval2", "alpacaeval2_wide.csv"), "instruction\n", TestContext.Current.CancellationToken);
        Directory.CreateDirectory(Path.Combine(_dir, "routing", "routerbench_train"));
        foreach (var file in SharedRoutingData.RouterBenchFiles)
        {
            await File.WriteAllTextAsync(Path.Combine(_dir, "routing", "routerbench_train", file), "prompt\n", TestContext.Current.CancellationToken);
        }

        var sets = await RunAsync("router", "dataset", "--shared", Path.Combine(_dir, "routing"), "--out", Path.Combine(_dir, "sets"), "--strong", "strong-model", "--weak", "weak-model");

        Assert.True(sets.Exit == 0, sets.Err);
        var validation = RoutingDataFile.Read(Path.Combine(_dir, "sets", "mmlu_pro_val_strong-model_vs_weak-model.csv"));
        Assert.Equal(12, validation.Count); // ids % 5 == 1
        Assert.Equal(6, validation.Count(r => r is { StrongScore: 1, WeakScore: 0 })); // the algebra questions among them

        var unknown = await RunAsync([.. train, "--strong", "strong-model", "--weak", "gpt-5"]);
        var alone = await RunAsync([.. train, "--strong", "strong-model"]);

        Assert.Equal(1, unknown.Exit);
        Assert.Equal("MMLU-Pro has no results for gpt-5; its models are fourth-model, strong-model, third-model, weak-model.", unknown.Err.Trim());
        Assert.Equal(1, alone.Exit);
        Assert.Contains("--strong and --weak go together", alone.Err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not-a-database", "report spend --db {file}", "Cannot read the usage log '{file}': SQLite Error 26: 'file is not a database'.")]
    [InlineData("[{\"origin\": 5}]", "cache eval --gptcache {file}",
        "Cannot evaluate: '{file}' must be a JSON array of {\"origin\": text, \"similar\": text} objects; item 1 is not.")]
    [InlineData("question1,question2,is_duplicate\na,b,1\nc,d,yes\n", "cache eval --pairs {file}",
        "Cannot evaluate: '{file}', row 2: is_duplicate 'yes' must be 1 or 0.")]
    [InlineData("", "keys list --url not-a-url", "--url (or TOKENWISE_URL) must be an http(s) address such as http://127.0.0.1:8787, got 'not-a-url'.")]
    public async Task BadInputToACommandIsOneLineNamingItNotAStackTrace(string fileContent, string command, string expected)
    {
        var file = Path.Combine(_dir, "input");
        await File.WriteAllTextAsync(file, fileContent, TestContext.Current.CancellationToken);

        var result = await RunAsync(command.Replace("{file}", file, StringComparison.Ordinal).Split(' '));

        Assert.Equal(2, result.Exit);
        Assert.Equal(expected.Replace("{file}", file, StringComparison.Ordinal), result.Err.Trim());
    }

    [Fact]
    public async Task AModelNoPriceIsKnownForIsNamedAtStartOrFirstUseAndItsCallsAreFlaggedUnpriced()
    {
        await using var upstream = await Testing.FakeUpstream.StartAsync();
        var database = Path.Combine(_dir, "tokenwise.db");
        var (gateway, url) = await ServeOnFakeAsync(upstream, database, """
            models:
              - name: house
                provider: openai
                upstream_model: house-model-v3
              - name: news
                provider: openai
                upstream_model: gpt-5-search-api
            """);
        using var server = gateway;
        using var http = new HttpClient { BaseAddress = url };
        // The third is the first again: a cache hit, whose saving is as unknown as the call's cost.
        foreach (var (model, question) in new[] { ("openai/brand-new-model", "what does this cost?"), ("openai/brand-new-model", "and this?"),
            ("openai/brand-new-model", "what does this cost?"), ("gpt-4o-mini", "and this?"), ("gpt-5-search-api", "any news?") })
        {
            using var body = new StringContent($$"""{"model":"{{model}}","messages":[{"role":"user","content":"{{question}}"}]}""", Encoding.UTF8, "application/json");
            using var response = await http.PostAsync("v1/chat/completions", body, TestContext.Current.CancellationToken);
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
            // A cost no price is known for is unknown, not 0: the answer carries no cost header.
            Assert.Equal(model == "gpt-4o-mini", response.Headers.Contains("x-tokenwise-cost-usd"));
        }

        await server.SignalStopAsync(TestContext.Current.CancellationToken);
        Assert.Equal(0, await server.ExitCodeAsync(TestContext.Current.CancellationToken));
        var output = await server.OutputAsync();

        Assert.Contains("No price is known for openai/house-model-v3: neither the price catalog nor the config has one", output, StringComparison.Ordinal);
        Assert.Single(output.Split("No price is known for openai/brand-new-model (request ", StringSplitOptions.None).Skip(1));
        Assert.DoesNotContain("gpt-4o-mini (request", output, StringComparison.Ordinal);
        // A model whose tokens are priced but whose searches are not (gpt-5-search-api searches on every call): named at start-up
        // as configured, and at its first call.
        Assert.Contains("No web search price is known for openai/gpt-5-search-api, which search the web on every call: the catalog prices its tokens",
            output, StringComparison.Ordinal);
        Assert.DoesNotContain("house-model-v3, which search", output, StringComparison.Ordinal);
        Assert.Contains("No web search price is known for openai/gpt-5-search-api (request ", output, StringComparison.Ordinal);
        var records = await new SqliteUsageStore(database).LatestAsync(10, TestContext.Current.CancellationToken);
        Assert.Equal([(true, 0m, 0m, "hit-exact"), (true, 0m, 0m, "miss"), (true, 0m, 0m, "miss")],
            records.Where(r => r.Model == "openai/brand-new-model").Select(r => (r.Unpriced, r.CostUsd, r.SavedUsd, r.Cache)));
        var priced = Assert.Single(records, r => r.Model == "gpt-4o-mini");
        Assert.False(priced.Unpriced);
        Assert.True(priced.CostUsd > 0);
        var searched = Assert.Single(records, r => r.Model == "gpt-5-search-api");
        Assert.Equal((true, 1L), (searched.Unpriced, searched.Usage.WebSearchRequests));
        // gpt-5-search-api's tokens: $1.25/M input, $10/M output.
        Assert.Equal(searched.Usage.InputTokens * 0.00000125m + searched.Usage.OutputTokens * 0.00001m, searched.CostUsd);
    }

    [Fact]
    public async Task StoppedWithSigtermServeFinishesTheStreamInFlightAndLogsIt()
    {
        await using var upstream = await Testing.FakeUpstream.StartAsync();
        var database = Path.Combine(_dir, "tokenwise.db");
        var (gateway, url) = await ServeOnFakeAsync(upstream, database);
        using var server = gateway;
        using var http = new HttpClient { BaseAddress = url };
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions")
        {
            Content = new StringContent("""{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"#fake:hold while the gateway stops"}]}""",
                System.Text.Encoding.UTF8, "application/json"),
        };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        using var stream = new StreamReader(await response.Content.ReadAsStreamAsync(TestContext.Current.CancellationToken));
        var first = await stream.ReadLineAsync(TestContext.Current.CancellationToken);

        // The upstream holds the rest of its answer: the signal arrives in the middle of the stream, and the gateway waits.
        await server.SignalStopAsync(TestContext.Current.CancellationToken);
        await Task.Delay(500, TestContext.Current.CancellationToken);
        var exitedMidStream = server.HasExited;
        upstream.ReleaseHeldStream();
        var rest = await stream.ReadToEndAsync(TestContext.Current.CancellationToken);

        Assert.StartsWith("data: {", first, StringComparison.Ordinal);
        Assert.False(exitedMidStream);
        Assert.EndsWith("data: [DONE]", rest.TrimEnd(), StringComparison.Ordinal);
        Assert.Equal(0, await server.ExitCodeAsync(TestContext.Current.CancellationToken));
        var record = Assert.Single(await new SqliteUsageStore(database).LatestAsync(10, TestContext.Current.CancellationToken));
        Assert.Equal((200, true, false), (record.Status, record.Stream, record.Estimated));
        Assert.True(record.Usage.OutputTokens > 0);
    }

    [Fact]
    public async Task WithAnOtlpEndpointServePushesItsMetricsAndASpanPerRequestInTheCallersTrace()
    {
        var received = new System.Collections.Concurrent.ConcurrentQueue<(string Path, byte[] Body)>();
        var builder = Testing.Loopback.CreateBuilder();
        await using var collector = builder.Build();
        collector.MapPost("/v1/{signal}", async (HttpContext http) =>
        {
            using var body = new MemoryStream();
            await http.Request.Body.CopyToAsync(body);
            received.Enqueue((http.Request.Path, body.ToArray()));
            return Results.Ok();
        });
        await collector.StartAsync(TestContext.Current.CancellationToken);
        var url = TokenwiseCli.FreeLoopbackUrl();
        using var gateway = await TokenwiseCli.ServeAsync(url, new Dictionary<string, string>
        {
            ["TOKENWISE_STORAGE__SQLITE_PATH"] = Path.Combine(_dir, "tokenwise.db"),
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = Testing.Loopback.Address(collector).ToString().TrimEnd('/'),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "200",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
        }, "--demo");
        using var http = new HttpClient { BaseAddress = url };
        const string traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        http.DefaultRequestHeaders.Add("traceparent", $"00-{traceId}-00f067aa0ba902b7-01");
        using var answer = await http.PostAsync("v1/chat/completions", new StringContent(
            """{"model":"gpt-4o-mini","messages":[{"role":"user","content":"pushed"}]}""", System.Text.Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        // OTLP's protobuf carries names and string values as plain UTF-8, and the trace id as its 16 bytes.
        bool Pushed(string path, string text, byte[]? bytes = null) => received.Any(r => r.Path == path
            && System.Text.Encoding.UTF8.GetString(r.Body).Contains(text, StringComparison.Ordinal)
            && (bytes is null || r.Body.AsSpan().IndexOf(bytes) >= 0));
        var traceBytes = Convert.FromHexString(traceId);
        for (var waited = 0; waited < 100 && !(Pushed("/v1/metrics", "gen_ai.client.token.usage") && Pushed("/v1/traces", "chat gpt-4o-mini", traceBytes)); waited++)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        Assert.True(answer.IsSuccessStatusCode);
        Assert.True(Pushed("/v1/metrics", "gen_ai.client.token.usage"), $"{received.Count} pushes, none with the token usage metric");
        Assert.True(Pushed("/v1/traces", "chat gpt-4o-mini", traceBytes), $"{received.Count} pushes, no span of the request in the caller's trace");
        Assert.True(Pushed("/v1/traces", "gen_ai.usage.output_tokens"));
    }

    [Fact]
    public async Task ServeOnAnAddressInUseIsOneLineNamingTheSettingNotAStackTrace()
    {
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var url = $"http://127.0.0.1:{((System.Net.IPEndPoint)taken.LocalEndpoint).Port}";

        var result = await RunAsync(new Dictionary<string, string> { ["TOKENWISE_STORAGE__SQLITE_PATH"] = Path.Combine(_dir, "tokenwise.db") }, "serve", "--urls", url);

        Assert.Equal((2, $"server.urls: Failed to bind to address {url}: address already in use."), (result.Exit, result.Err.Trim()));
    }

    [Theory]
    [InlineData("report", "spend", "--format", "xml")]                      // a value the option does not take
    [InlineData("report", "spend", "--limit", "3")]                        // an option the command does not have
    [InlineData("keys", "create", "--name", "x")]                          // a required option left out
    [InlineData("budgets", "create", "--scope", "team", "--target", "s", "--amount", "5", "--alerts", "99999999999")] // overflowed int.Parse: a stack trace
    public async Task BadArgumentsExitWithTwoAndSayWhatIsWrong(params string[] args)
    {
        // Exit code 1 means the gateway refused a change or could not be reached; bad arguments are 2, whoever finds them.
        var result = await RunAsync(new Dictionary<string, string> { ["TOKENWISE_URL"] = "http://127.0.0.1:9" }, args);
        Assert.Equal(2, result.Exit);
        Assert.NotEqual("", result.Err.Trim());
        Assert.DoesNotContain("Exception", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServeRefusesToListenBeyondLoopbackWithoutAMasterKey()
    {
        var result = await RunAsync("serve", "--urls", "http://0.0.0.0:0");
        Assert.Equal(2, result.Exit);
        Assert.Contains("TOKENWISE_MASTER_KEY", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AKestrelSectionInTheEnvironmentOrAnAppsettingsFileCannotMoveServeOffLoopback()
    {
        // ASP.NET Core binds a "Kestrel" configuration section's endpoints instead of the addresses it was given: a
        // variable or an appsettings.json in the working directory would have opened a gateway without a key to the network.
        var fromEnvironment = FreePort();
        var fromFile = FreePort();
        await File.WriteAllTextAsync(Path.Combine(_dir, "appsettings.json"),
            "{\"Kestrel\":{\"Endpoints\":{\"wide\":{\"Url\":\"http://0.0.0.0:" + fromFile + "\"}}}}", TestContext.Current.CancellationToken);
        var url = TokenwiseCli.FreeLoopbackUrl();

        using var server = await TokenwiseCli.ServeInAsync(_dir, url, new Dictionary<string, string>
        {
            ["Kestrel__Endpoints__wide__Url"] = $"http://0.0.0.0:{fromEnvironment}",
            ["TOKENWISE_STORAGE__SQLITE_PATH"] = Path.Combine(_dir, "tokenwise.db"),
        }, "--demo");

        // Ready on the address it was given (ServeInAsync waited for /readyz there), and on no other.
        foreach (var port in new[] { fromEnvironment, fromFile })
        {
            using var probe = new System.Net.Sockets.TcpClient();
            await Assert.ThrowsAsync<System.Net.Sockets.SocketException>(
                () => probe.ConnectAsync(System.Net.IPAddress.Loopback, port, TestContext.Current.CancellationToken).AsTask());
        }
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Any, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
