using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Tokenwise.Embeddings;

namespace Tokenwise.Routing;

/// <summary>
/// Trains a <see cref="RouterModel"/>: embeds the training prompts, fits the logistic model, then
/// calibrates the threshold on separate rows to a target share of strong calls.
/// </summary>
public static class RouterTrainer
{
    /// <param name="source">Describes the training rows (stored in the model).</param>
    /// <param name="label">How targets were defined (stored in the model).</param>
    /// <param name="command">The command that reproduces this run (stored in the model).</param>
    /// <param name="progress">Called with the count of prompts embedded so far.</param>
    public static RouterModel Train(
        ITextEmbedder embedder,
        IReadOnlyList<TrainingExample> training,
        IReadOnlyList<string> calibrationPrompts,
        double strongShare,
        LogisticTrainer.Options options,
        string source,
        string label,
        string command,
        Action<int, int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(embedder);
        ArgumentNullException.ThrowIfNull(training);
        ArgumentNullException.ThrowIfNull(calibrationPrompts);
        ArgumentNullException.ThrowIfNull(options);
        var total = training.Count + calibrationPrompts.Count;
        var done = 0;
        var embeddings = new float[training.Count][];
        for (var i = 0; i < training.Count; i++)
        {
            embeddings[i] = embedder.Embed(training[i].Prompt);
            progress?.Invoke(++done, total);
        }

        var fit = LogisticTrainer.Train(embeddings, training, options);
        var model = new RouterModel
        {
            Embedder = embedder.ModelId,
            Dimensions = embedder.Dimensions,
            Features = PromptFeatures.Names,
            FeatureMean = fit.FeatureMean,
            FeatureScale = fit.FeatureScale,
            Weights = fit.Weights,
            Bias = fit.Bias,
            Threshold = 0.5,
            Calibration = new RouterCalibration("none", 0, "", 0),
            Training = new RouterTraining(source, label, training.Count, DataHash(training), options.Epochs, options.LearningRate, options.L2, command),
        };

        var router = new StrongWeakRouter(model);
        var scores = new double[calibrationPrompts.Count];
        for (var i = 0; i < calibrationPrompts.Count; i++)
        {
            scores[i] = router.Score(embedder.Embed(calibrationPrompts[i]), calibrationPrompts[i]);
            progress?.Invoke(++done, total);
        }

        return model.WithThreshold(
            Calibration.ForStrongShare(scores, strongShare),
            new RouterCalibration("strong_share", strongShare, source, calibrationPrompts.Count));
    }

    /// <summary>
    /// SHA-256 of the training rows as used (prompt and target, in order): identifies the training data
    /// without embedding anything, so a test can check the shipped model against the documented run.
    /// </summary>
    public static string DataHash(IReadOnlyList<TrainingExample> training)
    {
        ArgumentNullException.ThrowIfNull(training);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var example in training)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(example.Prompt));
            hash.AppendData(Encoding.UTF8.GetBytes("\u001f" + example.Target.ToString("R", CultureInfo.InvariantCulture) + "\u001e"));
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
