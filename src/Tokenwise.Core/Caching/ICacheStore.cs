namespace Tokenwise.Caching;

/// <summary>Where cache entries outlive the process (SQLite by default).</summary>
public interface ICacheStore
{
    /// <summary>Entries that have not expired at <paramref name="now"/>, newest last.</summary>
    Task<IReadOnlyList<CacheEntry>> LoadAsync(DateTimeOffset now, CancellationToken cancellationToken = default);

    Task SaveAsync(IReadOnlyList<CacheEntry> entries, CancellationToken cancellationToken = default);

    Task DeleteAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken = default);
}
