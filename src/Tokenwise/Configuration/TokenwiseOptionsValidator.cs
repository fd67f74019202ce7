using System.Net;
using Tokenwise.Pricing;

namespace Tokenwise.Configuration;

/// <summary>Checks setting values; each problem names its setting path (e.g. <c>models:0:provider</c>).</summary>
public static class TokenwiseOptionsValidator
{
    private const decimal MaxCostPerHourUsd = 100_000m;

    public readonly record struct Problem(string Path, string Message);

    public static IEnumerable<Problem> Validate(TokenwiseOptions o, IReadOnlyDictionary<string, string?> environment)
    {
        var urls = o.Server.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (urls.Length == 0)
        {
            // Kestrel would fall back to its own default, http://localhost:5000, not the gateway's.
            yield return new("server:urls", $"names no address; give one or more, ';'-separated, such as {ServerOptions.DefaultUrl}.");
        }

        foreach (var url in urls)
        {
            if (!Uri.TryCreate(url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal), UriKind.Absolute, out var uri)
                || uri.Scheme is not ("http" or "https"))
            {
                yield return new("server:urls", $"'{url}' is not an http(s) URL such as {ServerOptions.DefaultUrl}.");
            }
            else if (string.IsNullOrEmpty(o.MasterKey) && !IsLoopback(uri))
            {
                yield return new("server:urls", $"refusing to listen on '{url}' beyond loopback without a master key. "
                    + "Set TOKENWISE_MASTER_KEY (or master_key), or listen on 127.0.0.1.");
            }
            else if (uri.Scheme == "https" && string.IsNullOrWhiteSpace(o.Server.TlsCertificate))
            {
                yield return new("server:urls", $"'{url}' needs a certificate: set server.tls_certificate (and server.tls_key) to PEM files, "
                    + "or listen on http:// behind whatever terminates TLS.");
            }
        }

        if (!string.IsNullOrWhiteSpace(o.Server.TlsKey) && string.IsNullOrWhiteSpace(o.Server.TlsCertificate))
        {
            yield return new("server:tls_key", "is set without server.tls_certificate, the certificate it is the key of.");
        }

        if (o.Server.MaxRequestBodyBytes <= 0)
        {
            yield return new("server:max_request_body_bytes", $"must be greater than 0, got {o.Server.MaxRequestBodyBytes}.");
        }

        if (string.IsNullOrWhiteSpace(o.Storage.SqlitePath))
        {
            yield return new("storage:sqlite_path", "must name a file, e.g. tokenwise.db.");
        }

        if (!TryFindTimeZone(o.Budgets.TimeZone, out _))
        {
            yield return new("budgets:time_zone", $"'{o.Budgets.TimeZone}' is not a known IANA time zone such as UTC or Europe/Berlin.");
        }

        if (o.Budgets.AlertWebhookUrl is { } webhook
            && !IsHttpUrl(webhook))
        {
            yield return new("budgets:alert_webhook_url", $"'{webhook}' is not an http(s) URL.");
        }

        foreach (var error in CacheErrors(o.Cache, environment))
        {
            yield return error;
        }

        foreach (var error in RouteOptionsValidator.Validate(o))
        {
            yield return error;
        }

        if (o.Storage.BatchSize is < 1 or > 100_000)
        {
            yield return new("storage:batch_size", $"must be between 1 and 100000, got {o.Storage.BatchSize}.");
        }

        if (o.Storage.MaxPendingRecords is < 1000 or > 100_000_000)
        {
            yield return new("storage:max_pending_records", $"must be between 1000 and 100000000, got {o.Storage.MaxPendingRecords}.");
        }

        foreach (var (key, value) in new[]
        {
            ("connect_timeout_seconds", o.Upstream.ConnectTimeoutSeconds),
            ("first_byte_timeout_seconds", o.Upstream.FirstByteTimeoutSeconds),
            ("total_timeout_seconds", o.Upstream.TotalTimeoutSeconds),
            ("stream_idle_timeout_seconds", o.Upstream.StreamIdleTimeoutSeconds),
            ("pooled_connection_idle_seconds", o.Upstream.PooledConnectionIdleSeconds),
        })
        {
            if (UpstreamOptions.TimeoutProblem(value) is { } problem)
            {
                yield return new("upstream:" + key, problem);
            }
        }

