using Microsoft.Data.Sqlite;
using SQLitePCL;
using System.Globalization;
using System.Text.Json;
using Tokenwise.Budgets;
using Tokenwise.Metering;

namespace Tokenwise.Storage.Sqlite;

/// <summary>The usage log in one SQLite file (WAL mode), the embedded default.</summary>
public sealed class SqliteUsageStore : IUsageStore
{
    private const string Columns = """
        id, started_at_ms, endpoint, dialect, model, provider, upstream_model, stream, status, error_code,
        input_tokens, cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens,
        cost_picousd, estimated, latency_ms, ttft_ms, request_body, response_body,
        key_id, team, tags, session_id, outcome_id, cache, saved_picousd,
        route, route_policy, route_reason, router_score, route_attempts, counterfactual_picousd,
        cache_write_1h_tokens, service_tier, audio_input_tokens, audio_output_tokens, web_search_requests,
        upstream_request_id, unpriced, search_context_size
        """;

    /// <summary>What days are folded from (see <see cref="InDays"/>).</summary>
    private const long QuarterHourMs = 15 * 60 * 1000;

    private static readonly string[] s_columnNames = Columns.Split(',', StringSplitOptions.TrimEntries);
    private static readonly string s_insert =
        $"INSERT OR REPLACE INTO usage_events ({Columns}) VALUES ({string.Join(", ", s_columnNames.Select((_, i) => $"?{i + 1}"))})";

    private readonly SqliteDatabase _database;

    public SqliteUsageStore(SqliteDatabase database) => _database = database;

    public SqliteUsageStore(string path)
        : this(new SqliteDatabase(path))
    {
    }

    public string Path => _database.Path;

    public int SchemaVersion => SqliteDatabase.SchemaVersion;

    public Task InitializeAsync(CancellationToken cancellationToken = default) => _database.InitializeAsync(cancellationToken);

