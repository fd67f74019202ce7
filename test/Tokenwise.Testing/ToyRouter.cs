using Tokenwise.Embeddings;
using Tokenwise.Routing;

namespace Tokenwise.Testing;

/// <summary>
/// A router trained in milliseconds on a toy task over <see cref="HashingEmbedder"/>: proofs and derivations
/// need the strong model, greetings and small talk do not; calibrated to send half to the strong model.
/// </summary>
public static class ToyRouter
{
    public static readonly string[] Hard = ["prove the theorem about eigenvalues", "derive the integral of the series", "prove convergence of the sequence", "derive the eigenvalues of the operator"];
    public static readonly string[] Easy = ["say hello to my friend", "what colour is the sky", "say thanks to the team", "what day is today"];

    public static List<TrainingExample> Examples() =>
        Enumerable.Range(0, 40).Select(i => i % 2 == 0
            ? new TrainingExample(Hard[i / 2 % Hard.Length] + " " + i, 0.9)
            : new TrainingExample(Easy[i / 2 % Easy.Length] + " " + i, 0.45)).ToList();

    public static RouterModel Train(ITextEmbedder embedder) =>
        RouterTrainer.Train(embedder, Examples(), ["prove the lemma", "say hi", "derive the formula", "what time is it"], 0.5,
            new LogisticTrainer.Options(Epochs: 150), "test rows", "test label", "test command");
}
