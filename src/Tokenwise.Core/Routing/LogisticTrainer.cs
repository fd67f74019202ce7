namespace Tokenwise.Routing;

/// <summary>
/// Logistic regression with soft targets (cross-entropy) and an L2 penalty, fitted by full-batch Adam
/// from zero weights. No sampling, no shuffling, fixed loop order in double: the same rows in the same
/// order give the same weights, bit for bit, on any machine.
/// </summary>
public static class LogisticTrainer
{
    public sealed record Options(int Epochs = 400, double LearningRate = 0.02, double L2 = 1e-4);

    public sealed record Result(float[] Weights, float Bias, float[] FeatureMean, float[] FeatureScale);

    /// <param name="embeddings">One vector per example, all of the same length.</param>
    public static Result Train(IReadOnlyList<float[]> embeddings, IReadOnlyList<TrainingExample> examples, Options options)
    {
        ArgumentNullException.ThrowIfNull(embeddings);
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentNullException.ThrowIfNull(options);
        var n = examples.Count;
        if (n == 0 || embeddings.Count != n)
        {
            throw new ArgumentException("One embedding per example, and at least one example.", nameof(embeddings));
        }

        var dims = embeddings[0].Length;
        var f = PromptFeatures.Count;
        var d = dims + f;

        // Cheap features are standardised with the training set's mean and deviation (stored in the
        // model) so one learning rate suits them and the unit-length embedding alike.
        var raw = new float[n][];
        for (var i = 0; i < n; i++)
        {
            raw[i] = new float[f];
            PromptFeatures.Compute(examples[i].Prompt, raw[i]);
        }

        var mean = new float[f];
        var scale = new float[f];
        for (var j = 0; j < f; j++)
        {
            double sum = 0;
            for (var i = 0; i < n; i++)
            {
                sum += raw[i][j];
            }

            var m = sum / n;
            double sq = 0;
            for (var i = 0; i < n; i++)
            {
                sq += (raw[i][j] - m) * (raw[i][j] - m);
            }

            var sd = Math.Sqrt(sq / n);
            mean[j] = (float)m;
            scale[j] = sd > 1e-6 ? (float)sd : 1f;
        }

        var x = new double[n][];
        for (var i = 0; i < n; i++)
        {
            if (embeddings[i].Length != dims)
            {
                throw new ArgumentException($"Embedding {i} has {embeddings[i].Length} dimensions, not {dims}.", nameof(embeddings));
            }

            x[i] = new double[d];
            for (var k = 0; k < dims; k++)
            {
                x[i][k] = embeddings[i][k];
            }

            for (var j = 0; j < f; j++)
            {
                x[i][dims + j] = Logit.Standardize(raw[i][j], mean[j], scale[j]);
            }
        }

        var w = new double[d + 1]; // the last is the bias
        var m1 = new double[d + 1];
        var m2 = new double[d + 1];
        var grad = new double[d + 1];
        const double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
        for (var epoch = 1; epoch <= options.Epochs; epoch++)
        {
            Array.Clear(grad);
            for (var i = 0; i < n; i++)
            {
                var z = w[d];
                var xi = x[i];
                for (var k = 0; k < d; k++)
                {
                    z += xi[k] * w[k];
                }

                var error = Logit.Sigmoid(z) - examples[i].Target;
                for (var k = 0; k < d; k++)
                {
                    grad[k] += error * xi[k];
                }

                grad[d] += error;
            }

            var c1 = 1 - Math.Pow(beta1, epoch);
            var c2 = 1 - Math.Pow(beta2, epoch);
            for (var k = 0; k <= d; k++)
            {
                var g = grad[k] / n + (k < d ? options.L2 * w[k] : 0);
                m1[k] = beta1 * m1[k] + (1 - beta1) * g;
                m2[k] = beta2 * m2[k] + (1 - beta2) * g * g;
                w[k] -= options.LearningRate * (m1[k] / c1) / (Math.Sqrt(m2[k] / c2) + eps);
            }
        }

        return new Result(w[..d].Select(v => (float)v).ToArray(), (float)w[d], mean, scale);
    }
}
