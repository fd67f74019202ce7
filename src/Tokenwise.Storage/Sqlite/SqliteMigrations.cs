namespace Tokenwise.Storage.Sqlite;

/// <summary>
/// The schema's history. Each entry moves the database from version N to N+1 (tracked in
/// <c>PRAGMA user_version</c>); entries are only ever appended, never edited.
/// </summary>
internal static class SqliteMigrations
{
    public static readonly IReadOnlyList<string> All =
    [
        // 1: the usage log.
        """
        CREATE TABLE usage_events (
            id TEXT PRIMARY KEY,
            started_at_ms INTEGER NOT NULL,
            endpoint TEXT NOT NULL,
            dialect TEXT NOT NULL,
            model TEXT NOT NULL,
            provider TEXT,
            upstream_model TEXT,
            stream INTEGER NOT NULL,
            status INTEGER NOT NULL,
            error_code TEXT,
            input_tokens INTEGER NOT NULL,
            cached_input_tokens INTEGER NOT NULL,
            cache_write_tokens INTEGER NOT NULL,
            output_tokens INTEGER NOT NULL,
            reasoning_tokens INTEGER NOT NULL,
            cost_picousd INTEGER NOT NULL,
            estimated INTEGER NOT NULL,
            latency_ms REAL NOT NULL,
            ttft_ms REAL,
            request_body TEXT,
            response_body TEXT
        );
        CREATE INDEX ix_usage_events_started_at ON usage_events (started_at_ms);
        """,
    ];
}
