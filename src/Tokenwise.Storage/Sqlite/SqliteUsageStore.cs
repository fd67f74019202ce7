using Microsoft.Data.Sqlite;
using Tokenwise.Metering;

namespace Tokenwise.Storage.Sqlite;

/// <summary>The usage log in one SQLite file (WAL mode), the embedded default.</summary>
public sealed class SqliteUsageStore : IUsageStore
{
    private const string Columns = """
        id, started_at_ms, endpoint, dialect, model, provider, upstream_model, stream, status, error_code,
        input_tokens, cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens,
        cost_picousd, estimated, latency_ms, ttft_ms, request_body, response_body
        """;

    private static readonly string[] s_columnNames = Columns.Split(',', StringSplitOptions.TrimEntries);
    private static readonly string s_insert =
        $"INSERT OR REPLACE INTO usage_events ({Columns}) VALUES ({string.Join(", ", s_columnNames.Select(n => "$" + n))})";

    private readonly string _connectionString;

    public SqliteUsageStore(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            // Microsoft.Data.Sqlite retries a busy database for this long, so writers wait for each other.
            DefaultTimeout = 30,
        }.ToString();
    }

    public string Path { get; }

    public int SchemaVersion => SqliteMigrations.All.Count;

    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        var directory = System.IO.Path.GetDirectoryName(Path);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        await using var connection = await OpenAsync(cancellationToken);
        await ExecuteAsync(connection, "PRAGMA journal_mode=WAL;", cancellationToken);
        var version = Convert.ToInt32(await ScalarAsync(connection, "PRAGMA user_version;", cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        if (version > SqliteMigrations.All.Count)
        {
            throw new InvalidOperationException(
                $"The database '{Path}' has schema version {version}, newer than this Tokenwise ({SqliteMigrations.All.Count}). Upgrade Tokenwise.");
        }

        for (var next = version; next < SqliteMigrations.All.Count; next++)
        {
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
            await ExecuteAsync(connection, SqliteMigrations.All[next], cancellationToken, transaction);
            await ExecuteAsync(connection, $"PRAGMA user_version = {next + 1};", cancellationToken, transaction);
            await transaction.CommitAsync(cancellationToken);
        }
    }

    public async Task AppendAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken = default)
    {
        if (records.Count == 0)
        {
            return;
        }

        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = s_insert;
        var parameters = s_columnNames.Select(n => insert.Parameters.Add(new SqliteParameter("$" + n, null))).ToArray();
        insert.Prepare();
        foreach (var r in records)
        {
            object?[] values =
            [
                r.Id, r.StartedAt.ToUnixTimeMilliseconds(), r.Endpoint, r.Dialect, r.Model, r.Provider, r.UpstreamModel,
                r.Stream ? 1 : 0, r.Status, r.ErrorCode,
                r.Usage.InputTokens, r.Usage.CachedInputTokens, r.Usage.CacheWriteTokens, r.Usage.OutputTokens, r.Usage.ReasoningTokens,
                CostUnits.ToPicoUsd(r.CostUsd), r.Estimated ? 1 : 0, r.LatencyMs, r.TtftMs, r.RequestBody, r.ResponseBody,
            ];
            for (var i = 0; i < values.Length; i++)
            {
                parameters[i].Value = values[i] ?? DBNull.Value;
            }

            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<UsageRecord>> LatestAsync(int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
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
                Stream = reader.GetInt64(7) != 0,
                Status = reader.GetInt32(8),
                ErrorCode = NullableString(reader, 9),
                Usage = new TokenUsage(reader.GetInt64(10), reader.GetInt64(11), reader.GetInt64(12), reader.GetInt64(13), reader.GetInt64(14)),
                CostUsd = CostUnits.FromPicoUsd(reader.GetInt64(15)),
                Estimated = reader.GetInt64(16) != 0,
                LatencyMs = reader.GetDouble(17),
                TtftMs = reader.IsDBNull(18) ? null : reader.GetDouble(18),
                RequestBody = NullableString(reader, 19),
                ResponseBody = NullableString(reader, 20),
            });
        }

        return records;
    }

    public async Task<IReadOnlyList<SpendRow>> SpendAsync(DateTimeOffset since, SpendGrouping by, CancellationToken cancellationToken = default)
    {
        var (group, order) = by switch
        {
            SpendGrouping.Model => ("model", "cost DESC, grp"),
            SpendGrouping.Provider => ("coalesce(provider, '(none)')", "cost DESC, grp"),
            SpendGrouping.Day => ("strftime('%Y-%m-%d', started_at_ms / 1000, 'unixepoch')", "grp"),
            _ => throw new ArgumentOutOfRangeException(nameof(by), by, null),
        };
        await using var connection = await OpenAsync(cancellationToken);
        await using var query = connection.CreateCommand();
        query.CommandText = $"""
            SELECT {group} AS grp, count(*), sum(status >= 400), sum(input_tokens), sum(cached_input_tokens),
                   sum(output_tokens), sum(reasoning_tokens), sum(cost_picousd) AS cost
            FROM usage_events WHERE started_at_ms >= $since
            GROUP BY grp ORDER BY {order}
            """;
        query.Parameters.AddWithValue("$since", since.ToUnixTimeMilliseconds());
        await using var reader = await query.ExecuteReaderAsync(cancellationToken);
        var rows = new List<SpendRow>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new SpendRow(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3),
                reader.GetInt64(4), reader.GetInt64(5), reader.GetInt64(6), CostUnits.FromPicoUsd(reader.GetInt64(7))));
        }

        return rows;
    }

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        // Per connection: WAL makes NORMAL durable against application crashes.
        await ExecuteAsync(connection, "PRAGMA synchronous=NORMAL;", cancellationToken);
        return connection;
    }

    private static string? NullableString(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static async Task ExecuteAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken, SqliteTransaction? transaction = null)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<object?> ScalarAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync(cancellationToken);
    }
}
