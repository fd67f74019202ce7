using System.Buffers;
using System.Text.RegularExpressions;

namespace Tokenwise.Routing;

/// <summary>
/// Cheap, explainable features of a prompt that complement its embedding: the embedding says what a
/// prompt is about, these say how long and what shape it is (code, maths, multiple choice).
/// All are computed with one pass over the characters, span searches and two small regexes: microseconds.
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
        destination[3] = LooksLikeCode(prompt) ? 1 : 0;
        destination[4] = LooksLikeMath(prompt) ? 1 : 0;
        destination[5] = prompt.Length == 0 ? 0 : (float)digits / prompt.Length;
        destination[6] = OptionsPattern().Count(prompt) >= 3 ? 1 : 0;
        destination[7] = MathF.Min(questions, 5);
        destination[8] = ImperativePattern().IsMatch(prompt) ? 1 : 0;
    }

    // Code: a fence, a code keyword opening a statement, or several braces and semicolons.
    // Plain span searches (vectorised), not regexes: features must cost microseconds on long prompts too.
    private static readonly SearchValues<string> CodeMarkers = SearchValues.Create(
        ["```", "def ", "import ", "#include", "function ", "return ", "public ", "void ", "const ", "SELECT ", "=> ", "();"], StringComparison.Ordinal);

    private static readonly SearchValues<string> MathMarkers = SearchValues.Create(
        ["\\frac", "\\sqrt", "\\int", "\\sum", "equation", "integral", "derivative", "probability", "solve", "calculate", "compute"], StringComparison.OrdinalIgnoreCase);

    private static readonly SearchValues<char> Operators = SearchValues.Create("+-*/^=");

    internal static bool LooksLikeCode(ReadOnlySpan<char> prompt)
    {
        if (prompt.ContainsAny(CodeMarkers))
        {
            return true;
        }

        var punctuation = 0;
        foreach (var c in prompt)
        {
            if (c is '{' or '}' or ';')
            {
                punctuation++;
            }
        }

        return punctuation >= 3;
    }

    // Maths: LaTeX commands or maths vocabulary, or an operator between two numbers ("3 * 4", "x=2" does not count).
    internal static bool LooksLikeMath(ReadOnlySpan<char> prompt)
    {
        if (prompt.ContainsAny(MathMarkers))
        {
            return true;
        }

        for (var i = prompt.IndexOfAny(Operators); i >= 0 && i < prompt.Length; i++)
        {
            if (!Operators.Contains(prompt[i]))
            {
                continue;
            }

            var before = i - 1;
            while (before >= 0 && prompt[before] == ' ')
            {
                before--;
            }

            var after = i + 1;
            while (after < prompt.Length && prompt[after] == ' ')
            {
                after++;
            }

            if (before >= 0 && after < prompt.Length && char.IsAsciiDigit(prompt[before]) && char.IsAsciiDigit(prompt[after]))
            {
                return true;
            }
        }

        return false;
    }

    // Lettered options at a line start: "A)", "(B)", "C." — a multiple-choice question.
    [GeneratedRegex(@"^\s*\(?[A-J][\).:]\s", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex OptionsPattern();

    [GeneratedRegex(@"^\s*(write|create|generate|explain|describe|list|give|make|design|summari[sz]e|translate|rewrite|implement)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ImperativePattern();
}
