using System.IO.Hashing;
using System.Text;
using Tokenwise.Caching;
using Tokenwise.Embeddings;

namespace Tokenwise.Testing;

/// <summary>
/// A fast, deterministic stand-in for MiniLM in tests that are about training, caching or scoping, not
/// meaning: each word adds ±1 to a dimension chosen by its hash, then the vector is normalised, so texts
/// sharing most words are similar. Loading the 90 MB MiniLM model in many tests would starve the machine.
/// </summary>
public sealed class HashingEmbedder(int dimensions = 384) : ITextEmbedder
{
    public string ModelId => "test-hashing";

    public int Dimensions => dimensions;

    public ValueTask<float[][]> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken) =>
        ValueTask.FromResult(texts.Select(Vector).ToArray());

    private float[] Vector(string text)
    {
        var vector = new float[dimensions];
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var hash = XxHash32.HashToUInt32(Encoding.UTF8.GetBytes(word.ToLowerInvariant()));
            vector[hash % (uint)dimensions] += (hash & 0x80000000) == 0 ? 1 : -1;
        }

        return Vectors.Normalize(vector);
    }
}
