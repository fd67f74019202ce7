namespace Tokenwise.Routing;

/// <summary>
/// A prompt and its training target in [0, 1]: (1 + gain) / 2, where gain = strong quality − weak quality
/// (qualities in [0, 1]). 0.5 means the strong model does not help; 1 means it turns a failure into a success.
/// </summary>
public sealed record TrainingExample(string Prompt, double Target)
{
    public static double TargetFromGain(double gain) => Math.Clamp((1 + gain) / 2, 0, 1);
}
