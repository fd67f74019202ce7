using System.CommandLine;
using System.Text.Json;
using Tokenwise.Admin;

namespace Tokenwise.Cli;

/// <summary>
/// <c>tokenwise keys|budgets|limits</c> and <c>tokenwise cache stats|invalidate</c>: manage virtual keys, budgets,
/// rate limits and the response cache through the admin API.
/// </summary>
internal static class AdminCommands
{
    private static readonly AdminJsonContext Json = AdminJsonContext.Default;

    public static Command Keys()
    {
        var name = new Option<string?>("--name") { Description = "A name people recognise (default: the team)." };
        var team = new Option<string>("--team") { Description = "The team the key's spend belongs to.", Required = true };
        var models = new Option<string?>("--models") { Description = "Comma-separated models the key may use (default: any)." };
        var expires = new Option<string?>("--expires-in") { Description = "Expire after a duration: 30m, 24h, 90d, ..." };
        var metadata = new Option<string[]>("--metadata") { Description = "Metadata as name=value pairs, comma-separated or repeated: --metadata owner=ana,env=prod." };
        var create = Command("create", "Create a key; its secret is shown once.", [name, team, models, expires, metadata], async (parse, client, ct) =>
        {
            Dictionary<string, string>? pairs = null;
            foreach (var given in parse.GetValue(metadata) ?? [])
            {
                if (!Hosting.Attribution.TryReadPairs(given, pairs ??= new(StringComparer.Ordinal), out var invalid))
                {
                    return await CliOutput.FailAsync($"--metadata must be name=value pairs, e.g. owner=ana,env=prod, with names of at most {Hosting.Attribution.MaxTagNameLength} characters and values of at most {Hosting.Attribution.MaxTagValueLength}; '{invalid}' is not.");
                }
            }

            DateTimeOffset? expiresAt = null;
            if (parse.GetValue(expires) is { } e)
            {
                if (!Durations.TryParse(e, out var lifetime))
                {
                    return await CliOutput.FailAsync($"--expires-in must be a duration such as 24h or 90d, got '{e}'.");
                }

                expiresAt = DateTimeOffset.UtcNow + lifetime;
            }

            var request = new CreateKeyRequest(parse.GetValue(name), parse.GetValue(team),
                parse.GetValue(models)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), expiresAt, pairs);
            return WriteKey(await client.SendAsync(HttpMethod.Post, "admin/keys", AdminClient.Json(request, Json.CreateKeyRequest), Json.KeyInfo, ct), parse);
        });

        var list = Command("list", "List keys (never their secrets).", [], async (parse, client, ct) =>
        {
            var keys = await client.SendAsync(HttpMethod.Get, "admin/keys", null, Json.KeyInfoArray, ct);
            if (keys is null)
            {
                return 1;
            }

            CliOutput.Write(parse.GetValue(s_format), JsonSerializer.Serialize(keys, Json.KeyInfoArray),
                ["Id", "Name", "Team", "Prefix", "Created", "Expires", "Revoked", "Models", "Metadata", "Active"],
                ["id", "name", "team", "prefix", "created_at", "expires_at", "revoked_at", "allowed_models", "metadata", "active"],
                keys.Select(k => new object?[] { k.Id, k.Name, k.Team, k.Prefix + "…", k.CreatedAt.ToString("u"), k.ExpiresAt?.ToString("u"),
                    k.RevokedAt?.ToString("u"), string.Join(' ', k.AllowedModels), string.Join(',', k.Metadata.Select(m => $"{m.Key}={m.Value}")),
                    k.Active ? "yes" : "no" }));
            return 0;
        });

