namespace Tokenwise.Routing;

/// <summary>
/// A prompt and its training target in [0, 1]: the higher, the more the prompt needs the strong model. For a
/// user's labelled rows it is <see cref="TargetFromGain"/>; for MMLU-Pro, the question's difficulty
/// (<see cref="SharedRoutingData.Difficulty"/>).
/// </summary>
public sealed record TrainingExample(string Prompt, double Target)
{
    /// <summary>(1 + gain) / 2, gain = strong quality − weak quality (qualities in [0, 1]): 0.5 means the strong model does not help, 1 that it turns a failure into a success.</summary>
    public static double TargetFromGain(double gain) => Math.Clamp((1 + gain) / 2, 0, 1);
}
