namespace Tokenwise.Routing;

/// <summary>
/// The logistic model's arithmetic, shared by training and scoring so both compute exactly the same
/// thing. Plain loops in a fixed order, in double: results do not depend on the CPU's vector width,
/// so a model trained on one machine is bit-for-bit the one trained on another.
/// </summary>
internal static class Logit
{
    public static double Linear(ReadOnlySpan<float> embedding, ReadOnlySpan<float> features, ReadOnlySpan<float> embeddingWeights, ReadOnlySpan<float> featureWeights, ReadOnlySpan<float> mean, ReadOnlySpan<float> scale, double bias)
    {
        var z = bias;
        for (var i = 0; i < embedding.Length; i++)
        {
            z += (double)embedding[i] * embeddingWeights[i];
        }

        for (var j = 0; j < features.Length; j++)
        {
            z += Standardize(features[j], mean[j], scale[j]) * featureWeights[j];
        }

        return z;
    }

    public static double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));

    /// <summary>
    /// A cheap feature in training-set deviations, clipped to ±3: a feature that barely varies in training
    /// (every MMLU-Pro prompt has lettered options) would otherwise reach tens of deviations on other
    /// traffic and drown the embedding.
    /// </summary>
    public static double Standardize(float value, float mean, float scale) => Math.Clamp((double)(value - mean) / scale, -3, 3);
}
