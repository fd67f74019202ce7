using System.Security.Cryptography;
using System.Text;
using Tokenwise.Embeddings;

namespace Tokenwise.Cli;

/// <summary>
/// Remembers embeddings in a file between runs of <c>router train</c>/<c>router eval</c> and <c>cache eval</c>, keyed by the
/// SHA-256 of the text: embedding thousands of prompts on a CPU takes minutes, scoring them milliseconds.
/// A cache made by another embedder is ignored. Without a path it only passes calls through.
/// </summary>
internal sealed class CachingEmbedder(ITextEmbedder inner, string? path) : ITextEmbedder
{
    private readonly Dictionary<string, float[]> _cache = Load(path, inner);
    private int _added;

    public string ModelId => inner.ModelId;

    public int Dimensions => inner.Dimensions;

    public async ValueTask<float[][]> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        var vectors = new float[texts.Count][];
        for (var i = 0; i < texts.Count; i++)
        {
            vectors[i] = await EmbedOneAsync(texts[i], cancellationToken);
        }

        return vectors;
    }

    private async ValueTask<float[]> EmbedOneAsync(string text, CancellationToken cancellationToken)
    {
        var key = Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
        if (_cache.TryGetValue(key, out var vector))
        {
            return vector;
        }

        vector = (await inner.EmbedAsync([text], cancellationToken))[0];
        _cache[key] = vector;
        _added++;
        return vector;
    }

    /// <summary>Writes the cache back when it gained entries.</summary>
    public void Save()
    {
        if (path is null || _added == 0)
        {
            return;
        }

        var temp = path + ".tmp";
        using (var writer = new BinaryWriter(File.Create(temp)))
        {
            writer.Write(inner.ModelId);
            writer.Write(inner.Dimensions);
            writer.Write(_cache.Count);
            foreach (var (key, vector) in _cache)
            {
                writer.Write(key);
                foreach (var value in vector)
                {
                    writer.Write(value);
                }
            }
        }

        File.Move(temp, path, overwrite: true);
        _added = 0;
    }

    private static Dictionary<string, float[]> Load(string? path, ITextEmbedder embedder)
    {
        var cache = new Dictionary<string, float[]>(StringComparer.Ordinal);
        if (path is null || !File.Exists(path))
        {
            return cache;
        }

        using var reader = new BinaryReader(File.OpenRead(path));
        if (reader.ReadString() != embedder.ModelId || reader.ReadInt32() != embedder.Dimensions)
        {
            return cache;
        }

        var count = reader.ReadInt32();
        for (var i = 0; i < count; i++)
        {
            var key = reader.ReadString();
            var vector = new float[embedder.Dimensions];
            for (var k = 0; k < vector.Length; k++)
            {
                vector[k] = reader.ReadSingle();
            }

            cache[key] = vector;
        }

        return cache;
    }
}
