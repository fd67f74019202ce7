using System.Globalization;
using BenchmarkDotNet.Attributes;
using Tokenwise.Caching;
using Tokenwise.Cli;
using Tokenwise.Data;
using Tokenwise.Embeddings;

namespace Tokenwise.Benchmarks;

/// <summary>
/// The search on real sentence embeddings, against brute force in the same run: every question of Quora's pairs
/// (../shared/data/cache/qqp, eval only; 116,910 distinct questions) embedded with the gateway's default
/// embedder (int8 all-MiniLM-L6-v2, two threads). The index holds them all but the 256 queries: the second
/// questions of the validation file's first 256 duplicate pairs, rephrasings whose first question is in the index
/// (the repeat a cache lookup should find). The setup prints, at widths ef 64 to 1024, how often HNSW's top
/// match is that first question, how often brute force's is, and how often the two agree; BenchmarkDotNet then
/// times the default width. At 1,000,000 entries the real questions are joined by question-like texts made from
/// them — the first half of one question's words and the second half of another's, seeded — since a million real
/// questions are not in the shared data: real text, embedded as the gateway would, rather than random vectors.
/// The first run embeds every text (minutes for the real questions, about half an hour for the million); the
/// vectors are kept in BenchmarkDotNet.Artifacts/qqp-int8.embeddings for the next.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ShortConfig))]
public class RealVectorSearchBenchmarks
{
    private const int QueryCount = 256;
    private IVectorIndex _index = null!;
    private float[][] _queries = null!;
    private int _next;
    private int _entries;
    private int _realEntries;

    /// <summary>The real questions alone (116,910), or filled up with spliced ones to a million.</summary>
    [Params(116_910, 1_000_000)]
    public int Entries { get; set; }

    [GlobalSetup(Target = nameof(BruteForceSearch))]
    public void SetupBruteForce() => _index = Build(new ExactVectorIndex(), out _queries, out _);

    [GlobalSetup(Target = nameof(HnswSearch))]
    public void SetupHnsw()
    {
        var hnsw = new HnswIndex();
        var bruteForce = new ExactVectorIndex();
        _index = Build(hnsw, out _queries, out var partners, bruteForce);
        var exactTop = _queries.Select(q => bruteForce.Search(q, 1)[0].Id).ToArray();
        var exactFound = exactTop.Where((top, q) => top == partners[q]).Count();
        var defaultWidth = hnsw.EfSearch;
        foreach (var width in new[] { 64, 128, 256, 512, 1024 })
        {
            hnsw.EfSearch = width;
            var tops = _queries.Select(q => hnsw.Search(q, 1)[0].Id).ToArray();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"// HNSW at {_entries:N0} entries ({_realEntries:N0} of them real questions), ef {width}: the duplicate's partner is the top match for {tops.Where((top, q) => top == partners[q]).Count()} of {QueryCount} "
                + $"(brute force: {exactFound}); the top match is brute force's for {tops.Where((top, q) => top == exactTop[q]).Count()} of {QueryCount}; "
                + $"median {VectorSearchBenchmarks.MedianMilliseconds(hnsw, _queries):0.000} ms"));
        }

        hnsw.EfSearch = defaultWidth;
    }

    [Benchmark(Baseline = true)]
    public long BruteForceSearch() => _index.Search(_queries[_next++ & (QueryCount - 1)], SemanticMatcher.Candidates)[0].Id;

    [Benchmark]
    public long HnswSearch() => _index.Search(_queries[_next++ & (QueryCount - 1)], SemanticMatcher.Candidates)[0].Id;

    private IVectorIndex Build(IVectorIndex index, out float[][] queries, out long[] partners, ExactVectorIndex? bruteForce = null)
    {
        var qqp = Path.Combine(SharedCacheData(), "qqp");
        var validation = Csv.ReadColumns(Path.Combine(qqp, "qqp_val.csv"), "question1", "question2", "is_duplicate");
        var duplicates = validation.Where(r => r[2] == "1" && r[0] != r[1]).ToList();
        var secondQuestions = duplicates.Select(r => r[1]).ToHashSet(StringComparer.Ordinal);
        // A partner that is itself asked would not be in the index.
        var queryPairs = duplicates.Where(r => !secondQuestions.Contains(r[0])).Take(QueryCount).ToList();
        var asked = queryPairs.Select(r => r[1]).ToHashSet(StringComparer.Ordinal);
        var stored = Csv.ReadColumns(Path.Combine(qqp, "qqp_pairs.csv"), "question1", "question2").Concat(validation)
            .SelectMany(r => new[] { r[0], r[1] })
            .Where(q => !asked.Contains(q))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        _realEntries = stored.Count;
        AddSplicedQuestions(stored, asked, Entries);

        using var miniLm = new MiniLmEmbedder(Configuration.CacheEmbeddingOptions.DefaultThreads);
        var embedder = new CachingEmbedder(miniLm, Path.Combine(Program.ProjectDirectory(), "BenchmarkDotNet.Artifacts", "qqp-int8.embeddings"));
        var ids = new Dictionary<string, long>(StringComparer.Ordinal);
        for (var i = 0; i < stored.Count; i++)
        {
            var vector = embedder.Embed(stored[i]);
            index.Add(i, vector);
            bruteForce?.Add(i, vector);
            ids[stored[i]] = i;
            if (i % 200_000 == 0)
            {
                Console.WriteLine($"// embedded and indexed {i:N0} of {stored.Count:N0} questions");
                embedder.Save();
            }
        }

        queries = [.. queryPairs.Select(r => embedder.Embed(r[1]))];
        embedder.Save();
        partners = [.. queryPairs.Select(r => ids[r[0]])];
        _entries = stored.Count;
        return index;
    }

    /// <summary>Fills <paramref name="stored"/> up to <paramref name="entries"/> with new texts: one question's first half and another's second half.</summary>
    private static void AddSplicedQuestions(List<string> stored, HashSet<string> asked, int entries)
    {
        var random = new Random(11);
        var real = stored.Count;
        var seen = stored.ToHashSet(StringComparer.Ordinal);
        while (stored.Count < entries)
        {
            var first = stored[random.Next(real)].Split(' ');
            var second = stored[random.Next(real)].Split(' ');
            var text = string.Join(' ', first.Take((first.Length + 1) / 2).Concat(second.Skip(second.Length / 2)));
            if (!asked.Contains(text) && seen.Add(text))
            {
                stored.Add(text);
            }
        }
    }

    private static string SharedCacheData()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "shared", "data", "cache");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("../shared/data/cache is absent: place shared/ beside the repository.");
    }
}
