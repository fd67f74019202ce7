namespace Tokenwise.Caching;

/// <summary>
/// Approximate nearest-neighbour search with a hierarchical navigable small world graph (Malkov and
/// Yashunin, 2016): each entry sits on a random number of layers, upper layers are sparse shortcuts,
/// and a search walks greedily down from the top, then explores <see cref="EfSearch"/> candidates on
/// the bottom layer. Neighbours are chosen with the paper's diversity heuristic (algorithm 4).
/// Removal is a tombstone: the node keeps routing searches but is never returned.
/// </summary>
public sealed class HnswIndex : IVectorIndex
{
    private readonly int _m;
    private readonly int _maxBottom;
    private readonly int _efConstruction;
    private readonly double _levelFactor;
    private readonly Random _random;
    private readonly List<float[]> _vectors = [];
    private readonly List<long> _ids = [];
    private readonly List<List<int>[]> _links = [];
    private readonly Dictionary<long, int> _nodes = [];
    private readonly HashSet<int> _removed = [];
    private int[] _visited = new int[1024];
    private int _visitMark;
    private int _entry = -1;
    private int _topLayer = -1;

    /// <param name="m">Links per node on upper layers (twice as many on the bottom layer).</param>
    /// <param name="efConstruction">Candidates explored while inserting: higher builds a better graph, slower.</param>
    /// <param name="efSearch">Candidates explored per search: higher finds the true nearest more often, slower.</param>
    /// <param name="seed">Fixes the random layer assignment, so a build is reproducible.</param>
    public HnswIndex(int m = 16, int efConstruction = 100, int efSearch = 64, int seed = 42)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(m, 2);
        _m = m;
        _maxBottom = 2 * m;
        _efConstruction = Math.Max(efConstruction, m);
        EfSearch = efSearch;
        _levelFactor = 1.0 / Math.Log(m);
        _random = new Random(seed);
    }

    public int EfSearch { get; set; }

    public int Count => _nodes.Count;

    public void Add(long id, float[] vector)
    {
        if (_nodes.ContainsKey(id))
        {
            throw new ArgumentException($"Entry {id} is already indexed.", nameof(id));
        }

        var node = _vectors.Count;
        var level = (int)(-Math.Log(1.0 - _random.NextDouble()) * _levelFactor);
        _vectors.Add(vector);
        _ids.Add(id);
        var links = new List<int>[level + 1];
        for (var l = 0; l <= level; l++)
        {
            links[l] = new List<int>(l == 0 ? _maxBottom : _m);
        }

        _links.Add(links);
        _nodes[id] = node;
        if (_entry < 0)
        {
            _entry = node;
            _topLayer = level;
            return;
        }

        var current = _entry;
        for (var l = _topLayer; l > level; l--)
        {
            current = Greedy(vector, current, l);
        }

        for (var l = Math.Min(level, _topLayer); l >= 0; l--)
        {
            var candidates = SearchLayer(vector, current, _efConstruction, l);
            var max = l == 0 ? _maxBottom : _m;
            var chosen = SelectNeighbours(candidates, _m);
            links[l].AddRange(chosen);
            foreach (var neighbour in chosen)
            {
                var theirs = _links[neighbour][l];
                theirs.Add(node);
                if (theirs.Count > max)
                {
                    Prune(neighbour, l, max);
                }
            }

            current = candidates[0].Node;
        }

        if (level > _topLayer)
        {
            _topLayer = level;
            _entry = node;
        }
    }

    public void Remove(long id)
    {
        if (_nodes.Remove(id, out var node))
        {
            _removed.Add(node);
        }
    }

    /// <summary>Removed entries still in the graph; <see cref="ScopedVectorIndex"/> rebuilds an index whose tombstones outnumber its entries.</summary>
    public int Tombstones => _removed.Count;

    /// <summary>The live entries, for a rebuild.</summary>
    public IEnumerable<(long Id, float[] Vector)> Entries => _nodes.Select(n => (n.Key, _vectors[n.Value]));

    public IReadOnlyList<VectorMatch> Search(ReadOnlySpan<float> query, int count)
    {
        if (_nodes.Count == 0 || count < 1)
        {
            return [];
        }

        var current = _entry;
        for (var l = _topLayer; l > 0; l--)
        {
            current = Greedy(query, current, l);
        }

        var matches = new List<VectorMatch>(count);
        foreach (var candidate in SearchLayer(query, current, Math.Max(EfSearch, count), 0))
        {
            if (!_removed.Contains(candidate.Node))
            {
                matches.Add(new VectorMatch(_ids[candidate.Node], candidate.Similarity));
                if (matches.Count == count)
                {
                    break;
                }
            }
        }

        return matches;
    }

    /// <summary>Walks to the most similar node reachable on one layer.</summary>
    private int Greedy(ReadOnlySpan<float> query, int start, int layer)
    {
        var current = start;
        var best = Vectors.Dot(query, _vectors[current]);
        for (var improved = true; improved;)
        {
            improved = false;
            foreach (var neighbour in _links[current][layer])
            {
                var similarity = Vectors.Dot(query, _vectors[neighbour]);
                if (similarity > best)
                {
                    best = similarity;
                    current = neighbour;
                    improved = true;
                }
            }
        }

        return current;
    }

    /// <summary>The <paramref name="ef"/> most similar nodes found from <paramref name="start"/>, best first.</summary>
    private List<Candidate> SearchLayer(ReadOnlySpan<float> query, int start, int ef, int layer)
    {
        var mark = NextVisitMark();
        var toExplore = new PriorityQueue<int, float>(); // most similar first
        var found = new PriorityQueue<int, float>(); // least similar first, so the worst is dropped
        var startSimilarity = Vectors.Dot(query, _vectors[start]);
        _visited[start] = mark;
        toExplore.Enqueue(start, -startSimilarity);
        found.Enqueue(start, startSimilarity);
        while (toExplore.TryDequeue(out var node, out var negative))
        {
            found.TryPeek(out _, out var worst);
            if (-negative < worst && found.Count >= ef)
            {
                break;
            }

            foreach (var neighbour in _links[node][layer])
            {
                if (_visited[neighbour] == mark)
                {
                    continue;
                }

                _visited[neighbour] = mark;
                var similarity = Vectors.Dot(query, _vectors[neighbour]);
                found.TryPeek(out _, out worst);
                if (found.Count < ef || similarity > worst)
                {
                    toExplore.Enqueue(neighbour, -similarity);
                    found.Enqueue(neighbour, similarity);
                    if (found.Count > ef)
                    {
                        found.Dequeue();
                    }
                }
            }
        }

        var result = new List<Candidate>(found.Count);
        while (found.TryDequeue(out var node, out var similarity))
        {
            result.Add(new Candidate(node, similarity));
        }

        result.Reverse();
        return result;
    }

    /// <summary>
    /// Keeps a candidate only when it is closer to the new node than to any neighbour already kept, so
    /// links point in different directions and clusters stay connected to each other.
    /// </summary>
    private List<int> SelectNeighbours(List<Candidate> candidates, int max)
    {
        var chosen = new List<int>(max);
        foreach (var candidate in candidates)
        {
            if (chosen.Count == max)
            {
                break;
            }

            var diverse = true;
            foreach (var kept in chosen)
            {
                if (Vectors.Dot(_vectors[candidate.Node], _vectors[kept]) > candidate.Similarity)
                {
                    diverse = false;
                    break;
                }
            }

            if (diverse)
            {
                chosen.Add(candidate.Node);
            }
        }

        return chosen;
    }

    private void Prune(int node, int layer, int max)
    {
        var vector = _vectors[node];
        var candidates = _links[node][layer]
            .Select(n => new Candidate(n, Vectors.Dot(vector, _vectors[n])))
            .OrderByDescending(c => c.Similarity)
            .ToList();
        var kept = SelectNeighbours(candidates, max);
        _links[node][layer].Clear();
        _links[node][layer].AddRange(kept);
    }

    private int NextVisitMark()
    {
        if (_visited.Length < _vectors.Count)
        {
            Array.Resize(ref _visited, Math.Max(_vectors.Count, _visited.Length * 2));
        }

        if (++_visitMark == int.MaxValue)
        {
            Array.Clear(_visited);
            _visitMark = 1;
        }

        return _visitMark;
    }

    private readonly record struct Candidate(int Node, float Similarity);
}
