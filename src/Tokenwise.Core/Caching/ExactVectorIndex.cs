namespace Tokenwise.Caching;

/// <summary>
/// Brute force: compares the query with every entry. Exact, and the fastest choice for small scopes
/// (a few thousand entries take microseconds); also the baseline the approximate index is measured against.
/// </summary>
public sealed class ExactVectorIndex : IVectorIndex
{
    private readonly List<long> _ids = [];
    private readonly List<float[]> _vectors = [];

    public int Count => _ids.Count;

    /// <summary>The entries, for promoting a scope that grew to an approximate index.</summary>
    public IEnumerable<(long Id, float[] Vector)> Entries => _ids.Zip(_vectors);

    public void Add(long id, float[] vector)
    {
        _ids.Add(id);
        _vectors.Add(vector);
    }

    public void Remove(long id)
    {
        var i = _ids.IndexOf(id);
        if (i >= 0)
        {
            // Swap with the last entry: order does not matter to a full scan.
            var last = _ids.Count - 1;
            _ids[i] = _ids[last];
            _vectors[i] = _vectors[last];
            _ids.RemoveAt(last);
            _vectors.RemoveAt(last);
        }
    }

    public IReadOnlyList<VectorMatch> Search(ReadOnlySpan<float> query, int count)
    {
        // The best few so far, most similar first: a handful of candidates, so insertion beats a heap.
        var best = new List<VectorMatch>(Math.Min(count, _ids.Count) + 1);
        for (var i = 0; i < _vectors.Count; i++)
        {
            var similarity = Vectors.Dot(query, _vectors[i]);
            if (best.Count == count && similarity <= best[^1].Similarity)
            {
                continue;
            }

            var at = best.Count;
            while (at > 0 && best[at - 1].Similarity < similarity)
            {
                at--;
            }

            best.Insert(at, new VectorMatch(_ids[i], similarity));
            if (best.Count > count)
            {
                best.RemoveAt(count);
            }
        }

        return best;
    }
}
