using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using Tokenwise.Caching;

namespace Tokenwise.Benchmarks;

/// <summary>
/// The semantic cache's search alone (goal ≤ 1 ms at 1M entries): HNSW against brute force, the baseline, in
/// the same run, over 384-dimension vectors. The vectors are synthetic — seeded random unit vectors around 1,000
/// cluster centres — which is what search latency depends on (the graph), not what the vectors mean. Each
/// benchmark builds only its own index; HNSW inserts one entry at a time, so 1M entries take long to build.
/// The 256 queries alternate between the two cases a cache lookup meets: a repeat (a near copy of a stored entry,
/// cosine about 0.9 to it, as a rephrased question is) and a new question (a fresh vector from the same clusters).
/// HNSW's setup prints its recall on both, at search widths (ef) from 64 to 1024, with a
/// rough median latency for each: for repeats, how often the repeated entry is the top match (what decides a cache
/// hit); for all queries, how often the top match is brute force's. BenchmarkDotNet then times the default width.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ShortConfig))]
public class VectorSearchBenchmarks
{
    private const int Dimensions = 384;
    private const int QueryCount = 256; // a power of two: the benchmarks cycle through them with a mask
    private IVectorIndex _index = null!;
    private float[][] _queries = null!;
    private int _next;

    [Params(100_000, 1_000_000)]
    public int Entries { get; set; }

    [GlobalSetup(Target = nameof(BruteForceSearch))]
    public void SetupBruteForce() => _index = Build(new ExactVectorIndex(), Entries, out _queries);

    [GlobalSetup(Target = nameof(HnswSearch))]
    public void SetupHnsw()
    {
        var bruteForce = new ExactVectorIndex();
        var hnsw = new HnswIndex();
        _index = Build(hnsw, Entries, out _queries, bruteForce);
        var exactTop = _queries.Select(q => bruteForce.Search(q, 1)[0].Id).ToArray();

        // An approximate search's latency means little without how often it finds what it should, and a wider
        // search finds more for more time: recall and a rough median at a few widths. BenchmarkDotNet then
        // measures the default width.
        var defaultWidth = hnsw.EfSearch;
        foreach (var width in new[] { 64, 128, 256, 512, 1024 })
        {
            hnsw.EfSearch = width;
            PrintRecallAndMedian(hnsw, width, exactTop);
        }

        hnsw.EfSearch = defaultWidth;
    }

    [Benchmark(Baseline = true)]
    public long BruteForceSearch() => _index.Search(_queries[_next++ & (QueryCount - 1)], SemanticMatcher.Candidates)[0].Id;

    [Benchmark]
    public long HnswSearch() => _index.Search(_queries[_next++ & (QueryCount - 1)], SemanticMatcher.Candidates)[0].Id;

    /// <summary>Recall on the repeats and against brute force's top match, then a median over three timed passes (Stopwatch).</summary>
    private void PrintRecallAndMedian(HnswIndex hnsw, int width, long[] exactTop)
    {
        int repeats = 0, found = 0, agree = 0;
        for (var q = 0; q < _queries.Length; q++)
        {
            var top = hnsw.Search(_queries[q], SemanticMatcher.Candidates)[0].Id;
            agree += top == exactTop[q] ? 1 : 0;
            if (RepeatedEntry(q, Entries) is { } repeated)
            {
                repeats++;
                found += top == repeated ? 1 : 0;
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"// HNSW at {Entries:N0} entries, ef {width}: the repeated entry is the top match for {found} of {repeats} repeats ({(double)found / repeats:P1}); "
            + $"the top match is brute force's for {agree} of {_queries.Length} queries ({(double)agree / _queries.Length:P1}); median {MedianMilliseconds(hnsw, _queries):0.000} ms"));
    }

    /// <summary>A rough median search time (Stopwatch, three passes over the queries), for the setups' recall tables.</summary>
    internal static double MedianMilliseconds(IVectorIndex index, float[][] queries)
    {
        var times = new List<double>();
        for (var pass = 0; pass < 3; pass++)
        {
            foreach (var query in queries)
            {
                var started = Stopwatch.GetTimestamp();
                index.Search(query, SemanticMatcher.Candidates);
                times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }

        times.Sort();
        return times[times.Count / 2];
    }

    /// <summary>
    /// Fills <paramref name="index"/> with <paramref name="entries"/> clustered unit vectors; 256 queries, the even ones
    /// repeats of entries (<see cref="RepeatedEntry"/>), the odd ones new. <paramref name="bruteForce"/>, when given,
    /// gets the same vectors, to check the index's answers against.
    /// </summary>
    internal static IVectorIndex Build(IVectorIndex index, int entries, out float[][] queries, ExactVectorIndex? bruteForce = null)
    {
        var random = new Random(5);
        var centres = Enumerable.Range(0, 1000).Select(_ => Unit(random, null, 1f)).ToArray();
        var stored = new float[QueryCount][];
        for (var i = 0; i < entries; i++)
        {
            var vector = Unit(random, centres[i % centres.Length], 0.4f);
            index.Add(i, vector);
            bruteForce?.Add(i, vector);
            var q = i / (entries / stored.Length);
            if (q < stored.Length && RepeatedEntry(q, entries) == i)
            {
                stored[q] = vector;
            }
        }

        // ±0.043 per component is a noise of length about 0.48 against the unit entry: cosine about 0.9 to it.
        queries = Enumerable.Range(0, QueryCount)
            .Select(q => stored[q] is { } entry ? Unit(random, entry, 0.043f) : Unit(random, centres[q % centres.Length], 0.4f))
            .ToArray();
        return index;
    }

    /// <summary>The entry an even query repeats (entries spread over the whole index); odd queries are new.</summary>
    private static long? RepeatedEntry(int query, int entries) => query % 2 == 0 ? (long)query * (entries / QueryCount) : null;

    private static float[] Unit(Random random, float[]? centre, float spread)
    {
        var v = new float[Dimensions];
        for (var i = 0; i < v.Length; i++)
        {
            v[i] = (centre?[i] ?? 0f) + (float)(((random.NextDouble() * 2) - 1) * spread);
        }

        return Vectors.Normalize(v);
    }
}
