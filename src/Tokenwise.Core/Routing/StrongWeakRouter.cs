namespace Tokenwise.Routing;

/// <summary>
/// Scores a prompt from its embedding and cheap features with a trained <see cref="RouterModel"/>.
/// Once the prompt is embedded a decision is a dot product and a few span searches: microseconds, no allocation
/// beyond the feature buffer on the stack.
/// </summary>
public sealed class StrongWeakRouter
{
    private readonly float[] _embeddingWeights;
    private readonly float[] _featureWeights;
    private readonly float[] _mean;
    private readonly float[] _scale;
    private readonly float _bias;

    public StrongWeakRouter(RouterModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        Model = model;
        _embeddingWeights = model.Weights[..model.Dimensions];
        _featureWeights = model.Weights[model.Dimensions..];
        _mean = model.FeatureMean;
        _scale = model.FeatureScale;
        _bias = model.Bias;
    }

    public RouterModel Model { get; }

    public double Threshold => Model.Threshold;

    /// <summary>P(needs the strong model), as the logistic model estimates it.</summary>
    public double Score(ReadOnlySpan<float> embedding, string prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        if (embedding.Length != _embeddingWeights.Length)
        {
            throw new ArgumentException($"The model expects {_embeddingWeights.Length}-dimensional embeddings from {Model.Embedder}, not {embedding.Length}.", nameof(embedding));
        }

        Span<float> features = stackalloc float[PromptFeatures.Count];
        PromptFeatures.Compute(prompt, features);
        return Logit.Sigmoid(Logit.Linear(embedding, features, _embeddingWeights, _featureWeights, _mean, _scale, _bias));
    }

    public RouterDecision Decide(ReadOnlySpan<float> embedding, string prompt)
    {
        var score = Score(embedding, prompt);
        return new RouterDecision(score, Model.Threshold, score >= Model.Threshold);
    }
}
