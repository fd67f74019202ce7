using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using Tokenwise.Caching;
using Tokenwise.OpenAI;
using Tokenwise.Pipeline;
using Tokenwise.Pricing;

namespace Tokenwise.Benchmarks;

/// <summary>
/// The exact-cache key, computed on every chat/messages request while the cache is on (the default):
/// SHA-256 over the scope and the body with object keys sorted, against hashing the raw body bytes
/// (the baseline, same run: the floor no canonical key can go under). Bodies: the ~1 KB chat request
/// and a 40-turn conversation (~15 KB).
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ShortConfig))]
public class ExactCacheKeyBenchmarks
{
    private LlmRequest _request = null!;
    private ModelDeployment _deployment = null!;

    [Params("chat", "conversation")]
    public string Body { get; set; } = "chat";

    [GlobalSetup]
    public void Setup()
    {
        _deployment = new ModelDeployment("gpt-4o-mini", "openai", "gpt-4o-mini", ModelPrice.Free("gpt-4o-mini"));
        var body = Body == "chat" ? Payloads.ChatRequest : Conversation(40);
        if (!OpenAIRequestParser.TryParse(body, ApiKind.ChatCompletions, out _request, out var error))
        {
            throw new InvalidOperationException(error.ToString());
        }
    }

    [Benchmark(Baseline = true)]
    public string RawBodyHash()
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(_request.Body.Span, hash);
        return Convert.ToHexStringLower(hash);
    }

    [Benchmark]
    public string ExactKey() => ExactCacheKey.Compute("key:k1", _deployment, _request);

    private static byte[] Conversation(int turns)
    {
        var json = new StringBuilder("{\"model\":\"gpt-4o-mini\",\"temperature\":0.2,\"messages\":[")
            .Append("{\"role\":\"system\",\"content\":\"You are a patient support assistant. Answer briefly and cite the order number.\"}");
        for (var i = 0; i < turns; i++)
        {
            var role = i % 2 == 0 ? "user" : "assistant";
            json.Append(",{\"role\":\"").Append(role).Append("\",\"content\":\"Turn ").Append(i)
                .Append(": the parcel for order 48213 left the depot on Monday, was scanned in Leeds on Tuesday, and the tracking page has not changed since; what happens next?\"}");
        }

        return Encoding.UTF8.GetBytes(json.Append("],\"user\":\"user-4821\"}").ToString());
    }
}
