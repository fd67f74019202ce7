namespace Tokenwise.Caching;

/// <summary>
/// One vector index per scope (tenant, model, parameters, system prompt, earlier conversation): a
/// search sees only its own scope's entries, so no filter can be forgotten and no tenant's entry can
/// outrank another's. A scope starts with exact search and moves to HNSW once it grows past
/// <see cref="ExactLimit"/> entries, where brute force stops being cheap. A scope holds vectors of one length, its
/// first's: an embeddings endpoint that changes its model's size under the same name cannot make a search compare
/// vectors of two lengths (it finds nothing, and such vectors are not added). Thread-safe.
/// </summary>
public sealed class ScopedVectorIndex(int exactLimit = 4096)
{
    private readonly Dictionary<string, IVectorIndex> _scopes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _lengths = new(StringComparer.Ordinal);
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

    /// <returns>Whether the vector was added: not when the scope holds vectors of another length.</returns>
    public bool Add(string scope, long id, float[] vector)
    {
        lock (_lock)
        {
            if (!_scopes.TryGetValue(scope, out var index))
            {
                _scopes[scope] = index = new ExactVectorIndex();
                _lengths[scope] = vector.Length;
            }
            else if (_lengths[scope] != vector.Length)
            {
                return false;
            }
            else if (index is ExactVectorIndex exact && exact.Count >= ExactLimit)
            {
                _scopes[scope] = index = Build(exact.Entries, exact.Count + 1);
            }

            index.Add(id, vector);
            return true;
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
                    _lengths.Remove(scope);
                }
                else if (index is HnswIndex { Tombstones: var tombstones } hnsw && tombstones > hnsw.Count)
                {
                    // A removed node stays in the graph to route searches; once most are gone (eviction,
                    // expiry, invalidation), rebuild from the live ones so memory and search time follow them.
                    _scopes[scope] = Build(hnsw.Entries, hnsw.Count);
                }
            }
        }
    }

    /// <summary>Up to <paramref name="count"/> entries of <paramref name="scope"/>, most similar first.</summary>
    public IReadOnlyList<VectorMatch> Search(string scope, ReadOnlySpan<float> query, int count)
    {
        lock (_lock)
        {
            return _scopes.TryGetValue(scope, out var index) && _lengths[scope] == query.Length ? index.Search(query, count) : [];
        }
    }

    /// <summary>An index for <paramref name="count"/> entries: exact search up to <see cref="ExactLimit"/>, HNSW beyond.</summary>
    private IVectorIndex Build(IEnumerable<(long Id, float[] Vector)> entries, int count)
    {
        IVectorIndex index = count > ExactLimit ? new HnswIndex() : new ExactVectorIndex();
        foreach (var (id, vector) in entries)
        {
            index.Add(id, vector);
        }

        return index;
    }
}
