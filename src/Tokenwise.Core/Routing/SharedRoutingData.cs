using System.Globalization;
using System.Text;
using System.Text.Json;
using Tokenwise.Data;

namespace Tokenwise.Routing;

/// <summary>
/// Builds training and evaluation rows from the routing data in <c>../shared/data/routing</c>
/// (see its README for sources and licences). Only <c>mmlu_pro/</c> (Apache-2.0) may be trained on;
/// <c>alpacaeval2/</c> and <c>routerbench_train/</c> are eval only, so they are only ever turned into
/// evaluation sets here.
/// </summary>
public static class SharedRoutingData
{
    /// <summary>
    /// MMLU-Pro's split, by question id: 0 → test (never trained or calibrated on), 1 → calibration, 2–4 → training.
    /// MMLU-Pro repeats 37 questions under two ids; <see cref="LoadMmluPro"/> gives every copy the split of the
    /// lowest id, so no test question is also trained on.
    /// </summary>
    public static MmluSplit SplitOf(int questionId) => (questionId % 5) switch
    {
        0 => MmluSplit.Test,
        1 => MmluSplit.Calibration,
        _ => MmluSplit.Train,
    };

    /// <summary>
    /// The training target is the question's difficulty: the share of MMLU-Pro's models that got it wrong.
    /// When the weak model is a capable one (the usual frontier/cheap pair) its failures, and so the strong
    /// model's gains, are on the hard questions. The previous target, the gain averaged over six fixed
    /// strong/weak pairs, mixed in small pairs such as Llama-2-70B/7B whose gains are on easier questions
    /// (docs/routing.md has the validation figures of both).
    /// </summary>
    public const string TrainingLabel = "target = share of the MMLU-Pro models with a result for the question (up to 29) that answered it wrong";

    public static List<MmluQuestion> LoadMmluPro(string routingDirectory)
    {
        var dir = Path.Combine(routingDirectory, "mmlu_pro");
        var correct = new Dictionary<int, IReadOnlyDictionary<string, string>>();
        foreach (var record in Csv.ReadRecords(Path.Combine(dir, "mmlu_pro_correct.csv")))
        {
            correct[int.Parse(record["question_id"], CultureInfo.InvariantCulture)] = record;
        }

        var questions = new List<MmluQuestion>();
        foreach (var record in Csv.ReadRecords(Path.Combine(dir, "mmlu_pro_questions.csv")))
        {
            var id = int.Parse(record["question_id"], CultureInfo.InvariantCulture);
            if (!correct.TryGetValue(id, out var scores))
            {
                continue;
            }

            var results = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var (model, value) in scores)
            {
                if (model != "question_id" && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
                {
                    results[model] = v;
                }
            }

            questions.Add(new MmluQuestion(id, record["category"], MmluPrompt(record["question"], record["options"]), results, SplitOf(id)));
        }

        questions.Sort((a, b) => a.Id.CompareTo(b.Id));
        var first = new Dictionary<string, MmluSplit>(StringComparer.Ordinal);
        for (var i = 0; i < questions.Count; i++)
        {
            if (!first.TryAdd(questions[i].Prompt, questions[i].Split))
            {
                questions[i] = questions[i] with { Split = first[questions[i].Prompt] };
            }
        }

        return questions;
    }

    /// <summary>The question as a user would send it: the question, then lettered options.</summary>
    public static string MmluPrompt(string question, string options)
    {
        ArgumentNullException.ThrowIfNull(question);
        string[] list;
        try
        {
            list = JsonSerializer.Deserialize<string[]>(options) ?? [];
        }
        catch (JsonException)
        {
            return question + "\n\n" + options;
        }

        var prompt = new StringBuilder(question).Append("\n\n");
        for (var i = 0; i < list.Length; i++)
        {
            prompt.Append((char)('A' + i)).Append(") ").Append(list[i]).Append('\n');
        }

        return prompt.ToString().TrimEnd('\n');
    }

    /// <summary>Training examples from MMLU-Pro's training split, in question id order; see <see cref="TrainingLabel"/>.</summary>
    public static List<TrainingExample> MmluTraining(IEnumerable<MmluQuestion> questions, MmluSplit split = MmluSplit.Train) =>
        questions
            .Where(q => q.Split == split && q.Correct.Count > 0)
            .Select(q => new TrainingExample(q.Prompt, Difficulty(q)))
            .ToList();

    /// <summary>What a router trained for one pair of MMLU-Pro's models learns (see <see cref="MmluPairTraining"/>).</summary>
    public static string PairTrainingLabel(string strong, string weak) =>
        $"target = (1 + gain) / 2, gain = {strong} correct - {weak} correct (0/1), on the questions with a result for both";

