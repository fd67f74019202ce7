using BenchmarkDotNet.Attributes;
using Tokenwise.Embeddings;
using Tokenwise.Routing;
using Tokenwise.Sensitivity;

namespace Tokenwise.Benchmarks;

/// <summary>
/// The learned router's decision once the prompt is embedded, against the simplest rule a gateway could
/// use instead (a prompt-length cut-off, the baseline), and the two costs around it: embedding the prompt
/// with MiniLM (paid once per request and shared with the semantic cache) and scanning it for sensitive data.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ShortConfig))]
public class RouterBenchmarks
{
    private const string Prompt = """
        A 2.0 kg block slides down a frictionless incline of 30 degrees from a height of 5 m. What is its
        speed at the bottom, and how long does the descent take?

        A) 9.9 m/s, 2.0 s
        B) 7.0 m/s, 1.4 s
        C) 9.9 m/s, 1.0 s
        D) 14 m/s, 2.9 s
        """;

    // A field, not the constant, so the baseline's length check is not folded away by the JIT.
    private string _prompt = Prompt;
    private MiniLmEmbedder _embedder = null!;
    private StrongWeakRouter _router = null!;
    private float[] _embedding = null!;

    [GlobalSetup]
    public void Setup()
    {
        _embedder = new MiniLmEmbedder();
        _router = new StrongWeakRouter(RouterModel.LoadDefault());
        _prompt = new string(Prompt.AsSpan());
        _embedding = _embedder.Embed(_prompt);
    }

    [GlobalCleanup]
    public void Cleanup() => _embedder.Dispose();

    [Benchmark(Baseline = true)]
    public bool PromptLengthRule() => _prompt.Length > 300;

    [Benchmark]
    public bool RouterDecision() => _router.Decide(_embedding, _prompt).UseStrong;

    [Benchmark]
    public float[] EmbedPrompt() => _embedder.Embed(_prompt);

    [Benchmark]
    public int DetectSensitive() => SensitivityDetector.Detect(_prompt).Count;
}