        var id = new Argument<string>("id") { Description = "The key's id (key_…)." };
        var rotate = Command("rotate", "Give a key a new secret (shown once); the old one stops working at once.", [id], async (parse, client, ct) =>
            WriteKey(await client.SendAsync(HttpMethod.Post, $"admin/keys/{Uri.EscapeDataString(parse.GetValue(id)!)}/rotate", null, Json.KeyInfo, ct), parse));
        var revokeId = new Argument<string>("id") { Description = "The key's id (key_…)." };
        var revoke = Command("revoke", "Revoke a key: it is refused from its next request on.", [revokeId], async (parse, client, ct) =>
            WriteKey(await client.SendAsync(HttpMethod.Post, $"admin/keys/{Uri.EscapeDataString(parse.GetValue(revokeId)!)}/revoke", null, Json.KeyInfo, ct), parse));
        return new Command("keys", "Virtual keys: create, list, rotate, revoke.") { create, list, rotate, revoke };
    }

    public static Command Budgets()
    {
        var id = new Option<string?>("--id") { Description = "An id to refer to it by (default: generated); an existing id is replaced." };
        var scope = new Option<string>("--scope") { Description = "key, team, tag or session.", Required = true };
        var target = new Option<string>("--target") { Description = "Key id, team name, tag name=value or session id; * for each key or session.", Required = true };
        var amount = new Option<decimal>("--amount") { Description = "USD per period.", Required = true };
        var period = new Option<string>("--period") { Description = "hour, day, week, month or lifetime.", DefaultValueFactory = _ => "month" };
        var mode = new Option<string>("--mode") { Description = "hard (reject) or soft (warn).", DefaultValueFactory = _ => "hard" };
        var alerts = new Option<string?>("--alerts") { Description = "Alert thresholds in percent, e.g. 50,80,100 (the default)." };
        var create = Command("create", "Create or replace a budget.", [id, scope, target, amount, period, mode, alerts], async (parse, client, ct) =>
        {
            int[]? percents = null;
            if (parse.GetValue(alerts) is { } a)
            {
                try
                {
                    percents = [.. a.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(p => int.Parse(p, System.Globalization.CultureInfo.InvariantCulture))];
                }
                catch (Exception e) when (e is FormatException or OverflowException)
                {
                    return await CliOutput.FailAsync($"--alerts must be whole percentages separated by commas, e.g. 50,80,100; got '{a}'.");
                }
            }

            var request = new BudgetRequest(parse.GetValue(id), parse.GetValue(scope), parse.GetValue(target), parse.GetValue(amount),
                parse.GetValue(period), parse.GetValue(mode), percents);
            var budget = await client.SendAsync(HttpMethod.Post, "admin/budgets", AdminClient.Json(request, Json.BudgetRequest), Json.BudgetInfo, ct);
            return budget is null ? 1 : WriteBudgets([budget], parse);
        });
        var list = Command("list", "List budgets with what their current window has spent or reserved.", [], async (parse, client, ct) =>
            await client.SendAsync(HttpMethod.Get, "admin/budgets", null, Json.BudgetInfoArray, ct) is { } budgets ? WriteBudgets(budgets, parse) : 1);
        return new Command("budgets", "Spend budgets per key, team, tag or session.") { create, list, Delete("budgets") };
    }

    public static Command Limits()
    {
        var id = new Option<string?>("--id") { Description = "An id to refer to it by (default: generated); an existing id is replaced." };
        var scope = new Option<string>("--scope") { Description = "key, team or model.", Required = true };
        var target = new Option<string>("--target") { Description = "Key id, team name or model name; * for each.", Required = true };
        var rpm = new Option<long?>("--rpm") { Description = "Requests per minute." };
        var tpm = new Option<long?>("--tpm") { Description = "Tokens per minute (prompt and output)." };
        var concurrent = new Option<long?>("--concurrent") { Description = "Requests in flight at once." };
        var create = Command("create", "Create or replace a rate limit.", [id, scope, target, rpm, tpm, concurrent], async (parse, client, ct) =>
        {
            var request = new RateLimitRequest(parse.GetValue(id), parse.GetValue(scope), parse.GetValue(target), parse.GetValue(rpm), parse.GetValue(tpm),
                parse.GetValue(concurrent));
            var limit = await client.SendAsync(HttpMethod.Post, "admin/rate-limits", AdminClient.Json(request, Json.RateLimitRequest), Json.RateLimitInfo, ct);
            return limit is null ? 1 : WriteLimits([limit], parse);
        });
        var list = Command("list", "List rate limits.", [], async (parse, client, ct) =>
            await client.SendAsync(HttpMethod.Get, "admin/rate-limits", null, Json.RateLimitInfoArray, ct) is { } limits ? WriteLimits(limits, parse) : 1);
        return new Command("limits", "Rate limits per key, team or model.") { create, list, Delete("rate-limits") };
    }

    public static Command CacheStats()
    {
        var since = new Option<string>("--since") { Description = "The window for savings read from the usage log: 30m, 24h, 7d, ...", DefaultValueFactory = _ => "24h" };
        return Command("stats", "Entries, hits, misses, hit rate and savings of the running gateway's cache.", [since], async (parse, client, ct) =>
        {
            var stats = await client.SendAsync(HttpMethod.Get, $"admin/cache?since={Uri.EscapeDataString(parse.GetValue(since)!)}", null, Json.CacheStats, ct);
            if (stats is null)
            {
                return 1;
            }

            var json = JsonSerializer.Serialize(stats, Json.CacheStats);
            var format = parse.GetValue(s_format);
            object?[] values = [stats.Mode, stats.TtlSeconds, stats.Namespace, stats.Entries, stats.MaxEntries, stats.Hits, stats.Misses,
                Math.Round(stats.HitRate, 4), stats.SavedUsd, stats.LoggedSavedUsd, stats.SemanticEntries, stats.SemanticHits];
            if (format == OutputFormat.Table)
            {
                // One cache, many figures: a row per figure reads better than a dozen narrow columns.
                string[] labels = ["Mode", "TTL (s)", "Namespace", "Entries", "Max entries", "Hits", "Misses", "Hit rate", "Saved since start (USD)",
                    $"Saved in the last {stats.Since} (USD)", "Semantic entries", "Semantic hits"];
                values[7] = stats.HitRate.ToString("P1", System.Globalization.CultureInfo.InvariantCulture);
                CliOutput.Write(format, json, ["Cache", "Value"], [], labels.Zip(values, (label, value) => new object?[] { label, Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) }));
            }
            else
            {
                string[] fields = ["mode", "ttl_seconds", "namespace", "entries", "max_entries", "hits", "misses", "hit_rate", "saved_usd", "logged_saved_usd", "semantic_entries", "semantic_hits"];
                CliOutput.Write(format, json, fields, fields, [values]);
            }

            return 0;
        });
    }

    public static Command CacheInvalidate()
    {
        var key = new Option<string?>("--key") { Description = "Entries stored for this key id (key_…)." };
        var team = new Option<string?>("--team") { Description = "Entries stored for this team." };
        var model = new Option<string?>("--model") { Description = "Entries for this upstream model." };
        var tag = new Option<string?>("--tag") { Description = "Entries whose request carried this tag, as name=value." };
        var olderThan = new Option<string?>("--older-than") { Description = "Entries stored longer ago than this: 30m, 24h, 7d, ..." };
        var all = new Option<bool>("--all") { Description = "Every entry." };
        return Command("invalidate", "Remove cache entries matching every filter given (or --all), from memory and the store.",
            [key, team, model, tag, olderThan, all], async (parse, client, ct) =>
            {
                var filters = new (string Name, string? Value)[]
                {
                    ("key", parse.GetValue(key)), ("team", parse.GetValue(team)), ("model", parse.GetValue(model)), ("tag", parse.GetValue(tag)),
                    ("older_than", parse.GetValue(olderThan)), ("all", parse.GetValue(all) ? "true" : null),
                };
                var query = string.Join('&', filters.Where(f => f.Value is not null).Select(f => $"{f.Name}={Uri.EscapeDataString(f.Value!)}"));
                var removed = await client.SendAsync(HttpMethod.Delete, $"admin/cache?{query}", null, Json.CacheInvalidation, ct);
                if (removed is null)
                {
                    return 1;
                }

                CliOutput.Write(parse.GetValue(s_format), JsonSerializer.Serialize(removed, Json.CacheInvalidation), ["Removed"], ["removed"], [[removed.Removed]]);
                return 0;
            });
    }

    public static Command Routes() =>
        Command("routes", "The running gateway's routes: each deployment's health, and learned routes' share of strong calls against the target.", [],
            async (parse, client, ct) =>
            {
                var routes = await client.SendAsync(HttpMethod.Get, "admin/routes", null, Json.RouteStatusArray, ct);
                if (routes is null)
                {
                    return 1;
                }

                var inv = System.Globalization.CultureInfo.InvariantCulture;
                CliOutput.Write(parse.GetValue(s_format), JsonSerializer.Serialize(routes, Json.RouteStatusArray),
                    ["Route", "Strategy", "Deployment", "OK", "Failed", "Latency (ms)", "Cooling until", "Req this min", "Strong share", "Target", "Drifting"],
                    ["route", "strategy", "deployment", "successes", "failures", "latency_ms", "cooling_down_until", "requests_this_minute", "strong_share", "target_strong_share", "drifting"],
                    routes.SelectMany(r => r.Deployments.Select(d => new object?[]
                    {
                        r.Name, r.Strategy, d.Model, d.Successes, d.Failures, d.LatencyMs, d.CoolingDownUntil?.ToString("u", inv), d.RequestsThisMinute,
                        r.Learned?.StrongShare, r.Learned?.TargetStrongShare, r.Learned?.Drifting,
                    })));
                return 0;
            });

    private static readonly Option<OutputFormat> s_format = CliOptions.Format();

    private static Command Command(string name, string description, Symbol[] symbols, Func<ParseResult, AdminClient, CancellationToken, Task<int>> action)
    {
        var url = AdminClient.UrlOption();
        var command = new Command(name, description) { url, s_format };
        foreach (var symbol in symbols)
        {
            if (symbol is Option option)
            {
                command.Options.Add(option);
            }
            else
            {
                command.Arguments.Add((Argument)symbol);
            }
        }

        command.SetAction(async (parse, cancellationToken) =>
        {
            using var client = AdminClient.From(parse, url, out var address);
            return client is null
                ? await CliOutput.FailAsync($"--url (or TOKENWISE_URL) must be an http(s) address such as {Configuration.ServerOptions.DefaultUrl}, got '{address}'.")
                : await action(parse, client, cancellationToken);
        });
        return command;
    }

    private static Command Delete(string path)
    {
        var id = new Argument<string>("id");
        return Command("delete", "Delete one by id.", [id], async (parse, client, ct) =>
            await client.DeleteAsync($"admin/{path}/{Uri.EscapeDataString(parse.GetValue(id)!)}", ct) ? 0 : 1);
    }

    private static int WriteKey(KeyInfo? key, ParseResult parse)
    {
        if (key is null)
        {
            return 1;
        }

        if (parse.GetValue(s_format) == OutputFormat.Json)
        {
            Console.WriteLine(JsonSerializer.Serialize(key, Json.KeyInfo));
            return 0;
        }

        Console.WriteLine($"id:     {key.Id}");
        Console.WriteLine($"team:   {key.Team}");
        Console.WriteLine($"active: {(key.Active ? "yes" : "no")}");
        if (key.Key is not null)
        {
            Console.WriteLine($"key:    {key.Key}");
            Console.WriteLine("Store the key now: it is not shown again.");
        }

        return 0;
    }

    private static int WriteBudgets(BudgetInfo[] budgets, ParseResult parse)
    {
        CliOutput.Write(parse.GetValue(s_format), JsonSerializer.Serialize(budgets, Json.BudgetInfoArray),
            ["Id", "Scope", "Target", "Amount (USD)", "Period", "Mode", "Alerts %", "Current (USD)", "Resets", "Projected (USD)", "Runs out"],
            ["id", "scope", "target", "amount_usd", "period", "mode", "alert_percents", "current_usd", "resets_at", "projected_usd", "exhausts_at"],
            budgets.Select(b => new object?[] { b.Id, b.Scope, b.Target, b.AmountUsd, b.Period, b.Mode, string.Join(' ', b.AlertPercents), b.CurrentUsd,
                b.ResetsAt?.ToString("u"), b.ProjectedUsd, b.ExhaustsAt?.ToString("u") }));
        return 0;
    }

    private static int WriteLimits(RateLimitInfo[] limits, ParseResult parse)
    {
        CliOutput.Write(parse.GetValue(s_format), JsonSerializer.Serialize(limits, Json.RateLimitInfoArray),
            ["Id", "Scope", "Target", "Requests/min", "Tokens/min", "Concurrent"],
            ["id", "scope", "target", "requests_per_minute", "tokens_per_minute", "max_concurrent"],
            limits.Select(l => new object?[] { l.Id, l.Scope, l.Target, l.RequestsPerMinute, l.TokensPerMinute, l.MaxConcurrent }));
        return 0;
    }
}
