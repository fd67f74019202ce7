using Microsoft.Extensions.Primitives;
using Tokenwise.Caching;

namespace Tokenwise.Admin;

/// <summary>
/// Which cache entries an invalidation removes, from the admin API's query string: <c>key</c>, <c>team</c>,
/// <c>model</c>, <c>tag=name=value</c> and <c>older_than</c> (a duration) must all match; <c>all=true</c> takes everything.
/// </summary>
public sealed record CacheFilter(string? KeyId, string? Team, string? Model, string? TagName, string? TagValue, DateTimeOffset? CreatedBefore)
{
    private const string Filters = "key, team, model, tag, older_than";
    private static readonly string[] s_names = ["key", "team", "model", "tag", "older_than", "all"];

    public bool Matches(CacheEntry e) =>
        (KeyId is null || e.KeyId == KeyId)
        && (Team is null || e.Team == Team)
        && (Model is null || e.Model == Model)
        && (TagName is null || (e.Tags is { } tags && tags.TryGetValue(TagName, out var value) && value == TagValue))
        && (CreatedBefore is null || e.CreatedAt <= CreatedBefore);

    /// <summary>Reads the filter; an unknown, repeated, empty or malformed one is an <see cref="AdminException"/> naming it.</summary>
    public static CacheFilter Parse(IQueryCollection query, DateTimeOffset now)
    {
        foreach (var name in query.Keys)
        {
            if (!s_names.Contains(name, StringComparer.Ordinal))
            {
                throw new AdminException($"Unknown cache filter '{name}': use {Filters} or all.");
            }
        }

        var all = One(query, "all");
        if (all is not (null or "true" or "false"))
        {
            throw new AdminException($"all must be true or false, got '{all}'.");
        }

        string? tagName = null, tagValue = null;
        if (One(query, "tag") is { } tag)
        {
            var equals = tag.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0 || equals == tag.Length - 1)
            {
                throw new AdminException($"tag must be name=value, e.g. feature=triage; got '{tag}'.");
            }

            (tagName, tagValue) = (tag[..equals], tag[(equals + 1)..]);
        }

        DateTimeOffset? before = null;
        if (One(query, "older_than") is { } age)
        {
            if (!Durations.TryParse(age, out var span))
            {
                throw new AdminException($"older_than must be a duration such as 30m, 24h or 7d, got '{age}'.");
            }

            before = now - span;
        }

        var filter = new CacheFilter(One(query, "key"), One(query, "team"), One(query, "model"), tagName, tagValue, before);
        var filtered = filter != new CacheFilter(null, null, null, null, null, null);
        return (all == "true", filtered) switch
        {
            (true, true) => throw new AdminException("all=true removes every entry: give it alone, without other filters."),
            (false, false) => throw new AdminException($"Give at least one filter ({Filters}), or all=true to empty the cache."),
            _ => filter,
        };
    }

    private static string? One(IQueryCollection query, string name)
    {
        StringValues values = query[name];
        if (values.Count > 1)
        {
            throw new AdminException($"Give {name} once, got {values.Count} values.");
        }

        if (values.Count == 1 && string.IsNullOrWhiteSpace(values[0]))
        {
            throw new AdminException($"{name} is empty.");
        }

        return values.Count == 1 ? values[0]!.Trim() : null;
    }
}
