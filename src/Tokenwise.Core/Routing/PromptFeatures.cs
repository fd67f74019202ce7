using System.Text.RegularExpressions;

namespace Tokenwise.Routing;

/// <summary>
/// Cheap, explainable features of a prompt that complement its embedding: the embedding says what a
/// prompt is about, these say how long and what shape it is (code, maths, multiple choice).
/// All are computed in one pass or a few compiled regexes, in microseconds.
/// </summary>
public static partial class PromptFeatures
{
    /// <summary>Feature names, in the order <see cref="Compute"/> writes them; stored in the model file.</summary>
    public static readonly string[] Names =
    [
        "log_chars", "log_words", "log_lines", "code", "math", "digits_share", "options", "questions", "imperative",
    ];

    public static int Count => Names.Length;

    public static void Compute(string prompt, Span<float> destination)
    {
        var words = 0;
        var lines = 1;
        var digits = 0;
        var questions = 0;
        var inWord = false;
        foreach (var c in prompt)
        {
            if (char.IsWhiteSpace(c))
            {
                inWord = false;
                if (c == '\n')
                {
                    lines++;
                }
            }
            else if (!inWord)
            {
                inWord = true;
                words++;
            }

            if (char.IsAsciiDigit(c))
            {
                digits++;
            }
            else if (c == '?')
            {
                questions++;
            }
        }

        destination[0] = MathF.Log(1 + prompt.Length);
        destination[1] = MathF.Log(1 + words);
        destination[2] = MathF.Log(lines);
        destination[3] = CodePattern().IsMatch(prompt) ? 1 : 0;
        destination[4] = MathPattern().IsMatch(prompt) ? 1 : 0;
        destination[5] = prompt.Length == 0 ? 0 : (float)digits / prompt.Length;
        destination[6] = OptionsPattern().Count(prompt) >= 3 ? 1 : 0;
        destination[7] = MathF.Min(questions, 5);
        destination[8] = ImperativePattern().IsMatch(prompt) ? 1 : 0;
    }

    // Fenced blocks, common keywords followed by code-like punctuation, or statement endings.
    [GeneratedRegex(@"```|\b(def|class|function|return|import|public|void|int|var|const|let|SELECT|for|while)\b[^\n]{0,40}[({=:;]|;\s*$|\{\s*$", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex CodePattern();

    // LaTeX, equations, operators between numbers, or maths vocabulary.
    [GeneratedRegex(@"\$[^$]+\$|\\(frac|sqrt|int|sum)|\d\s*[-+*/^=]\s*\d|\b(equation|integral|derivative|probability|solve|calculate|compute)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex MathPattern();

    // Lettered options at a line start: "A)", "(B)", "C." — a multiple-choice question.
    [GeneratedRegex(@"^\s*\(?[A-J][\).:]\s", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex OptionsPattern();

    [GeneratedRegex(@"^\s*(write|create|generate|explain|describe|list|give|make|design|summari[sz]e|translate|rewrite|implement)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ImperativePattern();
}
