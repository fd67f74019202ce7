using Microsoft.Extensions.Configuration;
using Tokenwise.Caching;

namespace Tokenwise.Configuration;

/// <summary>The response cache (docs/caching.md). Exact caching is on by default; requests can only narrow it.</summary>
public sealed class CacheOptions
{
    /// <summary><c>off</c> or <c>exact</c> (the default).</summary>
    [ConfigurationKeyName("mode")]
    public CacheMode Mode { get; set; } = CacheMode.Exact;

    /// <summary>How long an entry lives from when it was stored; hits do not extend it.</summary>
    [ConfigurationKeyName("ttl_seconds")]
    public int TtlSeconds { get; set; } = 3600;

    /// <summary>The most a request's <c>x-tokenwise-cache-ttl</c> may ask for.</summary>
    [ConfigurationKeyName("max_ttl_seconds")]
    public int MaxTtlSeconds { get; set; } = 86_400;

    /// <summary>Entries kept; the least recently used go first.</summary>
    [ConfigurationKeyName("max_entries")]
    public int MaxEntries { get; set; } = 10_000;

    /// <summary><c>key</c> (each virtual key its own entries, the default) or <c>team</c> (keys of a team share).</summary>
    [ConfigurationKeyName("namespace")]
    public string Namespace { get; set; } = "key";
}
