using System.Text.Json;
using Tokenwise.Data;

namespace Tokenwise.Caching;

/// <summary>
/// Turns MeanCache's two-turn conversations (<c>data/cache/contextual/*.json</c>: a main query, its
/// answer, and a follow-up) into <c>tokenwise cache eval --contextual</c> rows
/// (<c>context_a,question_a,context_b,question_b,should_hit</c>). Deterministic: same files, same rows.
/// <list type="bullet">
/// <item>Each conversation's follow-up asked again in the same conversation: should hit.</item>
/// <item>Each main query asked again as a first turn: should hit.</item>
/// <item>The same follow-up text asked in two different conversations ("What practical applications
/// does this have in finance?" after different first questions): must not hit, the answer depends on the context.</item>
/// <item>Two different follow-ups in the same context: must not hit.</item>
/// <item>Each conversation's follow-up against the next conversation's (file order): must not hit.</item>
/// <item>Each first-turn question against the next conversation's first question: must not hit.</item>
/// </list>
/// </summary>
internal static class MeanCacheConverter
{
    public static readonly string[] Columns = ["context_a", "question_a", "context_b", "question_b", "should_hit"];

    public static List<ContextualRow> Convert(string directory)
    {
        var conversations = new List<(string Context, string Main, string FollowUp)>();
        var seen = new HashSet<(string, string)>();
        foreach (var path in Directory.GetFiles(directory, "*.json").Order(StringComparer.Ordinal))
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            foreach (var item in document.RootElement.EnumerateArray())
            {
                var main = item.GetProperty("Main Query").GetString() ?? "";
                var answer = item.GetProperty("Main Query Response").GetString() ?? "";
                var followUp = item.GetProperty("Follow-Up Query").GetString() ?? "";
                if (seen.Add((main, followUp)))
                {
                    conversations.Add(($"user: {main}\nassistant: {answer}", main, followUp));
                }
            }
        }

        var rows = new List<ContextualRow>();
        for (var i = 0; i < conversations.Count; i++)
        {
            var (context, main, followUp) = conversations[i];
            var next = conversations[(i + 1) % conversations.Count];
            rows.Add(new(context, followUp, context, followUp, true));
            rows.Add(new("", main, "", main, true));
            rows.Add(new(context, followUp, next.Context, next.FollowUp, false));
            if (next.Main != main)
            {
                rows.Add(new("", main, "", next.Main, false));
            }

            for (var j = i + 1; j < conversations.Count; j++)
            {
                var other = conversations[j];
                if (other.FollowUp == followUp && other.Context != context)
                {
                    rows.Add(new(context, followUp, other.Context, other.FollowUp, false));
                }
                else if (other.Context == context && other.FollowUp != followUp)
                {
                    rows.Add(new(context, followUp, other.Context, other.FollowUp, false));
                }
            }
        }

        return rows;
    }

    public static void Write(IEnumerable<ContextualRow> rows, TextWriter writer)
    {
        writer.Write(string.Join(',', Columns) + "\n");
        foreach (var row in rows)
        {
            writer.Write($"{Csv.Field(row.ContextA)},{Csv.Field(row.QuestionA)},{Csv.Field(row.ContextB)},{Csv.Field(row.QuestionB)},{(row.ShouldHit ? 1 : 0)}\n");
        }
    }
}
