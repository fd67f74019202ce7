using System.Text.Json;
using System.Text.Json.Serialization;

namespace Tokenwise.Routing;

/// <summary>
/// A trained strong/weak router as stored in its JSON file: a logistic model over the prompt's
/// embedding and <see cref="PromptFeatures"/>, the calibrated threshold, and how it was trained.
/// </summary>
public sealed class RouterModel
{
    public const int CurrentFormat = 1;

    /// <summary>The embedded default model's resource name (built by <c>tokenwise router train</c>, see docs/routing.md).</summary>
    public const string DefaultResource = "Tokenwise.router-default.json";

    public int Format { get; init; } = CurrentFormat;

    /// <summary>The embedder whose vectors the weights expect (<see cref="Embeddings.ITextEmbedder.ModelId"/>).</summary>
    public required string Embedder { get; init; }

    public required int Dimensions { get; init; }

    public required string[] Features { get; init; }

    /// <summary>Per cheap feature: subtracted, then divided by <see cref="FeatureScale"/> (the training set's mean and deviation).</summary>
    public required float[] FeatureMean { get; init; }

    public required float[] FeatureScale { get; init; }

    /// <summary><see cref="Dimensions"/> embedding weights, then one per cheap feature.</summary>
    public required float[] Weights { get; init; }

    public required float Bias { get; init; }

    /// <summary>Scores at or above it go to the strong model.</summary>
    public required double Threshold { get; init; }

    public required RouterCalibration Calibration { get; init; }

    public required RouterTraining Training { get; init; }

    public static RouterModel Load(Stream json) =>
        Validate(JsonSerializer.Deserialize(json, RouterJsonContext.Default.RouterModel) ?? throw new FormatException("The router model file is empty."));

    public static RouterModel Load(string path)
    {
        using var file = File.OpenRead(path);
        return Load(file);
    }

    /// <summary>The model shipped inside Tokenwise.Core.</summary>
    public static RouterModel LoadDefault()
    {
        using var stream = typeof(RouterModel).Assembly.GetManifestResourceStream(DefaultResource)
            ?? throw new InvalidOperationException($"The embedded resource {DefaultResource} is missing.");
        return Load(stream);
    }

    public static Stream OpenDefault() =>
        typeof(RouterModel).Assembly.GetManifestResourceStream(DefaultResource) ?? throw new InvalidOperationException($"The embedded resource {DefaultResource} is missing.");

    public void Save(Stream destination) => JsonSerializer.Serialize(destination, this, RouterJsonContext.Default.RouterModel);

    public void Save(string path)
    {
        using var file = File.Create(path);
        Save(file);
    }

    public RouterModel WithThreshold(double threshold, RouterCalibration calibration) => new()
    {
        Format = Format, Embedder = Embedder, Dimensions = Dimensions, Features = Features, FeatureMean = FeatureMean,
        FeatureScale = FeatureScale, Weights = Weights, Bias = Bias, Threshold = threshold, Calibration = calibration, Training = Training,
    };

    private static RouterModel Validate(RouterModel model)
    {
        if (model.Format != CurrentFormat)
        {
            throw new FormatException($"Router model format {model.Format} is not supported (expected {CurrentFormat}).");
        }

        if (!model.Features.SequenceEqual(PromptFeatures.Names))
        {
            throw new FormatException($"The router model's features ({string.Join(", ", model.Features)}) are not this version's ({string.Join(", ", PromptFeatures.Names)}).");
        }

        if (model.Weights.Length != model.Dimensions + model.Features.Length || model.FeatureMean.Length != model.Features.Length || model.FeatureScale.Length != model.Features.Length)
        {
            throw new FormatException("The router model's weight and feature arrays do not match its dimensions.");
        }

        return model;
    }
}

/// <summary>How the threshold was chosen: the target and the rows it was computed on.</summary>
public sealed record RouterCalibration(string Target, double Value, string Source, int Rows);

/// <summary>What the model was trained on and with, so a run can be reproduced and checked.</summary>
public sealed record RouterTraining(
    string Source,
    string Label,
    int Rows,
    [property: JsonPropertyName("data_sha256")] string DataSha256,
    int Epochs,
    double LearningRate,
    double L2,
    string Command);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(RouterModel))]
internal sealed partial class RouterJsonContext : JsonSerializerContext;
