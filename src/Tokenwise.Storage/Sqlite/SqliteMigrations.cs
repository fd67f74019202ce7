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

        // 2: attribution on the log; keys, budgets, rate limits and reported outcomes.
        """
        ALTER TABLE usage_events ADD COLUMN key_id TEXT;
        ALTER TABLE usage_events ADD COLUMN team TEXT;
        ALTER TABLE usage_events ADD COLUMN tags TEXT;
        ALTER TABLE usage_events ADD COLUMN session_id TEXT;
        ALTER TABLE usage_events ADD COLUMN outcome_id TEXT;
        CREATE INDEX ix_usage_events_session ON usage_events (session_id) WHERE session_id IS NOT NULL;
        CREATE INDEX ix_usage_events_outcome ON usage_events (outcome_id) WHERE outcome_id IS NOT NULL;
        CREATE TABLE virtual_keys (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            team TEXT NOT NULL,
            hash TEXT NOT NULL UNIQUE,
            prefix TEXT NOT NULL,
            created_at_ms INTEGER NOT NULL,
            allowed_models TEXT NOT NULL,
            expires_at_ms INTEGER,
            revoked_at_ms INTEGER,
            metadata TEXT NOT NULL
        );
        CREATE TABLE budgets (
            id TEXT PRIMARY KEY,
            scope TEXT NOT NULL,
            target TEXT NOT NULL,
            amount_picousd INTEGER NOT NULL,
            period TEXT NOT NULL,
            mode TEXT NOT NULL,
            alert_percents TEXT NOT NULL
        );
        CREATE TABLE rate_limits (
            id TEXT PRIMARY KEY,
            scope TEXT NOT NULL,
            target TEXT NOT NULL,
            requests_per_minute INTEGER,
            tokens_per_minute INTEGER,
            max_concurrent INTEGER
        );
        CREATE TABLE outcomes (
            team TEXT NOT NULL,
            id TEXT NOT NULL,
            workflow TEXT NOT NULL,
            status TEXT NOT NULL,
            value REAL,
            reported_at_ms INTEGER NOT NULL,
            PRIMARY KEY (team, id)
        );
        """,

        // 3: the response cache's entries, and the cache decision and avoided cost on the log (the savings ledger).
        """
        CREATE TABLE cache_entries (
            key TEXT PRIMARY KEY,
            namespace TEXT NOT NULL,
            key_id TEXT,
            team TEXT,
            model TEXT NOT NULL,
            tags TEXT,
            created_at_ms INTEGER NOT NULL,
            expires_at_ms INTEGER NOT NULL,
            stream INTEGER NOT NULL,
            content_type TEXT NOT NULL,
            body BLOB NOT NULL,
            input_tokens INTEGER NOT NULL,
            cached_input_tokens INTEGER NOT NULL,
            cache_write_tokens INTEGER NOT NULL,
            output_tokens INTEGER NOT NULL,
            reasoning_tokens INTEGER NOT NULL,
            estimated INTEGER NOT NULL
        );
        CREATE INDEX ix_cache_entries_expires_at ON cache_entries (expires_at_ms);
        ALTER TABLE usage_events ADD COLUMN cache TEXT;
        ALTER TABLE usage_events ADD COLUMN saved_picousd INTEGER NOT NULL DEFAULT 0;
        """,

        // 4: routing decisions: the route, its strategy, why this deployment, the router's score, attempts, and the counterfactual cost.
        """
        ALTER TABLE usage_events ADD COLUMN route TEXT;
        ALTER TABLE usage_events ADD COLUMN route_policy TEXT;
        ALTER TABLE usage_events ADD COLUMN route_reason TEXT;
        ALTER TABLE usage_events ADD COLUMN router_score REAL;
        ALTER TABLE usage_events ADD COLUMN route_attempts INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE usage_events ADD COLUMN counterfactual_picousd INTEGER;
        CREATE INDEX ix_usage_events_route ON usage_events (route, started_at_ms) WHERE route IS NOT NULL;
        """,

        // 5: semantic cache entries: the scope, the question and its vector (float32 little-endian) from the named embedder.
        """
        ALTER TABLE cache_entries ADD COLUMN semantic_scope TEXT;
        ALTER TABLE cache_entries ADD COLUMN question TEXT;
        ALTER TABLE cache_entries ADD COLUMN embedder TEXT;
        ALTER TABLE cache_entries ADD COLUMN embedding BLOB;
        """,

        // 6: of the cache writes, those to Anthropic's one-hour cache (priced apart); rows from before read as none.
        """
        ALTER TABLE usage_events ADD COLUMN cache_write_1h_tokens INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE cache_entries ADD COLUMN cache_write_1h_tokens INTEGER NOT NULL DEFAULT 0;
        """,

        // 7: the processing tier a call was served at (OpenAI's service_tier: flex and priority are priced apart), of its
        // tokens the audio ones, and the web searches the provider ran (each priced apart too); rows from before read as
        // standard, no audio and no searches.
        """
        ALTER TABLE usage_events ADD COLUMN service_tier TEXT;
        ALTER TABLE cache_entries ADD COLUMN service_tier TEXT;
        ALTER TABLE usage_events ADD COLUMN audio_input_tokens INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE usage_events ADD COLUMN audio_output_tokens INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE cache_entries ADD COLUMN audio_input_tokens INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE cache_entries ADD COLUMN audio_output_tokens INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE usage_events ADD COLUMN web_search_requests INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE cache_entries ADD COLUMN web_search_requests INTEGER NOT NULL DEFAULT 0;
        """,

        // 8: the provider's id for the call (x-request-id, request-id), to find it in the provider's logs; none before.
        """
        ALTER TABLE usage_events ADD COLUMN upstream_request_id TEXT;
        """,

        // 9: calls whose model had no price (neither catalog nor config), logged at cost 0; rows from before read as priced.
        """
        ALTER TABLE usage_events ADD COLUMN unpriced INTEGER NOT NULL DEFAULT 0;
        """,

        // 10: the search context size a call's web searches ran at (OpenAI prices a search by it); rows from before read as
        // the default, medium.
        """
        ALTER TABLE usage_events ADD COLUMN search_context_size TEXT;
        ALTER TABLE cache_entries ADD COLUMN search_context_size TEXT;
        """,
    ];
}
