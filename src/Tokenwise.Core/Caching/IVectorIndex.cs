namespace Tokenwise.Caching;

/// <summary>
/// Nearest-neighbour search over unit vectors of one scope. An index never mixes scopes: the caller
/// keeps one index per scope, so a search can only ever return entries of its own scope.
/// Not thread-safe: callers serialise writes against reads.
/// </summary>
public interface IVectorIndex
{
    int Count { get; }

    void Add(long id, float[] vector);

    /// <summary>Removes an entry; searches stop returning it.</summary>
    void Remove(long id);

    /// <summary>Up to <paramref name="count"/> matches, most similar first (fewer when the index holds fewer).</summary>
    IReadOnlyList<VectorMatch> Search(ReadOnlySpan<float> query, int count);
}
