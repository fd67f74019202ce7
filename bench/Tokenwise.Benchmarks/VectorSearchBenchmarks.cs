using BenchmarkDotNet.Attributes;
using Tokenwise.Caching;

namespace Tokenwise.Benchmarks;

/// <summary>
/// The semantic cache's search alone (goal ≤ 1 ms at 1M entries): HNSW against brute force, the baseline, in
/// the same run, over 384-dimension vectors. The vectors are synthetic — seeded random unit vectors around 1,000
/// cluster centres — which is what search latency depends on (the graph), not what the vectors mean. Each
/// benchmark builds only its own index; HNSW inserts one entry at a time, so 1M entries take long to build.
/// HNSW's setup also prints its recall: the share of the 256 queries whose top match is brute force's.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ShortConfig))]
public class VectorSearchBenchmarks
{
    private const int Dimensions = 384;
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
        _index = Build(new HnswIndex(), Entries, out _queries, bruteForce);

        // An approximate search's latency means little without how often it finds the true nearest entry.
        var agree = _queries.Count(q =>
            _index.Search(q, SemanticMatcher.Candidates)[0].Id == bruteForce.Search(q, 1)[0].Id);
        Console.WriteLine(
            $"// HNSW recall at {Entries:N0} entries: top match is brute force's for {agree} of {_queries.Length} queries ({(double)agree / _queries.Length:P1})");
    }

    [Benchmark(Baseline = true)]
    public long BruteForceSearch() => _index.Search(_queries[_next++ & 255], SemanticMatcher.Candidates)[0].Id;

    [Benchmark]
    public long HnswSearch() => _index.Search(_queries[_next++ & 255], SemanticMatcher.Candidates)[0].Id;

    /// <summary>
    /// Fills <paramref name="index"/> with <paramref name="entries"/> clustered unit vectors; 256 queries near the same
    /// centres. <paramref name="bruteForce"/>, when given, gets the same vectors, to check the index's answers against.
    /// </summary>
    internal static IVectorIndex Build(IVectorIndex index, int entries, out float[][] queries, ExactVectorIndex? bruteForce = null)
    {
        var random = new Random(5);
        var centres = Enumerable.Range(0, 1000).Select(_ => Unit(random, null, 1f)).ToArray();
        for (var i = 0; i < entries; i++)
        {
            var vector = Unit(random, centres[i % centres.Length], 0.4f);
            index.Add(i, vector);
            bruteForce?.Add(i, vector);
        }

        queries = Enumerable.Range(0, 256).Select(i => Unit(random, centres[i % centres.Length], 0.4f)).ToArray();
        return index;
    }

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
