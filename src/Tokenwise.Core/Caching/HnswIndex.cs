using System.Runtime.Intrinsics.X86;

namespace Tokenwise.Caching;

/// <summary>
/// Approximate nearest-neighbour search with a hierarchical navigable small world graph (Malkov and
/// Yashunin, 2016): each entry sits on a random number of layers, upper layers are sparse shortcuts,
/// and a search walks greedily down from the top, then explores <see cref="EfSearch"/> candidates on
/// the bottom layer. Neighbours are chosen with the paper's diversity heuristic (algorithm 4).
/// Removal is a tombstone: the node keeps routing searches but is never returned.
/// </summary>
/// <remarks>
/// A search over a large index is bound by memory, not arithmetic: each node it expands is a cache miss
/// for its links and one per neighbour's vector. So the graph is walked on 8-bit codes of the vectors
/// (<see cref="Vectors.Quantize"/>, a quarter of the float size), kept with the links in contiguous blocks
/// rather than one object per node; only the final <see cref="EfSearch"/> candidates are re-scored with the
/// float vectors, so the similarities returned are exact and ranked by them. All search state is reused
/// between calls, which is why, like every <see cref="IVectorIndex"/>, an instance is not thread-safe.
/// </remarks>
public sealed class HnswIndex : IVectorIndex
{
    private readonly int _m;
    private readonly int _maxBottom;
    private readonly int _efConstruction;
    private readonly double _levelFactor;
    private readonly Random _random;
    private readonly Dictionary<long, int> _nodes = [];

    // Per node, removed ones included; the graph only ever grows, and a node's number is its position.
    private int _nodeCount;
    private long[] _ids = [];
    private float[] _scales = []; // a code × its node's scale ≈ the float component
    private bool[] _removed = [];

    // The float vectors are the caller's arrays, not copies: the cache keeps each entry's vector anyway, and only
    // the few final candidates of a search read them. The codes the graph is walked on are the index's own.
    private float[][] _vectors = [];
    private NodeBlocks<sbyte> _codes = null!; // allocated by the first Add, which fixes the dimensions

    // Bottom-layer links, the ones every search walks: per node a count, then up to 2M neighbours. Upper
    // layers hold about one node in M, so only those nodes have an entry: per layer above 0 a count and M.
    private readonly NodeBlocks<int> _bottomLinks;
    private readonly Dictionary<int, int[]> _upperLinks = [];
    private int _entry = -1;
    private int _topLayer = -1;

    // Reused by every Add and Search. A visit mark is a generation number, so a search starts by bumping it
    // rather than clearing the array; a short's range clears it once every 65,535 searches.
    private ushort[] _visited = [];
    private ushort _visitMark;
    private readonly CandidateHeap _toExplore = new(mostSimilarOnTop: true);
    private readonly CandidateHeap _found = new(mostSimilarOnTop: false);
    private Candidate[] _ranked = [];
    private readonly Candidate[] _pruning;
    private readonly int[] _unvisited;
    private sbyte[] _queryCodes = [];
    private int _dimensions;
    private int _tombstones;

