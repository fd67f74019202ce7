using System.Text;

namespace Tokenwise.Caching;

/// <summary>
/// The words of a question the second-stage check compares: its content words (lower-cased, lightly
/// stemmed, function words left out), the numbers in it, and whether it is negated. Cheap — one pass over
/// a short text, no model — so a lookup can afford it for every candidate.
/// </summary>
public sealed class QuestionWords
{
    // Function words, question words and fillers: "How do I learn Python?" and "What is the way to learn
    // Python?" share their content words (learn, python), which is what tells paraphrases from near misses.
    private static readonly HashSet<string> s_stopWords = new(StringComparer.Ordinal)
    {
        "a", "an", "the", "and", "or", "but", "if", "then", "else", "of", "to", "in", "on", "at", "by", "for", "with", "from", "into", "onto",
        "about", "as", "is", "are", "was", "were", "be", "been", "being", "am", "do", "does", "did", "doing", "done", "have", "has", "had",
        "having", "i", "me", "my", "mine", "myself", "we", "us", "our", "ours", "ourselves", "you", "your", "yours", "yourself", "yourselves",
        "he", "him", "his", "himself", "she", "her", "hers", "herself", "it", "its", "itself", "they", "them", "their", "theirs", "themselves",
        "this", "that", "these", "those", "there", "here", "what", "which", "who", "whom", "whose", "when", "where", "why", "how", "can",
        "could", "would", "should", "will", "shall", "may", "might", "must", "so", "such", "than", "too", "very", "just", "also", "any", "some",
        "all", "each", "every", "both", "either", "other", "another", "more", "most", "much", "many", "few", "lot", "lots", "get", "got",
        "getting", "make", "made", "way", "ways", "thing", "things", "really", "actually", "please", "tell", "know", "want", "need", "like",
        "one", "ones", "s", "t", "ll", "re", "ve", "d", "m", "up", "down", "out", "over", "under", "again", "further", "once", "only", "own",
        "same", "now", "ever", "still", "yet", "even", "whats", "hows", "wheres", "whos", "whens", "whys", "thats", "theres", "heres", "im",
        "ive", "youre", "youve", "lets",
    };

    // With apostrophes removed, so "don't" and "dont" are one word.
    private static readonly HashSet<string> s_negations = new(StringComparer.Ordinal)
    {
        "not", "no", "never", "none", "nothing", "nobody", "nowhere", "neither", "nor", "without", "cannot", "cant", "dont", "doesnt",
        "didnt", "isnt", "arent", "wasnt", "werent", "wont", "wouldnt", "shouldnt", "couldnt", "havent", "hasnt", "hadnt", "mustnt", "neednt", "aint",
    };

    private QuestionWords(string[] content, string[] numbers, bool negated)
    {
        Content = content;
        Numbers = numbers;
        Negated = negated;
    }

    /// <summary>Distinct content words, stemmed, in order of appearance.</summary>
    public IReadOnlyList<string> Content { get; }

    /// <summary>Distinct words that contain a digit (<c>2</c>, <c>v2</c>, <c>10k</c>), sorted.</summary>
    public IReadOnlyList<string> Numbers { get; }

    public bool Negated { get; }

    public static QuestionWords Of(string text)
    {
        var content = new List<string>();
        var numbers = new SortedSet<string>(StringComparer.Ordinal);
        var negated = false;
        var word = new StringBuilder();
        foreach (var c in text.Append(' '))
        {
            if (char.IsLetterOrDigit(c))
            {
                word.Append(char.ToLowerInvariant(c));
                continue;
            }

            if (c is '\'' or '\u2019' && word.Length > 0)
            {
                continue; // inside a word: "don't" reads as "dont"
            }

            if (word.Length == 0)
            {
                continue;
            }

            var w = word.ToString();
            word.Clear();
            if (s_negations.Contains(w))
            {
                negated = true;
                continue;
            }

            if (w.Any(char.IsAsciiDigit))
            {
                numbers.Add(w);
            }

            if (!s_stopWords.Contains(w))
            {
                var stem = Stem(w);
                if (!content.Contains(stem))
                {
                    content.Add(stem);
                }
            }
        }

        return new QuestionWords([.. content], [.. numbers], negated);
    }

    /// <summary>
    /// The share of both questions' content words that the other question also has (1 when neither has any):
    /// a query shares more words with its own origin than with a near neighbour about something else.
    /// </summary>
    public double Overlap(QuestionWords other)
    {
        var total = Content.Count + other.Content.Count;
        if (total == 0)
        {
            return 1;
        }

        var matched = Content.Count(w => other.Content.Any(v => Alike(w, v))) + other.Content.Count(w => Content.Any(v => Alike(w, v)));
        return (double)matched / total;
    }

    public bool SameNumbers(QuestionWords other) => Numbers.SequenceEqual(other.Numbers, StringComparer.Ordinal);

    /// <summary>Strips the commonest English endings, so "datasets" meets "dataset", "boxes" "box" and "loading" "load".</summary>
    internal static string Stem(string w) => w switch
    {
        { Length: > 4 } when w.EndsWith("ies", StringComparison.Ordinal) => w[..^3] + "y",
        { Length: > 5 } when w.EndsWith("ing", StringComparison.Ordinal) => w[..^3],
        { Length: > 4 } when w.EndsWith("ed", StringComparison.Ordinal) || w.EndsWith("sses", StringComparison.Ordinal) || w.EndsWith("xes", StringComparison.Ordinal)
            || w.EndsWith("ches", StringComparison.Ordinal) || w.EndsWith("shes", StringComparison.Ordinal) => w[..^2],
        { Length: > 3 } when w.EndsWith('s') && !w.EndsWith("ss", StringComparison.Ordinal) => w[..^1],
        _ => w,
    };

    /// <summary>The same word, or one of its family: a shared beginning of five letters (four for short words: "fast", "faster").</summary>
    private static bool Alike(string a, string b)
    {
        if (a == b)
        {
            return true;
        }

        var common = a.AsSpan().CommonPrefixLength(b);
        return common >= 5 || (common >= 4 && Math.Min(a.Length, b.Length) <= 5);
    }
}
