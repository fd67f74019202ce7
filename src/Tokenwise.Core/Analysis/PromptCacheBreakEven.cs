using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Tokenwise.Metering;
using Tokenwise.Pricing;
using Tokenwise.Storage;

namespace Tokenwise.Analysis;

/// <summary>
/// Per model and stable prompt prefix (the system prompt and the tools, which lead every prompt of an application):
/// what caching that prefix would have cost against sending it in full every time. The calls are replayed in time
/// order through a cache that keeps a prefix for <see cref="Ttl"/> after its last use, as providers' prompt caches
/// do: a use within that time reads the prefix at the cache-read price, any other writes it at the cache-write
/// price (the input price where the provider charges no premium, as OpenAI's automatic cache). Prefixes shorter
/// than <see cref="MinimumTokens"/> are listed, but providers do not cache them.
/// </summary>
public sealed record PromptCacheBreakEven(string Model, string Prefix, int Uses, long PrefixTokens, int Writes, int Reads, bool Cacheable,
    decimal UncachedUsd, decimal CachedUsd, double AlreadyCachedShare)
{
    /// <summary>How long a provider keeps a prefix after its last use (Anthropic's default; OpenAI's is 5 to 10 minutes).</summary>
    public static readonly TimeSpan Ttl = TimeSpan.FromMinutes(5);

    /// <summary>The shortest prefix OpenAI and Anthropic cache; some models need more (Anthropic's Haiku models).</summary>
    public const int MinimumTokens = 1024;

    /// <summary>What caching would save: negative where the writes' premium costs more than the reads save.</summary>
    public decimal SavingUsd => UncachedUsd - CachedUsd;

    /// <summary>
    /// The prefixes of <paramref name="requests"/> (time order), those caching would save most on first; calls without a
    /// system prompt or tools, and models the catalog has no cache-read price for, are left out.
    /// </summary>
    public static async Task<IReadOnlyList<PromptCacheBreakEven>> OfAsync(IAsyncEnumerable<LoggedRequest> requests, PriceCatalog catalog, int top,
        CancellationToken cancellationToken = default)
    {
        var prefixes = new Dictionary<(string Model, string Key), Replay>();
        await foreach (var request in requests.WithCancellation(cancellationToken))
        {
            if (catalog.Find(request.Model) is not { CacheReadPerToken: not null } price || StablePrefix(request) is not { } prefix)
            {
                continue;
            }

            var key = (request.Model, Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(prefix.Text))));
            if (!prefixes.TryGetValue(key, out var replay))
            {
                replay = new Replay(price, prefix.Label, TokenEstimator.Count(request.Model, prefix.Text));
                prefixes[key] = replay;
            }

            replay.Use(request.StartedAt, request.CachedInputTokens);
        }

        return [.. prefixes.Select(p => p.Value.Row(p.Key.Model)).OrderByDescending(r => r.SavingUsd).ThenBy(r => r.Model, StringComparer.Ordinal).Take(top)];
    }

    /// <summary>The stable prefix: OpenAI's leading system and developer messages and its tools; Anthropic's system and tools.</summary>
    private static (string Text, string Label)? StablePrefix(LoggedRequest request)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(request.Body);
        }
        catch (JsonException)
        {
            return null;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            var text = new StringBuilder();
            string? label = null;
            if (request.Dialect == "anthropic")
            {
                if (root.TryGetProperty("system", out var system) && system.ValueKind is JsonValueKind.String or JsonValueKind.Array)
                {
                    text.Append(system.GetRawText());
                    label = system.ValueKind == JsonValueKind.String ? system.GetString() : FirstText(system);
                }
            }
            else if (root.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Array)
            {
                foreach (var message in messages.EnumerateArray())
                {
                    if (message.ValueKind != JsonValueKind.Object || !message.TryGetProperty("role", out var role) || role.GetString() is not ("system" or "developer"))
                    {
                        break;
                    }

                    text.Append(message.GetRawText());
                    label ??= message.TryGetProperty("content", out var content)
                        ? content.ValueKind == JsonValueKind.String ? content.GetString() : FirstText(content)
                        : null;
                }
            }

            if (root.TryGetProperty("tools", out var tools) && tools.ValueKind == JsonValueKind.Array && tools.GetArrayLength() > 0)
            {
                text.Append(tools.GetRawText());
                label ??= $"({tools.GetArrayLength()} tools)";
            }

            return text.Length == 0 ? null : (text.ToString(), Shorten(label ?? ""));
        }
    }

    private static string? FirstText(JsonElement parts) =>
        parts.ValueKind == JsonValueKind.Array
            ? parts.EnumerateArray().Select(p => p.ValueKind == JsonValueKind.Object && p.TryGetProperty("text", out var t) ? t.GetString() : null).FirstOrDefault(t => t is not null)
            : null;

    private static string Shorten(string text)
    {
        var line = text.ReplaceLineEndings(" ");
        return line.Length <= 60 ? line : line[..57] + "...";
    }

    /// <summary>One prefix's calls replayed through a cache that forgets it <see cref="Ttl"/> after its last use.</summary>
    private sealed class Replay(ModelPrice price, string label, long tokens)
    {
        private DateTimeOffset? _lastUse;
        private int _writes;
        private int _reads;
        private long _alreadyCached;

        public void Use(DateTimeOffset at, long cachedInputTokens)
        {
            if (_lastUse is { } last && at - last <= Ttl)
            {
                _reads++;
            }
            else
            {
                _writes++;
            }

            _lastUse = at;
            _alreadyCached += Math.Min(cachedInputTokens, tokens);
        }

        public PromptCacheBreakEven Row(string model)
        {
            var uses = _writes + _reads;
            var write = price.CacheWritePerToken ?? price.InputPerToken;
            return new PromptCacheBreakEven(model, label, uses, tokens, _writes, _reads, tokens >= MinimumTokens,
                uses * tokens * price.InputPerToken, tokens * (_writes * write + _reads * price.CacheReadPerToken!.Value),
                Math.Round((double)_alreadyCached / (uses * tokens), 3));
        }
    }
}