    public async Task AppendAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken = default)
    {
        if (records.Count == 0)
        {
            return;
        }

        await using var connection = await _database.OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        // The raw statement, bound by position: SqliteCommand looks every named parameter up again on each
        // execution, which was more than half of the writer's time per record (UsageStoreBenchmarks).
        var database = connection.Handle!;
        Check(database, raw.sqlite3_prepare_v2(database, s_insert, out var statement));
        using (statement)
        {
            foreach (var r in records)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var row = new PositionalRow(database, statement);
                row.Add(r.Id);
                row.Add(r.StartedAt.ToUnixTimeMilliseconds());
                row.Add(r.Endpoint);
                row.Add(r.Dialect);
                row.Add(r.Model);
                row.Add(r.Provider);
                row.Add(r.UpstreamModel);
                row.Add(r.Stream ? 1 : 0);
                row.Add(r.Status);
                row.Add(r.ErrorCode);
                row.Add(r.Usage.InputTokens);
                row.Add(r.Usage.CachedInputTokens);
                row.Add(r.Usage.CacheWriteTokens);
                row.Add(r.Usage.OutputTokens);
                row.Add(r.Usage.ReasoningTokens);
                row.Add(CostUnits.ToPicoUsd(r.CostUsd));
                row.Add(r.Estimated ? 1 : 0);
                row.Add(r.LatencyMs);
                row.Add(r.TtftMs);
                row.Add(r.RequestBody);
                row.Add(r.ResponseBody);
                row.Add(r.KeyId);
                row.Add(r.Team);
                row.Add(r.Tags is null ? null : JsonSerializer.Serialize(ToDictionary(r.Tags), StorageJsonContext.Default.DictionaryStringString));
                row.Add(r.SessionId);
                row.Add(r.OutcomeId);
                row.Add(r.Cache);
                row.Add(CostUnits.ToPicoUsd(r.SavedUsd));
                row.Add(r.Route);
                row.Add(r.RoutePolicy);
                row.Add(r.RouteReason);
                row.Add(r.RouterScore);
                row.Add(r.RouteAttempts);
                row.Add(r.CounterfactualUsd is { } counterfactual ? CostUnits.ToPicoUsd(counterfactual) : null);
                row.Add(r.Usage.CacheWrite1hTokens);
                row.Add(r.Usage.ServiceTier);
                row.Add(r.Usage.AudioInputTokens);
                row.Add(r.Usage.AudioOutputTokens);
                row.Add(r.Usage.WebSearchRequests);
                row.Add(r.UpstreamRequestId);
                row.Add(r.Unpriced ? 1 : 0);
                row.Add(r.Usage.SearchContextSize);
                row.Insert();
            }
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<UsageRecord>> LatestAsync(int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        await using var query = connection.CreateCommand();
        query.CommandText = $"SELECT {Columns} FROM usage_events ORDER BY started_at_ms DESC, id DESC LIMIT $limit";
        query.Parameters.AddWithValue("$limit", limit);
        await using var reader = await query.ExecuteReaderAsync(cancellationToken);
        var records = new List<UsageRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            records.Add(new UsageRecord
            {
                Id = reader.GetString(0),
                StartedAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)),
                Endpoint = reader.GetString(2),
                Dialect = reader.GetString(3),
                Model = reader.GetString(4),
                Provider = NullableString(reader, 5),
                UpstreamModel = NullableString(reader, 6),
                UpstreamRequestId = NullableString(reader, 39),
                Stream = reader.GetInt64(7) != 0,
                Status = reader.GetInt32(8),
                ErrorCode = NullableString(reader, 9),
                Usage = new TokenUsage(reader.GetInt64(10), reader.GetInt64(11), reader.GetInt64(12), reader.GetInt64(13), reader.GetInt64(14))
                {
                    CacheWrite1hTokens = reader.GetInt64(34),
                    ServiceTier = NullableString(reader, 35),
                    AudioInputTokens = reader.GetInt64(36),
                    AudioOutputTokens = reader.GetInt64(37),
                    WebSearchRequests = reader.GetInt64(38),
                    SearchContextSize = NullableString(reader, 41),
                },
                CostUsd = CostUnits.FromPicoUsd(reader.GetInt64(15)),
                Unpriced = reader.GetInt64(40) != 0,
                Estimated = reader.GetInt64(16) != 0,
                LatencyMs = reader.GetDouble(17),
                TtftMs = reader.IsDBNull(18) ? null : reader.GetDouble(18),
                RequestBody = NullableString(reader, 19),
                ResponseBody = NullableString(reader, 20),
                KeyId = NullableString(reader, 21),
                Team = NullableString(reader, 22),
                Tags = NullableString(reader, 23) is { } tags ? JsonSerializer.Deserialize(tags, StorageJsonContext.Default.DictionaryStringString) : null,
                SessionId = NullableString(reader, 24),
                OutcomeId = NullableString(reader, 25),
                Cache = NullableString(reader, 26),
                SavedUsd = CostUnits.FromPicoUsd(reader.GetInt64(27)),
                Route = NullableString(reader, 28),
                RoutePolicy = NullableString(reader, 29),
                RouteReason = NullableString(reader, 30),
                RouterScore = reader.IsDBNull(31) ? null : reader.GetDouble(31),
                RouteAttempts = reader.GetInt32(32),
                CounterfactualUsd = reader.IsDBNull(33) ? null : CostUnits.FromPicoUsd(reader.GetInt64(33)),
            });
        }

        return records;
    }

    public async Task<IReadOnlyList<SpendRow>> SpendAsync(SpendQuery query, CancellationToken cancellationToken = default)
    {
        var byDay = query.By == SpendGrouping.Day;
        var (group, order) = query.By switch
        {
            SpendGrouping.Model => ("model", "cost DESC, grp"),
            SpendGrouping.Provider => ("coalesce(provider, '(none)')", "cost DESC, grp"),
            SpendGrouping.Day => ($"CAST(started_at_ms / {QuarterHourMs} AS TEXT)", "grp"), // folded into days below
            SpendGrouping.Key => ("coalesce(key_id, '(none)')", "cost DESC, grp"),
            SpendGrouping.Team => ("coalesce(team, '(none)')", "cost DESC, grp"),
            SpendGrouping.Tag => ("coalesce(json_extract(tags, $tag), '(none)')", "cost DESC, grp"),
            SpendGrouping.Session => ("coalesce(session_id, '(none)')", "cost DESC, grp"),
            _ => throw new ArgumentOutOfRangeException(nameof(query), query.By, null),
        };
        await using var connection = await _database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT {group} AS grp, count(*), sum(status >= 400), sum(input_tokens), sum(cached_input_tokens), sum(cache_write_tokens),
                   sum(output_tokens), sum(reasoning_tokens), {CostUnits.SplitSum("cost_picousd")}, total(cost_picousd) AS cost, sum(unpriced),
                   sum(web_search_requests)
            FROM usage_events WHERE started_at_ms >= $since {(query.By == SpendGrouping.Session ? "AND session_id IS NOT NULL" : "")}
            GROUP BY grp ORDER BY {order} {(query.Limit is null || byDay ? "" : "LIMIT $limit")}
            """;
        command.Parameters.AddWithValue("$since", query.Since.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$tag", "$." + JsonPathKey(query.Tag ?? ""));
        command.Parameters.AddWithValue("$limit", query.Limit ?? -1);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<SpendRow>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new SpendRow(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3),
                reader.GetInt64(4), reader.GetInt64(5), reader.GetInt64(6), reader.GetInt64(7), CostUnits.ReadSplitSum(reader, 8), reader.GetInt64(11),
                reader.GetInt64(12)));
        }

        return byDay ? InDays(rows, query.TimeZone ?? TimeZoneInfo.Utc, query.Limit) : rows;
    }

    /// <summary>
    /// Quarter-hour groups added up into the calendar days of <paramref name="zone"/>, oldest first (with a limit, the
    /// days that spent most). SQLite knows no time zones, but every offset in use is a whole number of quarter hours,
    /// so no quarter hour straddles a local midnight, daylight-saving changes included.
    /// </summary>
    private static List<SpendRow> InDays(List<SpendRow> quarterHours, TimeZoneInfo zone, int? limit)
    {
        var days = quarterHours
            .GroupBy(q => TimeZoneInfo.ConvertTime(DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(q.Group, CultureInfo.InvariantCulture) * QuarterHourMs), zone)
                .ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))
            .Select(day => SpendRow.Sum(day.Key, day));
        if (limit is { } top)
        {
            days = days.OrderByDescending(d => d.CostUsd).ThenBy(d => d.Group, StringComparer.Ordinal).Take(top);
        }

        return [.. days.OrderBy(d => d.Group, StringComparer.Ordinal)];
    }

    // A call that reached a model used tokens (or cost something by the hour); a cache hit reached none.
    public IAsyncEnumerable<BilledCall> BilledSinceAsync(DateTimeOffset since, CancellationToken cancellationToken = default) => RowsSinceAsync(since, """
        SELECT coalesce(upstream_model, model), input_tokens, cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens,
               cache_write_1h_tokens, service_tier, audio_input_tokens, audio_output_tokens, web_search_requests, cost_picousd,
               search_context_size
        FROM usage_events
        WHERE started_at_ms >= $since AND provider IS NOT NULL AND coalesce(cache, '') NOT LIKE 'hit-%'
          AND (input_tokens > 0 OR output_tokens > 0 OR cost_picousd > 0)
        ORDER BY started_at_ms
        """, reader => new BilledCall(reader.GetString(0),
            new TokenUsage(reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5))
            {
                CacheWrite1hTokens = reader.GetInt64(6),
                ServiceTier = NullableString(reader, 7),
                AudioInputTokens = reader.GetInt64(8),
                AudioOutputTokens = reader.GetInt64(9),
                WebSearchRequests = reader.GetInt64(10),
                SearchContextSize = NullableString(reader, 12),
            },
            CostUnits.FromPicoUsd(reader.GetInt64(11))), cancellationToken);

    // The calls a model answered: a cache hit sent no prompt anywhere.
    public IAsyncEnumerable<SessionStep> SessionStepsSinceAsync(DateTimeOffset since, CancellationToken cancellationToken = default) => RowsSinceAsync(since, """
        SELECT session_id, started_at_ms, input_tokens, cached_input_tokens, cost_picousd
        FROM usage_events
        WHERE session_id IS NOT NULL AND started_at_ms >= $since AND provider IS NOT NULL AND coalesce(cache, '') NOT LIKE 'hit-%'
          AND input_tokens > 0
        ORDER BY session_id, started_at_ms, id
        """, reader => new SessionStep(reader.GetString(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)), reader.GetInt64(2),
            reader.GetInt64(3), CostUnits.FromPicoUsd(reader.GetInt64(4))), cancellationToken);

    public IAsyncEnumerable<LoggedRequest> LoggedRequestsSinceAsync(DateTimeOffset since, CancellationToken cancellationToken = default) => RowsSinceAsync(since, """
        SELECT started_at_ms, dialect, coalesce(upstream_model, model), request_body, cached_input_tokens
        FROM usage_events
        WHERE started_at_ms >= $since AND request_body IS NOT NULL AND provider IS NOT NULL AND coalesce(cache, '') NOT LIKE 'hit-%'
          AND endpoint IN ('chat.completions', 'messages')
        ORDER BY started_at_ms, id
        """, reader => new LoggedRequest(DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(0)), reader.GetString(1), reader.GetString(2),
            reader.GetString(3), reader.GetInt64(4)), cancellationToken);

    public async Task<IReadOnlyList<RouteRow>> RoutesAsync(DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        // Escalated cascade calls are rows of their own (error_code cascade_escalated): paid, but not requests.
        // Cache hits reached no deployment (no counterfactual): they count as requests, not in the comparison.
        command.CommandText = $"""
            SELECT route,
                   sum(coalesce(error_code, '') <> 'cascade_escalated'),
                   sum(route_attempts > 1 AND coalesce(error_code, '') <> 'cascade_escalated'),
                   sum(coalesce(error_code, '') = 'cascade_escalated'),
                   {CostUnits.SplitSum("cost_picousd")},
                   {CostUnits.SplitSum("counterfactual_picousd")},
                   {CostUnits.SplitSum("CASE WHEN counterfactual_picousd IS NOT NULL OR error_code = 'cascade_escalated' THEN cost_picousd ELSE 0 END")}
            FROM usage_events WHERE route IS NOT NULL AND started_at_ms >= $since
            GROUP BY route ORDER BY total(cost_picousd) DESC, route
            """;
        command.Parameters.AddWithValue("$since", since.ToUnixTimeMilliseconds());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<RouteRow>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var baseline = CostUnits.ReadSplitSum(reader, 6);
            rows.Add(new RouteRow(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3),
                CostUnits.ReadSplitSum(reader, 4), baseline, baseline - CostUnits.ReadSplitSum(reader, 8)));
        }

        return rows;
    }

    public async Task<decimal> SpentAsync(BudgetScope scope, string target, DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        var (condition, value, tag) = scope switch
        {
            BudgetScope.Key => ("key_id = $value", target, ""),
            BudgetScope.Team => ("team = $value", target, ""),
            BudgetScope.Session => ("session_id = $value", target, ""),
            BudgetScope.Tag => ("json_extract(tags, $tag) = $value", target[(target.IndexOf('=', StringComparison.Ordinal) + 1)..],
                "$." + JsonPathKey(target[..Math.Max(0, target.IndexOf('=', StringComparison.Ordinal))])),
            _ => throw new ArgumentOutOfRangeException(nameof(scope), scope, null),
        };
        await using var connection = await _database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {CostUnits.SplitSum("cost_picousd")} FROM usage_events WHERE started_at_ms >= $since AND {condition}";
        command.Parameters.AddWithValue("$since", since == DateTimeOffset.MinValue ? long.MinValue : since.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$value", value);
        command.Parameters.AddWithValue("$tag", tag);
        return await SplitSumAsync(command, cancellationToken);
    }

    public async Task<decimal> SavedAsync(DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {CostUnits.SplitSum("saved_picousd")} FROM usage_events WHERE started_at_ms >= $since";
        command.Parameters.AddWithValue("$since", since.ToUnixTimeMilliseconds());
        return await SplitSumAsync(command, cancellationToken);
    }

    private static async Task<decimal> SplitSumAsync(SqliteCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return CostUnits.ReadSplitSum(reader, 0);
    }

    public async Task RecordOutcomeAsync(Outcome outcome, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT OR REPLACE INTO outcomes (team, id, workflow, status, value, reported_at_ms)
            VALUES ($team, $id, $workflow, $status, $value, $at)
            """;
        command.Parameters.AddWithValue("$team", outcome.Team);
        command.Parameters.AddWithValue("$id", outcome.Id);
        command.Parameters.AddWithValue("$workflow", outcome.Workflow);
        command.Parameters.AddWithValue("$status", outcome.Status == OutcomeStatus.Success ? "success" : "failure");
        command.Parameters.AddWithValue("$value", outcome.Value is { } v ? (object)(double)v : DBNull.Value);
        command.Parameters.AddWithValue("$at", outcome.ReportedAt.ToUnixTimeMilliseconds());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<WorkflowRow>> WorkflowsAsync(DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        // Requests are matched to outcomes by id within the same team (the master key's team is '').
        // Each outcome's cost is kept as whole microdollars and the picodollars below them, so neither sum overflows.
        command.CommandText = $"""
            SELECT o.workflow, count(*), sum(o.status = 'success'), sum(o.status = 'failure'),
                   coalesce(sum(u.requests), 0), coalesce(sum(u.micro), 0), coalesce(sum(u.pico), 0),
                   coalesce(sum(CASE WHEN o.status = 'failure' THEN u.micro END), 0), coalesce(sum(CASE WHEN o.status = 'failure' THEN u.pico END), 0),
                   sum(o.value)
            FROM outcomes o
            LEFT JOIN (SELECT coalesce(team, '') AS team, outcome_id, count(*) AS requests,
                              sum(cost_picousd / {CostUnits.PicoPerMicro}) AS micro, sum(cost_picousd % {CostUnits.PicoPerMicro}) AS pico, total(cost_picousd) AS cost
                       FROM usage_events WHERE outcome_id IS NOT NULL GROUP BY 1, 2) u
                   ON u.team = o.team AND u.outcome_id = o.id
            WHERE o.reported_at_ms >= $since
            GROUP BY o.workflow ORDER BY total(u.cost) DESC, o.workflow
            """;
        command.Parameters.AddWithValue("$since", since.ToUnixTimeMilliseconds());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<WorkflowRow>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var successes = reader.GetInt64(2);
            var spend = CostUnits.ReadSplitSum(reader, 5);
            rows.Add(new WorkflowRow(reader.GetString(0), reader.GetInt64(1), successes, reader.GetInt64(3), reader.GetInt64(4), spend,
                successes == 0 ? null : spend / successes, CostUnits.ReadSplitSum(reader, 7),
                reader.IsDBNull(9) ? null : (decimal)reader.GetDouble(9)));
        }

        return rows;
    }

    /// <summary>
    /// A tag name as one quoted JSON path step, so names with dots or spaces work; a backslash is escaped too, or a name
    /// ending in one ('\') made the path malformed and the query fail (a 500 for the report, and for the budget's spend).
    /// </summary>
    private static string JsonPathKey(string name) =>
        "\"" + name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    private static Dictionary<string, string> ToDictionary(IReadOnlyDictionary<string, string> tags) =>
        tags as Dictionary<string, string> ?? tags.ToDictionary(StringComparer.Ordinal);

    private static string? NullableString(SqliteDataReader reader, int ordinal) => SqliteDatabase.NullableString(reader, ordinal);

    /// <summary>The rows <paramref name="sql"/> selects from <c>$since</c> on, read one at a time, for the analyses that scan the log.</summary>
    private async IAsyncEnumerable<T> RowsSinceAsync<T>(DateTimeOffset since, string sql, Func<SqliteDataReader, T> read,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$since", since.ToUnixTimeMilliseconds());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return read(reader);
        }
    }

    private static void Check(sqlite3 database, int result, int expected = raw.SQLITE_OK)
    {
        if (result != expected)
        {
            throw new SqliteException(raw.sqlite3_errmsg(database).utf8_to_string(), result);
        }
    }

    /// <summary>One row of <see cref="s_insert"/>: each value goes to the next column, in <see cref="Columns"/>' order.</summary>
    private struct PositionalRow(sqlite3 database, sqlite3_stmt statement)
    {
        private int _column;

        public void Add(string? value) =>
            Check(database, value is null ? raw.sqlite3_bind_null(statement, ++_column) : raw.sqlite3_bind_text(statement, ++_column, value));

        public void Add(long value) => Check(database, raw.sqlite3_bind_int64(statement, ++_column, value));

        public void Add(long? value) => Check(database, value is { } v ? raw.sqlite3_bind_int64(statement, ++_column, v) : raw.sqlite3_bind_null(statement, ++_column));

        public void Add(double value) => Check(database, raw.sqlite3_bind_double(statement, ++_column, value));

        public void Add(double? value) => Check(database, value is { } v ? raw.sqlite3_bind_double(statement, ++_column, v) : raw.sqlite3_bind_null(statement, ++_column));

        /// <summary>Runs the statement with this row's values and readies it for the next row.</summary>
        public readonly void Insert()
        {
            if (_column != s_columnNames.Length)
            {
                throw new InvalidOperationException($"A usage row binds {_column} values for {s_columnNames.Length} columns.");
            }

            var result = raw.sqlite3_step(statement);
            raw.sqlite3_reset(statement);
            Check(database, result, raw.SQLITE_DONE);
        }
    }
}
