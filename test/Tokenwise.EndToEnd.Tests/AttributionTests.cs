using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Tokenwise.Testing;

namespace Tokenwise.EndToEnd.Tests;

/// <summary>What a request says about itself (tags, session, outcome) in the usage log, in budgets and in reports.</summary>
public sealed class AttributionTests : IAsyncLifetime
{
    private const string MasterKey = "tw-master-attribution";
    private FakeUpstream _upstream = null!;
    private TestGateway _gateway = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _upstream = await FakeUpstream.StartAsync();
        _gateway = await TestGateway.StartAsync(_upstream, new Dictionary<string, string?> { ["master_key"] = MasterKey });
    }

    public async ValueTask DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Fact]
    public async Task TagsFromTheBodysMetadataAndTheHeaderAndTheSessionAndOutcomeAreInTheUsageLog()
    {
        using var http = Client(MasterKey);
        using var request = Chat("""{"feature":"triage","customer":"acme","priority":3}""", "attributed");
        request.Headers.Add("x-tokenwise-tags", "env=prod, feature=search");
        request.Headers.Add("x-tokenwise-session", "run-8f2c");
        request.Headers.Add("x-tokenwise-outcome", "ticket-4711");
        using var response = await http.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var record = await _gateway.RecordAsync(response.Headers.GetValues("x-tokenwise-request-id").Single());
        // The body's string metadata are tags; the header adds to them and wins on a clash.
        Assert.Equal(new Dictionary<string, string> { ["feature"] = "search", ["customer"] = "acme", ["env"] = "prod" }, record.Tags);
        Assert.Equal(("run-8f2c", "ticket-4711"), (record.SessionId, record.OutcomeId));
    }

    public static TheoryData<string, string, string?, string, string> BadAttributions()
    {
        var manyTags = string.Join(',', Enumerable.Range(0, 33).Select(i => $"t{i}=v"));
        var sixteenPairs = "{" + string.Join(',', Enumerable.Range(0, 16).Select(i => $"\"m{i}\":\"v\"")) + "}";
        return new()
        {
            { "x-tokenwise-tags", "feature", null, "invalid_tags", "'feature' is not" },
            { "x-tokenwise-tags", "feature=triage, =prod", null, "invalid_tags", "'=prod' is not" },
            { "x-tokenwise-tags", "feature=" + new string('x', 513), null, "invalid_tags", "values of at most 512; 'feature=xxxxxxx" },
            { "x-tokenwise-tags", manyTags, null, "invalid_tags", "at most 32 tags (x-tokenwise-tags and metadata together); this one carries 33" },
            // Sixteen metadata pairs, as many as OpenAI allows, and seventeen more in the header.
            { "x-tokenwise-tags", string.Join(',', Enumerable.Range(0, 17).Select(i => $"h{i}=v")), sixteenPairs, "invalid_tags", "this one carries 33" },
            { "x-tokenwise-tags", "env=prod", $$"""{"{{new string('k', 65)}}":"v"}""", "invalid_tags", "names may have at most 64 characters" },
            { "x-tokenwise-session", new string('s', 201), null, "invalid_header", "The x-tokenwise-session header is longer than 200 characters." },
            { "x-tokenwise-outcome", new string('o', 201), null, "invalid_header", "The x-tokenwise-outcome header is longer than 200 characters." },
        };
    }

    /// <summary>Attribution the gateway cannot store is refused before the model is called, and the refusal is in the usage log.</summary>
    [Theory]
    [MemberData(nameof(BadAttributions))]
    public async Task AttributionThatCannotBeStoredIsA400InTheClientsDialectAndLogged(string header, string value, string? metadata, string code, string message)
    {
        using var http = Client(MasterKey);
        using var request = Chat(metadata, "badly attributed");
        request.Headers.TryAddWithoutValidation(header, value);
        using var response = await http.SendAsync(request, Ct);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        var error = body.RootElement.GetProperty("error");
        var record = await _gateway.RecordAsync(response.Headers.GetValues("x-tokenwise-request-id").Single());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(("invalid_request_error", code), (error.GetProperty("type").GetString(), error.GetProperty("code").GetString()));
        Assert.Contains(message, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.True(error.GetProperty("message").GetString()!.Length < 400, "the error quotes the client's text only in part");
        Assert.Equal((400, code), (record.Status, record.ErrorCode));
        Assert.DoesNotContain(_upstream.Received, r => r.Body.Contains("badly attributed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ASessionBudgetStopsARunawayAgentRunButNotTheNextRun()
    {
        var secret = await CreateKeyAsync("agents");
        using var budget = await Client(MasterKey).PostAsJsonAsync("admin/budgets",
            new { id = "per-run", scope = "session", target = "*", amount_usd = 0.0003m, period = "lifetime", mode = "hard" }, Ct);
        Assert.Equal(HttpStatusCode.Created, budget.StatusCode);
        try
        {
            using var http = Client(secret);
            string? refusal = null;
            for (var step = 0; step < 100 && refusal is null; step++)
            {
                using var request = Chat(null, $"step {step}", session: "run-1");
                using var response = await http.SendAsync(request, Ct);
                if (response.StatusCode == HttpStatusCode.TooManyRequests)
                {
                    refusal = await response.Content.ReadAsStringAsync(Ct);
                }
            }

            Assert.NotNull(refusal);
            using (var error = JsonDocument.Parse(refusal))
            {
                Assert.Equal("budget_exceeded", error.RootElement.GetProperty("error").GetProperty("code").GetString());
                Assert.Contains("session '*' lifetime budget per-run", error.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
            }

            var run = (await _gateway.RecordsAsync()).Where(r => r.SessionId == "run-1").ToList();
            Assert.True(run.Sum(r => r.CostUsd) <= 0.0003m, $"run-1 spent {run.Sum(r => r.CostUsd)}");
            Assert.Contains(run, r => r.Status == 429 && r.ErrorCode == "budget_exceeded");

            // Each session has a budget of its own, and a request outside any session is not held by it.
            using var nextRunRequest = Chat(null, "a fresh start", session: "run-2");
            using var nextRun = await http.SendAsync(nextRunRequest, Ct);
            Assert.Equal(HttpStatusCode.OK, nextRun.StatusCode);
            using var noSessionRequest = Chat(null, "no session");
            using var noSession = await http.SendAsync(noSessionRequest, Ct);
            Assert.Equal(HttpStatusCode.OK, noSession.StatusCode);
        }
        finally
        {
            using var deleted = await Client(MasterKey).DeleteAsync("admin/budgets/per-run", Ct);
        }
    }

    [Fact]
    public async Task ReportsGroupSpendByKeyTeamAndSessionListTheTopSessionsAndAnswerCsv()
    {
        var keys = new[] { await CreateKeyAsync("reports-a"), await CreateKeyAsync("reports-a"), await CreateKeyAsync("reports-b") };
        var plan = new[] { (Key: 0, Session: "small-run", Steps: 1), (Key: 1, Session: "big-run", Steps: 3), (Key: 2, Session: "middle-run", Steps: 2) };
        foreach (var (key, session, steps) in plan)
        {
            using var http = Client(keys[key]);
            for (var step = 0; step < steps; step++)
            {
                using var request = Chat(null, $"{session} step {step}", session);
                request.Headers.Add("x-tokenwise-outcome", $"{session}-ticket");
                using var response = await http.SendAsync(request, Ct);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
        }

        using (var outcome = await Client(keys[0]).PostAsJsonAsync("v1/outcomes",
            new { outcome_id = "small-run-ticket", workflow = "report-flow", status = "success" }, Ct))
        {
            Assert.Equal(HttpStatusCode.Created, outcome.StatusCode);
        }

        var records = await _gateway.RecordsAsync();
        using var admin = Client(MasterKey);
        async Task<Dictionary<string, decimal>> SpendBy(string by) =>
            (await admin.GetFromJsonAsync<JsonElement>($"admin/reports/spend?since=1h&by={by}", Ct)).EnumerateArray()
                .ToDictionary(r => r.GetProperty("group").GetString()!, r => r.GetProperty("cost_usd").GetDecimal());

        var byKey = await SpendBy("key");
        foreach (var group in records.Where(r => r.KeyId is not null).GroupBy(r => r.KeyId!))
        {
            Assert.Equal(group.Sum(r => r.CostUsd), byKey[group.Key]);
        }

        var byTeam = await SpendBy("team");
        Assert.Equal(records.Where(r => r.Team == "reports-a").Sum(r => r.CostUsd), byTeam["reports-a"]);
        Assert.Equal(records.Where(r => r.Team == "reports-b").Sum(r => r.CostUsd), byTeam["reports-b"]);
        Assert.True(byTeam["reports-a"] > 0);

        var bySession = records.Where(r => r.SessionId is not null).GroupBy(r => r.SessionId!)
            .Select(g => (Session: g.Key, Cost: g.Sum(r => r.CostUsd))).OrderByDescending(g => g.Cost).ThenBy(g => g.Session, StringComparer.Ordinal).ToList();
        Assert.Equal(bySession.ToDictionary(g => g.Session, g => g.Cost), await SpendBy("session"));
        var top = await admin.GetFromJsonAsync<JsonElement>("admin/reports/spend?since=1h&by=session&limit=2", Ct);
        Assert.Equal(bySession.Take(2).Select(g => g.Session), top.EnumerateArray().Select(r => r.GetProperty("group").GetString()));

        // The same reports as CSV, with the CLI's columns.
        using var csv = await admin.GetAsync("admin/reports/spend?since=1h&by=team&format=csv", Ct);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        var lines = (await csv.Content.ReadAsStringAsync(Ct)).Split('\n');
        Assert.Equal("team,requests,failed,input_tokens,cached_input_tokens,cache_write_tokens,output_tokens,reasoning_tokens,web_search_requests,cost_usd,unpriced", lines[0]);
        var teamB = records.Where(r => r.Team == "reports-b").ToList();
        Assert.Equal([2, 0, teamB.Sum(r => r.Usage.InputTokens), teamB.Sum(r => r.Usage.CachedInputTokens), teamB.Sum(r => r.Usage.CacheWriteTokens), teamB.Sum(r => r.Usage.OutputTokens), 0, 0, teamB.Sum(r => r.CostUsd), 0],
            Numbers(lines.Single(l => l.StartsWith("reports-b,", StringComparison.Ordinal))));

        var outcomes = (await admin.GetStringAsync("admin/reports/outcomes?since=1h&format=csv", Ct)).Split('\n');
        Assert.Equal("workflow,outcomes,successes,failures,requests,spend_usd,cost_per_success_usd,failed_spend_usd,value_usd", outcomes[0]);
        var small = records.Single(r => r.SessionId == "small-run").CostUsd;
        var flow = outcomes.Single(l => l.StartsWith("report-flow,", StringComparison.Ordinal));
        Assert.EndsWith(",", flow, StringComparison.Ordinal); // no value reported
        Assert.Equal([1, 1, 0, 1, small, small, 0], Numbers(flow[..^1]));

        using var badFormat = await admin.GetAsync("admin/reports/spend?format=xml", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, badFormat.StatusCode);
    }

    /// <summary>The numbers of a CSV line after its first field.</summary>
    private static decimal[] Numbers(string line) =>
        [.. line.Split(',').Skip(1).Select(n => decimal.Parse(n, System.Globalization.CultureInfo.InvariantCulture))];

    /// <summary>A chat request (its prompt its own, so the response cache never answers it) with optional metadata and session.</summary>
    [Fact]
    public async Task TheWhatIfAndGrowthReportsReadTheLogThroughTheAdminApi()
    {
        using var http = Client(MasterKey);
        for (var step = 0; step < 3; step++)
        {
            using var request = Chat(null, $"growing step {step}", session: "grow-1");
            using var response = await http.SendAsync(request, Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var steps = (await _gateway.RecordsAsync(r => r.SessionId == "grow-1", atLeast: 3)).OrderBy(r => r.StartedAt).ThenBy(r => r.Id, StringComparer.Ordinal).ToList();
        var whatIf = Assert.Single((await http.GetFromJsonAsync<JsonElement>("admin/reports/whatif?since=1h&map=gpt-4o-mini=gpt-4o", Ct)).EnumerateArray());
        var growth = Assert.Single((await http.GetFromJsonAsync<JsonElement>("admin/reports/growth?since=1h", Ct)).EnumerateArray());
        var csv = await http.GetStringAsync("admin/reports/growth?since=1h&format=csv", Ct);
        using var unmapped = await http.GetAsync("admin/reports/whatif?since=1h", Ct);
        using var unpriced = await http.GetAsync("admin/reports/whatif?since=1h&map=gpt-4o-mini=gpt-99", Ct);

        // gpt-4o: $2.50 per million input tokens, $10 per million output (the fake's answers here have no cached tokens).
        Assert.All(steps, r => Assert.Equal(0, r.Usage.CachedInputTokens));
        Assert.Equal(("gpt-4o-mini", "gpt-4o", 3, steps.Sum(r => r.CostUsd), steps.Sum(r => r.Usage.InputTokens * 2.5m + r.Usage.OutputTokens * 10m) / 1_000_000m),
            (whatIf.GetProperty("model").GetString(), whatIf.GetProperty("what_if_model").GetString(), whatIf.GetProperty("calls").GetInt32(),
                whatIf.GetProperty("cost_usd").GetDecimal(), whatIf.GetProperty("what_if_usd").GetDecimal()));
        var resent = Math.Min(steps[0].Usage.InputTokens, steps[1].Usage.InputTokens) + Math.Min(steps[1].Usage.InputTokens, steps[2].Usage.InputTokens);
        Assert.Equal(("grow-1", 3, resent), (growth.GetProperty("session_id").GetString(), growth.GetProperty("steps").GetInt32(), growth.GetProperty("resent_tokens").GetInt64()));
        Assert.StartsWith("session_id,steps,first_input_tokens,last_input_tokens,growth_per_step,input_tokens,resent_tokens,resent_percent,cached_percent,cost_usd\ngrow-1,3,",
            csv.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Equal((HttpStatusCode.BadRequest, HttpStatusCode.BadRequest), (unmapped.StatusCode, unpriced.StatusCode));
        Assert.Contains("'gpt-99' (for gpt-4o-mini) has no price", await unpriced.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    private static HttpRequestMessage Chat(string? metadata, string prompt, string? session = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions")
        {
            Content = new StringContent(
                $$"""{"model":"gpt-4o-mini","max_tokens":50,{{(metadata is null ? "" : $"\"metadata\":{metadata},")}}"messages":[{"role":"user","content":"{{prompt}} {{Guid.NewGuid()}}"}]}""",
                Encoding.UTF8, "application/json"),
        };
        if (session is not null)
        {
            request.Headers.Add("x-tokenwise-session", session);
        }

        return request;
    }

    private async Task<string> CreateKeyAsync(string team)
    {
        using var created = await Client(MasterKey).PostAsJsonAsync("admin/keys", new { team }, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("key").GetString()!;
    }

    private HttpClient Client(string key)
    {
        var http = new HttpClient { BaseAddress = _gateway.BaseUrl };
        http.DefaultRequestHeaders.Authorization = new("Bearer", key);
        return http;
    }
}