    /// <summary>
    /// Training examples for a router that serves one pair of MMLU-Pro's models: the pair's own gain on each question of
    /// <paramref name="split"/> with a result for both, in question id order. Where the pair is known, its gains say more
    /// than difficulty does: gemini-1.5-flash beats gemini-1.5-pro on some subjects, which no difficulty can tell.
    /// </summary>
    public static List<TrainingExample> MmluPairTraining(IEnumerable<MmluQuestion> questions, string strong, string weak, MmluSplit split = MmluSplit.Train) =>
        questions
            .Where(q => q.Split == split && q.Correct.ContainsKey(strong) && q.Correct.ContainsKey(weak))
            .Select(q => new TrainingExample(q.Prompt, TrainingExample.TargetFromGain(q.Correct[strong] - q.Correct[weak])))
            .ToList();

    /// <summary>The models with a result for at least one question, in name order.</summary>
    public static List<string> MmluModels(IEnumerable<MmluQuestion> questions) =>
        questions.SelectMany(q => q.Correct.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

    /// <summary>The share of the models with a result for this question that got it wrong (results are 0/1).</summary>
    public static double Difficulty(MmluQuestion question)
    {
        ArgumentNullException.ThrowIfNull(question);
        return 1 - question.Correct.Values.Average();
    }

    /// <summary>Evaluation rows for one pair from the questions of one split (no cost: MMLU-Pro has none).</summary>
    public static List<RoutingRow> MmluRows(IEnumerable<MmluQuestion> questions, MmluSplit split, string strong, string weak) =>
        questions
            .Where(q => q.Split == split && q.Correct.ContainsKey(strong) && q.Correct.ContainsKey(weak))
            .Select(q => new RoutingRow(q.Prompt, q.Correct[weak], q.Correct[strong]))
            .ToList();

    /// <summary>
    /// AlpacaEval 2 (eval only): quality is the probability that a model's answer is preferred to
    /// GPT-4 Turbo's (gpt4_1106_preview; 0.5 against itself). Default pair: GPT-4 Turbo / Mixtral 8x7B.
    /// </summary>
    public static List<RoutingRow> AlpacaEval(string routingDirectory, string strong = "gpt4_1106_preview", string weak = "Mixtral-8x7B-Instruct-v0.1_concise")
    {
        var rows = new List<RoutingRow>();
        foreach (var record in Csv.ReadRecords(Path.Combine(routingDirectory, "alpacaeval2", "alpacaeval2_wide.csv")))
        {
            if (TryNumber(record, weak + "|pref", out var w) && TryNumber(record, strong + "|pref", out var s))
            {
                rows.Add(new RoutingRow(record["instruction"], w, s));
            }
        }

        return rows;
    }

    public static readonly string[] RouterBenchFiles = ["arc_challenge_train.csv", "mbpp_train.csv", "winograde_train.csv"];

    /// <summary>
    /// RouterBench 0-shot rows (eval only) with their real USD costs. Default pair: GPT-4 Turbo /
    /// Mixtral 8x7B, RouteLLM's pair. Rows missing either score are skipped.
    /// </summary>
    public static List<RoutingRow> RouterBench(string routingDirectory, string file, string strong = "gpt-4-1106-preview", string weak = "mistralai/mixtral-8x7b-chat")
    {
        var rows = new List<RoutingRow>();
        foreach (var record in Csv.ReadRecords(Path.Combine(routingDirectory, "routerbench_train", file)))
        {
            if (TryNumber(record, weak, out var w) && TryNumber(record, strong, out var s)
                && TryNumber(record, weak + "|total_cost", out var wc) && TryNumber(record, strong + "|total_cost", out var sc))
            {
                rows.Add(new RoutingRow(RouterBenchPrompt(record["prompt"]), w, s, wc, sc));
            }
        }

        return rows;
    }

    /// <summary>RouterBench stores each prompt as a Python list literal of one string: <c>['...']</c>.</summary>
    public static string RouterBenchPrompt(string literal)
    {
        ArgumentNullException.ThrowIfNull(literal);
        if (literal.Length < 4 || literal[0] != '[' || literal[^1] != ']' || (literal[1] != '\'' && literal[1] != '"'))
        {
            return literal;
        }

        var text = new StringBuilder(literal.Length);
        for (var i = 2; i < literal.Length - 2; i++)
        {
            var c = literal[i];
            if (c != '\\' || i + 1 >= literal.Length - 2)
            {
                text.Append(c);
                continue;
            }

            var next = literal[++i];
            text.Append(next switch { 'n' => '\n', 't' => '\t', 'r' => '\r', _ => next });
        }

        return text.ToString();
    }

    private static bool TryNumber(IReadOnlyDictionary<string, string> record, string column, out double value)
    {
        value = 0;
        return record.TryGetValue(column, out var text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);
    }
}

public enum MmluSplit
{
    Train,
    Calibration,
    Test,
}

public sealed record MmluQuestion(int Id, string Category, string Prompt, IReadOnlyDictionary<string, double> Correct, MmluSplit Split);
