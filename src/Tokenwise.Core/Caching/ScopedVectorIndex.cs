namespace Tokenwise.Caching;

/// <summary>
/// One vector index per scope (tenant, model, parameters, system prompt, earlier conversation): a
/// search sees only its own scope's entries, so no filter can be forgotten and no tenant's entry can
/// outrank another's. A scope starts with exact search and moves to HNSW once it grows past
/// <see cref="ExactLimit"/> entries, where brute force stops being cheap. Thread-safe.
/// </summary>
public sealed class ScopedVectorIndex(int exactLimit = 4096)
{
    private readonly Dictionary<string, IVectorIndex> _scopes = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public int ExactLimit { get; } = exactLimit;

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _scopes.Values.Sum(s => s.Count);
            }
        }
    }

    public void Add(string scope, long id, float[] vector)
    {
        lock (_lock)
        {
            if (!_scopes.TryGetValue(scope, out var index))
            {
                _scopes[scope] = index = new ExactVectorIndex();
            }
            else if (index is ExactVectorIndex exact && exact.Count >= ExactLimit)
            {
                var hnsw = new HnswIndex();
                foreach (var (entryId, entryVector) in exact.Entries)
                {
                    hnsw.Add(entryId, entryVector);
                }

                _scopes[scope] = index = hnsw;
            }

            index.Add(id, vector);
        }
    }

    public void Remove(string scope, long id)
    {
        lock (_lock)
        {
            if (_scopes.TryGetValue(scope, out var index))
            {
                index.Remove(id);
                if (index.Count == 0)
                {
                    _scopes.Remove(scope);
                }
            }
        }
    }

    /// <summary>The most similar entry of <paramref name="scope"/>; null when that scope holds none.</summary>
    public VectorMatch? Nearest(string scope, ReadOnlySpan<float> query)
    {
        lock (_lock)
        {
            return _scopes.TryGetValue(scope, out var index) ? index.Nearest(query) : null;
        }
    }
}