    /// <param name="m">Links per node on upper layers (twice as many on the bottom layer).</param>
    /// <param name="efConstruction">Candidates explored while inserting: higher builds a better graph, slower.</param>
    /// <param name="efSearch">
    /// Candidates explored per search: higher finds the true nearest more often, slower. 256 rather than the usual 64:
    /// a missed repeat is a paid upstream call, a wider search a fraction of the 5 ms embedding. On the benchmark's
    /// near-random vectors a repeat finds its entry 128 times in 128 at 100,000 entries (0.97 ms), against 110 at ef 64.
    /// </param>
    /// <param name="seed">Fixes the random layer assignment, so a build is reproducible.</param>
    public HnswIndex(int m = 16, int efConstruction = 100, int efSearch = 256, int seed = 42)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(m, 2);
        _m = m;
        _maxBottom = 2 * m;
        _efConstruction = Math.Max(efConstruction, m);
        EfSearch = efSearch;
        _levelFactor = 1.0 / Math.Log(m);
        _random = new Random(seed);
        _bottomLinks = new NodeBlocks<int>(1 + _maxBottom);
        _pruning = new Candidate[_maxBottom + 1];
        _unvisited = new int[_maxBottom];
    }

    public int EfSearch { get; set; }

    public int Count => _nodes.Count;

    /// <summary>Removed entries still in the graph; <see cref="ScopedVectorIndex"/> rebuilds an index whose tombstones outnumber its entries.</summary>
    public int Tombstones => _tombstones;

    /// <summary>The live entries, for a rebuild.</summary>
    public IEnumerable<(long Id, float[] Vector)> Entries => _nodes.Select(n => (n.Key, _vectors[n.Value]));

    /// <remarks>
    /// The index keeps <paramref name="vector"/> itself, which must not change afterwards; every vector of one
    /// index must have the same dimensions.
    /// </remarks>
    public void Add(long id, float[] vector)
    {
        if (_nodes.ContainsKey(id))
        {
            throw new ArgumentException($"Entry {id} is already indexed.", nameof(id));
        }

        if (_dimensions == 0)
        {
            ArgumentOutOfRangeException.ThrowIfZero(vector.Length, nameof(vector));
            _dimensions = vector.Length;
            _codes = new NodeBlocks<sbyte>(_dimensions);
            _queryCodes = new sbyte[_dimensions];
        }

        CheckDimensions(vector, nameof(vector));
        var node = _nodeCount;
        MakeRoom(node);
        _nodeCount++;
        _vectors[node] = vector;
        var codes = _codes[node];
        var scale = _scales[node] = Vectors.Quantize(vector, codes);
        _ids[node] = id;
        var level = (int)(-Math.Log(1.0 - _random.NextDouble()) * _levelFactor);
        if (level > 0)
        {
            _upperLinks[node] = new int[level * (1 + _m)];
        }

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
            current = Greedy(codes, scale, current, l);
        }

        for (var l = Math.Min(level, _topLayer); l >= 0; l--)
        {
            SearchLayer(codes, scale, current, _efConstruction, l);
            var candidates = RankFound();
            var links = Links(node, l);
            SelectNeighbours(candidates, links, _m);
            var max = l == 0 ? _maxBottom : _m;
            for (var k = 1; k <= links[0]; k++)
            {
                Connect(links[k], node, l, max);
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
            _removed[node] = true;
            _tombstones++;
        }
    }

    public IReadOnlyList<VectorMatch> Search(ReadOnlySpan<float> query, int count)
    {
        if (_nodes.Count == 0 || count < 1)
        {
            return [];
        }

        CheckDimensions(query, nameof(query));
        var scale = Vectors.Quantize(query, _queryCodes);
        var current = _entry;
        for (var l = _topLayer; l > 0; l--)
        {
            current = Greedy(_queryCodes, scale, current, l);
        }

        SearchLayer(_queryCodes, scale, current, Math.Max(EfSearch, count), 0);

        // The codes found these candidates; the float vectors decide their order and the similarities returned.
        var ranked = Ranked(_found.Count);
        var live = 0;
        foreach (var candidate in _found.Items)
        {
            if (!_removed[candidate.Node])
            {
                ranked[live++] = new Candidate(candidate.Node, Vectors.Dot(query, _vectors[candidate.Node]));
            }
        }

        ranked = ranked[..live];
        ranked.Sort(static (a, b) => b.Similarity.CompareTo(a.Similarity));
        var matches = new VectorMatch[Math.Min(count, live)];
        for (var i = 0; i < matches.Length; i++)
        {
            matches[i] = new VectorMatch(_ids[ranked[i].Node], ranked[i].Similarity);
        }

        return matches;
    }

    private void CheckDimensions(ReadOnlySpan<float> vector, string name)
    {
        if (vector.Length != _dimensions)
        {
            throw new ArgumentException($"The index holds {_dimensions}-dimension vectors, not {vector.Length}.", name);
        }
    }

    /// <summary>Grows the per-node storage so that <paramref name="node"/> fits.</summary>
    private void MakeRoom(int node)
    {
        _codes.MakeRoom(node);
        _bottomLinks.MakeRoom(node);
        if (node == _ids.Length)
        {
            var length = Math.Max(1024, 2 * _ids.Length);
            Array.Resize(ref _ids, length);
            Array.Resize(ref _vectors, length);
            Array.Resize(ref _scales, length);
            Array.Resize(ref _removed, length);
            Array.Resize(ref _visited, length);
        }
    }

    /// <summary>A node's links on one layer: the count, then the neighbours.</summary>
    private Span<int> Links(int node, int layer) =>
        layer == 0 ? _bottomLinks[node] : _upperLinks[node].AsSpan((layer - 1) * (1 + _m), 1 + _m);

    /// <summary>The similarity of a query (or a node's own codes) to <paramref name="node"/>, estimated from the codes.</summary>
    private float Estimate(ReadOnlySpan<sbyte> codes, float scale, int node) =>
        scale * _scales[node] * Vectors.Dot(codes, _codes[node]);

    /// <summary>Walks to the most similar node reachable on one layer.</summary>
    private int Greedy(ReadOnlySpan<sbyte> codes, float scale, int start, int layer)
    {
        var current = start;
        var best = Estimate(codes, scale, current);
        for (var improved = true; improved;)
        {
            improved = false;
            var links = Links(current, layer);
            for (var k = 1; k <= links[0]; k++)
            {
                var similarity = Estimate(codes, scale, links[k]);
                if (similarity > best)
                {
                    best = similarity;
                    current = links[k];
                    improved = true;
                }
            }
        }

        return current;
    }

    /// <summary>Leaves the <paramref name="ef"/> most similar nodes found from <paramref name="start"/> in <see cref="_found"/>.</summary>
    private void SearchLayer(ReadOnlySpan<sbyte> codes, float scale, int start, int ef, int layer)
    {
        var mark = NextVisitMark();
        _toExplore.Clear();
        _found.Clear();
        var startSimilarity = Estimate(codes, scale, start);
        _visited[start] = mark;
        _toExplore.Push(new Candidate(start, startSimilarity));
        _found.Push(new Candidate(start, startSimilarity));
        while (_toExplore.Count > 0)
        {
            var nearest = _toExplore.Pop();
            if (nearest.Similarity < _found.Top.Similarity && _found.Count >= ef)
            {
                break;
            }

            var links = Links(nearest.Node, layer);
            var unvisited = 0; // first gather the unvisited neighbours, requesting their codes, then compare them
            for (var k = 1; k <= links[0]; k++)
            {
                var neighbour = links[k];
                if (_visited[neighbour] != mark)
                {
                    _visited[neighbour] = mark;
                    _unvisited[unvisited++] = neighbour;
                    Prefetch<sbyte>(_codes[neighbour]);
                    Prefetch<float>(_scales.AsSpan(neighbour, 1));
                }
            }

            for (var k = 0; k < unvisited; k++)
            {
                var neighbour = _unvisited[k];
                var similarity = Estimate(codes, scale, neighbour);
                if (_found.Count < ef || similarity > _found.Top.Similarity)
                {
                    _toExplore.Push(new Candidate(neighbour, similarity));
                    _found.Push(new Candidate(neighbour, similarity));
                    if (_found.Count > ef)
                    {
                        _found.Pop();
                    }
                }
            }
        }
    }

    /// <summary>Empties <see cref="_found"/> into <see cref="_ranked"/>, most similar first.</summary>
    private ReadOnlySpan<Candidate> RankFound()
    {
        var ranked = Ranked(_found.Count);
        for (var i = ranked.Length - 1; i >= 0; i--)
        {
            ranked[i] = _found.Pop();
        }

        return ranked;
    }

    /// <summary>The first <paramref name="count"/> places of <see cref="_ranked"/>, which grows when a search keeps more candidates than any before.</summary>
    private Span<Candidate> Ranked(int count)
    {
        if (_ranked.Length < count)
        {
            _ranked = new Candidate[Math.Max(count, 2 * _ranked.Length)];
        }

        return _ranked.AsSpan(0, count);
    }

    /// <summary>
    /// Fills <paramref name="links"/> with up to <paramref name="max"/> of <paramref name="candidates"/> (most
    /// similar first), keeping a candidate only when it is closer to the node than to any neighbour already
    /// kept, so links point in different directions and clusters stay connected to each other.
    /// </summary>
    private void SelectNeighbours(ReadOnlySpan<Candidate> candidates, Span<int> links, int max)
    {
        var kept = 0;
        foreach (var candidate in candidates)
        {
            if (kept == max)
            {
                break;
            }

            var codes = _codes[candidate.Node];
            var scale = _scales[candidate.Node];
            var diverse = true;
            for (var k = 1; k <= kept; k++)
            {
                if (Estimate(codes, scale, links[k]) > candidate.Similarity)
                {
                    diverse = false;
                    break;
                }
            }

            if (diverse)
            {
                links[++kept] = candidate.Node;
            }
        }

        links[0] = kept;
    }

    /// <summary>Links <paramref name="from"/> to <paramref name="to"/>; a full list is chosen again with <paramref name="to"/> among its candidates.</summary>
    private void Connect(int from, int to, int layer, int max)
    {
        var links = Links(from, layer);
        if (links[0] < max)
        {
            links[++links[0]] = to;
            return;
        }

        var codes = _codes[from];
        var scale = _scales[from];
        var candidates = _pruning.AsSpan(0, max + 1);
        for (var k = 0; k < max; k++)
        {
            candidates[k] = new Candidate(links[k + 1], Estimate(codes, scale, links[k + 1]));
        }

        candidates[max] = new Candidate(to, Estimate(codes, scale, to));
        candidates.Sort(static (a, b) => b.Similarity.CompareTo(a.Similarity));
        SelectNeighbours(candidates, links, max);
    }

    /// <summary>
    /// Asks the processor to start loading <paramref name="values"/> into its cache, without waiting for them. A
    /// search learns a node's neighbours all at once but compares them one after the other: requested up front,
    /// their cache misses overlap instead of each stalling its comparison (about a fifth off search and build at
    /// 100,000 entries). Elsewhere than x86 it does nothing.
    /// </summary>
    private static unsafe void Prefetch<T>(ReadOnlySpan<T> values)
        where T : unmanaged
    {
        if (!Sse.IsSupported)
        {
            return;
        }

        fixed (T* start = values)
        {
            const int CacheLine = 64;
            var last = (nuint)(start + values.Length) - 1;
            for (var line = (nuint)start & ~(nuint)(CacheLine - 1); line <= last; line += CacheLine)
            {
                Sse.Prefetch0((void*)line);
            }
        }
    }

    private ushort NextVisitMark()
    {
        if (++_visitMark == 0)
        {
            Array.Clear(_visited);
            _visitMark = 1;
        }

        return _visitMark;
    }

    private readonly record struct Candidate(int Node, float Similarity);

    /// <summary>A binary heap of candidates over an array that is kept between searches, so a search allocates no queue.</summary>
    private sealed class CandidateHeap(bool mostSimilarOnTop)
    {
        private Candidate[] _items = new Candidate[64];

        public int Count { get; private set; }

        public Candidate Top => _items[0];

        /// <summary>The candidates in heap order, not sorted.</summary>
        public ReadOnlySpan<Candidate> Items => _items.AsSpan(0, Count);

        public void Clear() => Count = 0;

        public void Push(Candidate candidate)
        {
            if (Count == _items.Length)
            {
                Array.Resize(ref _items, 2 * _items.Length);
            }

            var at = Count++;
            while (at > 0)
            {
                var parent = (at - 1) / 2;
                if (!Above(candidate, _items[parent]))
                {
                    break;
                }

                _items[at] = _items[parent];
                at = parent;
            }

            _items[at] = candidate;
        }

        public Candidate Pop()
        {
            var top = _items[0];
            var last = _items[--Count];
            var at = 0;
            while (true)
            {
                var child = (2 * at) + 1;
                if (child >= Count)
                {
                    break;
                }

                if (child + 1 < Count && Above(_items[child + 1], _items[child]))
                {
                    child++;
                }

                if (!Above(_items[child], last))
                {
                    break;
                }

                _items[at] = _items[child];
                at = child;
            }

            _items[at] = last;
            return top;
        }

        private bool Above(Candidate a, Candidate b) =>
            mostSimilarOnTop ? a.Similarity > b.Similarity : a.Similarity < b.Similarity;
    }

    /// <summary>
    /// A fixed number of values per node, in blocks of 65,536 nodes: a node's values are one slice of a shared
    /// array, not an object of their own (so no pointer to chase and nothing for the collector to trace), and no
    /// single array grows to gigabytes. The first block doubles as it fills, so a small index stays small.
    /// </summary>
    private sealed class NodeBlocks<T>
    {
        private const int BlockShift = 16;
        private const int NodesPerBlock = 1 << BlockShift;
        private readonly int _valuesPerNode;
        private T[][] _blocks = [];
        private int _capacity; // nodes

        public NodeBlocks(int valuesPerNode)
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThan(valuesPerNode, Array.MaxLength / NodesPerBlock);
            _valuesPerNode = valuesPerNode;
        }

        public Span<T> this[int node] =>
            _blocks[node >> BlockShift].AsSpan((node & (NodesPerBlock - 1)) * _valuesPerNode, _valuesPerNode);

        public void MakeRoom(int node)
        {
            if (node < _capacity)
            {
                return;
            }

            if (_blocks.Length == 1 && _capacity < NodesPerBlock)
            {
                _capacity = Math.Min(2 * _capacity, NodesPerBlock);
                Array.Resize(ref _blocks[0], _capacity * _valuesPerNode);
                return;
            }

            var nodes = _blocks.Length == 0 ? 1024 : NodesPerBlock;
            Array.Resize(ref _blocks, _blocks.Length + 1);
            _blocks[^1] = new T[nodes * _valuesPerNode];
            _capacity += nodes;
        }
    }
}
