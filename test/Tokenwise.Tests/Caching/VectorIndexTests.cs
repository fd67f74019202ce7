using Tokenwise.Caching;

namespace Tokenwise.Tests.Caching;

public sealed class VectorIndexTests
{
    [Fact]
    public void HnswFindsWhatBruteForceFindsOnClusteredVectors()
    {
        var random = new Random(7);
        IVectorIndex exact = new ExactVectorIndex();
        IVectorIndex hnsw = new HnswIndex(seed: 1);
        var centres = Enumerable.Range(0, 50).Select(_ => RandomUnit(random, 32)).ToArray();
        for (var i = 0; i < 3000; i++)
        {
            var v = Near(random, centres[i % centres.Length], 0.3f);
            exact.Add(i, v);
            hnsw.Add(i, v);
        }

        var agree = 0;
        for (var q = 0; q < 200; q++)
        {
            var query = Near(random, centres[q % centres.Length], 0.3f);
            agree += exact.Search(query, 1)[0].Id == hnsw.Search(query, 1)[0].Id ? 1 : 0;
        }

        Assert.True(agree >= 190, $"HNSW agreed with brute force on {agree} of 200 queries.");
    }

    [Fact]
    public void RemovedEntriesAreNeverReturned()
    {
        IVectorIndex hnsw = new HnswIndex();
        var v = Vectors.Normalize([1f, 0f, 0f]);
        hnsw.Add(1, v);
        hnsw.Add(2, Vectors.Normalize([0f, 1f, 0f]));
        hnsw.Remove(1);
        Assert.Equal(2, hnsw.Search(v, 1)[0].Id);
    }

    [Fact]
    public void AScopeNeverSeesAnotherScopesEntriesEvenWhenTheyAreIdentical()
    {
        var index = new ScopedVectorIndex(exactLimit: 4);
        var v = Vectors.Normalize([1f, 2f, 3f]);
        for (var i = 0; i < 10; i++)
        {
            index.Add("tenant-a", i, v); // past the exact limit: tenant-a is served by HNSW
        }

        Assert.Empty(index.Search("tenant-b", v, 1));
        index.Add("tenant-b", 100, Vectors.Normalize([3f, 2f, 1f]));
        Assert.Equal(100, index.Search("tenant-b", v, 1)[0].Id);
        Assert.InRange(index.Search("tenant-a", v, 1)[0].Id, 0, 9);
    }

    private static float[] RandomUnit(Random random, int dimensions) =>
        Vectors.Normalize(Enumerable.Range(0, dimensions).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray());

    private static float[] Near(Random random, float[] centre, float spread) =>
        Vectors.Normalize(centre.Select(x => x + (float)(((random.NextDouble() * 2) - 1) * spread)).ToArray());
}