        if (o.Pricing.OverridesFile is { } overrides && !File.Exists(overrides))
        {
            yield return new("pricing:overrides_file", $"the file '{Path.GetFullPath(overrides)}' does not exist.");
        }

        foreach (var (name, p) in o.Providers)
        {
            var path = "providers:" + name;
            var type = p.Type ?? (name.Equals(ProviderTypes.OpenAI, StringComparison.OrdinalIgnoreCase) ? ProviderTypes.OpenAI : null);
            if (type is null || !ProviderTypes.All.Contains(type))
            {
                yield return new(path + ":type", $"must be one of {string.Join(", ", ProviderTypes.All)}, got '{p.Type}'.");
                continue;
            }

            if (name.Contains('/', StringComparison.Ordinal))
            {
                yield return new(path, "a provider name cannot contain '/', which separates provider and model in model names.");
            }

            if (p.BaseUrl is not null && !IsHttpUrl(p.BaseUrl))
            {
                yield return new(path + ":base_url", $"'{p.BaseUrl}' is not an http(s) URL.");
            }

            if (type == ProviderTypes.OpenAICompatible && p.BaseUrl is null)
            {
                yield return new(path + ":base_url", "is required for an openai-compatible provider, e.g. http://localhost:11434/v1.");
            }

            var keyVariable = p.ApiKeyEnv ?? ProviderTypes.DefaultKeyVariable(type, environment);
            if (p.ApiKey is null && keyVariable is not null && string.IsNullOrEmpty(environment.GetValueOrDefault(keyVariable)))
            {
                yield return new(path + ":api_key_env", $"the environment variable {keyVariable} is not set.");
            }

            // A call may last up to a day (the longest timeout): at most $2.4 million, within what the usage log stores.
            if (p.CostPerHourUsd is < 0 or > MaxCostPerHourUsd)
            {
                yield return new(path + ":cost_per_hour_usd", $"must be from 0 to {MaxCostPerHourUsd} USD, got {p.CostPerHourUsd}.");
            }

            if (p.ApiKeyHeader is not null && (type is not (ProviderTypes.OpenAI or ProviderTypes.OpenAICompatible)
                || p.ApiKeyHeader.Length == 0 || !p.ApiKeyHeader.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
            {
                yield return new(path + ":api_key_header", $"must be a header name such as api-key, for an openai or openai-compatible provider; got '{p.ApiKeyHeader}'.");
            }

            if (p.HttpVersion is not (null or "auto" or "1.1" or "2"))
            {
                yield return new(path + ":http_version", $"must be 'auto', '1.1' or '2', got '{p.HttpVersion}'.");
            }

            if (p.Latency is not (null or "realistic" or "none"))
            {
                yield return new(path + ":latency", $"must be 'realistic' or 'none', got '{p.Latency}'.");
            }
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < o.Models.Count; i++)
        {
            var m = o.Models[i];
            var path = $"models:{i}";
            if (string.IsNullOrWhiteSpace(m.Name))
            {
                yield return new(path + ":name", "is required.");
            }
            else if (!seen.Add(m.Name))
            {
                yield return new(path + ":name", $"'{m.Name}' is declared twice.");
            }

            if (m.Provider is null || !o.Providers.ContainsKey(m.Provider))
            {
                var known = o.Providers.Count == 0 ? "none; set OPENAI_API_KEY or declare providers" : string.Join(", ", o.Providers.Keys);
                yield return new(path + ":provider", $"'{m.Provider}' is not a configured provider (configured: {known}).");
            }

            foreach (var (key, price) in new[]
            {
                ("input_cost_per_token", m.InputCostPerToken), ("output_cost_per_token", m.OutputCostPerToken),
                ("cache_read_input_token_cost", m.CacheReadInputTokenCost), ("cache_creation_input_token_cost", m.CacheCreationInputTokenCost),
                ("cache_creation_input_token_cost_above_1hr", m.CacheCreationInputTokenCostAbove1Hour),
                ("output_cost_per_reasoning_token", m.OutputCostPerReasoningToken),
            })
            {
                if (price is { } given && !ModelPrice.IsPrice(given))
                {
                    yield return new($"{path}:{key}", $"a price must be from 0 to {ModelPrice.MaxPrice} USD per token (not per million), got {price}.");
                }
            }
        }
    }

    public static bool TryFindTimeZone(string id, out TimeZoneInfo zone)
    {
        try
        {
            zone = TimeZoneInfo.FindSystemTimeZoneById(id);
            return true;
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException or ArgumentException)
        {
            zone = TimeZoneInfo.Utc;
            return false;
        }
    }

    public static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));

    private static bool IsThreshold(double value) => value is > 0 and <= 1;

    private static bool IsHttpUrl(string text) => Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https";

    private static IEnumerable<Problem> CacheErrors(CacheOptions cache, IReadOnlyDictionary<string, string?> environment)
    {
        if (cache.Embeddings.Threads is < 1 or > 64)
        {
            yield return new("cache:embeddings:threads", $"must be between 1 and 64, got {cache.Embeddings.Threads}.");
        }

        if (!CacheEmbeddingOptions.Precisions.ContainsKey(cache.Embeddings.Precision))
        {
            yield return new("cache:embeddings:precision",
                $"must be {string.Join(" or ", CacheEmbeddingOptions.Precisions.Keys.Select(name => $"'{name}'"))}, got '{cache.Embeddings.Precision}'.");
        }

        if (!IsThreshold(cache.Threshold))
        {
            yield return new("cache:threshold", $"must be a cosine similarity above 0 and at most 1, got {cache.Threshold}.");
        }

        foreach (var (model, m) in cache.Models)
        {
            if (m.Mode is not null && m.ModeOrDefault() is null)
            {
                yield return new($"cache:models:{model}:mode", $"must be off, exact or semantic, got '{m.Mode}'.");
            }

            if (m.Threshold is { } threshold && !IsThreshold(threshold))
            {
                yield return new($"cache:models:{model}:threshold", $"must be a cosine similarity above 0 and at most 1, got {threshold}.");
            }
        }

        var embeddings = cache.Embeddings;
        if (embeddings.Url is { } url && !IsHttpUrl(url))
        {
            yield return new("cache:embeddings:url", $"'{url}' is not an http(s) URL such as http://localhost:11434/v1.");
        }

        if (embeddings.Url is not null && string.IsNullOrWhiteSpace(embeddings.Model))
        {
            yield return new("cache:embeddings:model", "is required with cache.embeddings.url, e.g. text-embedding-3-small.");
        }

        if (embeddings.Url is null && embeddings.Model is not null)
        {
            yield return new("cache:embeddings:model", "applies to an embeddings endpoint: set cache.embeddings.url too (without it the local all-MiniLM-L6-v2 is used).");
        }

        if (embeddings.ApiKeyEnv is { } keyVariable && string.IsNullOrEmpty(environment.GetValueOrDefault(keyVariable)))
        {
            yield return new("cache:embeddings:api_key_env", $"the environment variable {keyVariable} is not set.");
        }

        if (embeddings.TimeoutMs < 1)
        {
            yield return new("cache:embeddings:timeout_ms", $"must be at least 1 millisecond, got {embeddings.TimeoutMs}.");
        }

        if (cache.TtlSeconds < 1 || cache.MaxTtlSeconds < cache.TtlSeconds)
        {
            // Named even when left at its default: lowering cache.max_ttl_seconds alone below it lands here.
            yield return new("cache:ttl_seconds", $"must be at least 1 and at most cache.max_ttl_seconds ({cache.MaxTtlSeconds}), got {cache.TtlSeconds}"
                + (cache.TtlSeconds == CacheOptions.DefaultTtlSeconds ? " (its default): set it too when lowering cache.max_ttl_seconds." : "."));
        }

        if (cache.MaxEntries < 1)
        {
            yield return new("cache:max_entries", $"must be at least 1, got {cache.MaxEntries}.");
        }

        if (cache.Namespace is not ("key" or "team"))
        {
            yield return new("cache:namespace", $"must be key or team, got '{cache.Namespace}'.");
        }
    }
}
