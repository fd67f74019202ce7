using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Tokenwise.Embeddings;
using Tokenwise.Data;

namespace Tokenwise.Caching;

/// <summary>
/// Measures the semantic cache's decisions on labelled data with the embedder and index the gateway
/// uses. Every figure comes from the similarities written by <c>--decisions-out</c>, so anyone can recompute them.
/// The data is embedded with <paramref name="embedder"/> (which may remember vectors between runs); latency is
/// measured on <paramref name="timed"/>, which must compute every vector afresh, as the gateway does.
/// </summary>
internal sealed class CacheEvaluator(ITextEmbedder embedder, ITextEmbedder timed, double threshold, TextWriter? decisions)
{
    private const int Batch = 32;
    private const int LatencySamples = 200;

    /// <summary>Thresholds reported, from loose to strict.</summary>
    public static IReadOnlyList<double> Thresholds { get; } = Enumerable.Range(0, 31).Select(i => Math.Round(0.70 + (i * 0.01), 2)).ToList();

    /// <summary><c>--pairs</c>: would a cache holding only question1 answer question2?</summary>
    public async Task<CacheEvalReport> PairsAsync(string path, int? limit, CancellationToken cancellationToken)
    {
        var rows = Take(Csv.ReadColumns(path, "question1", "question2", "is_duplicate"), limit);
        var labels = rows.Select((r, i) => Label(r[2], path, i, "is_duplicate")).ToArray();
        var first = await EmbedAllAsync(rows.Select(r => r[0]).ToList(), cancellationToken);
        var second = await EmbedAllAsync(rows.Select(r => r[1]).ToList(), cancellationToken);
        var cases = new Case[rows.Count];
        var raw = new Case[rows.Count];
        var decisions = new SemanticDecision[rows.Count];
        for (var i = 0; i < rows.Count; i++)
        {
            // A cache holding only question1: it is the one candidate.
            var similarity = Vectors.Dot(first[i], second[i]);
            decisions[i] = SemanticMatcher.Default.Decide(rows[i][1], [new SemanticCandidate(rows[i][0], similarity)]);
            cases[i] = new Case(similarity, labels[i], labels[i], decisions[i].Accepted);
            raw[i] = new Case(similarity, labels[i], labels[i], Accepted: true);
        }

        WriteDecisions("row,is_duplicate,similarity,second_stage,reason,served",
            cases.Select((c, i) => $"{i},{(c.Positive ? 1 : 0)},{F(c.Similarity)},{Flag(c.Accepted)},{decisions[i].Reason},{Flag(c.Serves(threshold))}"));
        var embedLatency = await EmbedLatencyAsync(rows.Select(r => r[1]).ToList(), cancellationToken);
        return Report("pairs", cases, raw, embedLatency, lookupLatency: null, withoutContext: null);
    }

    /// <summary>GPTCache's <c>[{origin, similar}]</c>, or a <see cref="FormatException"/> that says which item is not that.</summary>
    private static List<(string Origin, string Similar)> GptCachePairs(JsonElement root, string path)
    {
        var shape = $"'{path}' must be a JSON array of {{\"origin\": text, \"similar\": text}} objects";
        if (root.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException(shape + ".");
        }

        var pairs = new List<(string, string)>();
        foreach (var item in root.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object
                || !item.TryGetProperty("origin", out var origin) || origin.ValueKind != JsonValueKind.String
                || !item.TryGetProperty("similar", out var similar) || similar.ValueKind != JsonValueKind.String)
            {
                throw new FormatException($"{shape}; item {pairs.Count + 1} is not.");
            }

            pairs.Add((origin.GetString()!, similar.GetString()!));
        }

        return pairs;
    }

    /// <summary><c>--gptcache</c>: insert every origin, query every similar; right only when a query finds its own origin.</summary>
    public async Task<CacheEvalReport> GptCacheAsync(string path, int? limit, CancellationToken cancellationToken)
    {
        using var document = JsonDocument.Parse(await File.ReadAllBytesAsync(path, cancellationToken));
        var items = Take(GptCachePairs(document.RootElement, path), limit);
        var origins = await EmbedAllAsync(items.Select(i => i.Origin).ToList(), cancellationToken);
        var queries = await EmbedAllAsync(items.Select(i => i.Similar).ToList(), cancellationToken);

        var index = new ScopedVectorIndex();
        for (var i = 0; i < origins.Length; i++)
        {
            index.Add("", i, origins[i]);
        }

        var cases = new Case[queries.Length];
        var raw = new Case[queries.Length];
        var decisions = new SemanticDecision[queries.Length];
        var matched = new long[queries.Length];
        var lookups = new double[queries.Length];
        for (var i = 0; i < queries.Length; i++)
        {
            // Timed as the gateway looks up: the search, then the second stage over its candidates.
            var started = Stopwatch.GetTimestamp();
            var matches = index.Search("", queries[i], SemanticMatcher.Candidates);
            decisions[i] = SemanticMatcher.Default.Decide(items[i].Similar, matches.Select(m => new SemanticCandidate(items[(int)m.Id].Origin, m.Similarity)).ToList());
            lookups[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            var chosen = matches[decisions[i].Index];
            matched[i] = chosen.Id;
            // Right when it found its own origin (or an origin with the very same text).
            cases[i] = new Case(chosen.Similarity, true, items[(int)chosen.Id].Origin == items[i].Origin, decisions[i].Accepted);
            raw[i] = new Case(matches[0].Similarity, true, items[(int)matches[0].Id].Origin == items[i].Origin, Accepted: true);
        }

        WriteDecisions("row,matched_row,similarity,second_stage,reason,served,correct", cases.Select((c, i) =>
            $"{i},{matched[i]},{F(c.Similarity)},{Flag(c.Accepted)},{decisions[i].Reason},{Flag(c.Serves(threshold))},{Flag(c.Correct)}"));
        var embedLatency = await EmbedLatencyAsync(items.Select(i => i.Similar).ToList(), cancellationToken);
        return Report("gptcache", cases, raw, embedLatency, Latency(lookups), withoutContext: null);
    }

    /// <summary>
    /// <c>--contextual</c>: the earlier conversation is part of the scope, as in the gateway, so a
    /// question is only compared with entries cached after the same context. The report also shows
    /// what a cache that ignores context would have served.
    /// </summary>
    public async Task<CacheEvalReport> ContextualAsync(string path, int? limit, CancellationToken cancellationToken)
    {
        var rows = Take(Csv.ReadColumns(path, MeanCacheConverter.Columns).Select((r, i) =>
            new ContextualRow(r[0], r[1], r[2], r[3], Label(r[4], path, i, MeanCacheConverter.Columns[4]))).ToList(), limit);
        var texts = rows.SelectMany(r => new[] { r.QuestionA, r.QuestionB }).Distinct(StringComparer.Ordinal).ToList();
        var vectors = await EmbedAllAsync(texts, cancellationToken);
        var byText = texts.Select((t, i) => (t, v: vectors[i])).ToDictionary(x => x.t, x => x.v, StringComparer.Ordinal);

        var cases = new Case[rows.Count];
        var raw = new Case[rows.Count];
        var ignoringContext = new Case[rows.Count];
        var decisions = new SemanticDecision[rows.Count];
        var lookups = new double[rows.Count];
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            // A cache holding only question_a under its own scope.
            var index = new ScopedVectorIndex();
            index.Add(ContextScope(row.ContextA), 0, byText[row.QuestionA]);
            var started = Stopwatch.GetTimestamp();
            var matches = index.Search(ContextScope(row.ContextB), byText[row.QuestionB], SemanticMatcher.Candidates);
            decisions[i] = SemanticMatcher.Default.Decide(row.QuestionB, matches.Select(m => new SemanticCandidate(row.QuestionA, m.Similarity)).ToList());
            lookups[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            var similarity = Vectors.Dot(byText[row.QuestionA], byText[row.QuestionB]);
            var unscoped = SemanticMatcher.Default.Decide(row.QuestionB, [new SemanticCandidate(row.QuestionA, similarity)]);
            cases[i] = new Case(decisions[i].Similarity, row.ShouldHit, row.ShouldHit, decisions[i].Accepted);
            raw[i] = new Case(decisions[i].Similarity, row.ShouldHit, row.ShouldHit, Accepted: true);
            ignoringContext[i] = new Case(similarity, row.ShouldHit, row.ShouldHit, unscoped.Accepted);
        }

        WriteDecisions("row,should_hit,same_context,similarity,second_stage,reason,served", cases.Select((c, i) =>
            $"{i},{Flag(c.Positive)},{Flag(rows[i].ContextA == rows[i].ContextB)},{F(ignoringContext[i].Similarity)},{Flag(ignoringContext[i].Accepted)},{decisions[i].Reason},{Flag(c.Serves(threshold))}"));
        var embedLatency = await EmbedLatencyAsync(rows.Select(r => r.QuestionB).ToList(), cancellationToken);
        return Report("contextual", cases, raw, embedLatency, Latency(lookups), Point(ignoringContext, threshold));
    }

    /// <summary>The gateway's scope for the earlier conversation is its exact text; whitespace at the ends does not count.</summary>
    private static string ContextScope(string context) => context.Trim();

    /// <param name="raw">The same queries decided by the nearest entry's cosine alone, without the second stage, for comparison.</param>
    private CacheEvalReport Report(string mode, Case[] cases, Case[] raw, LatencyFigures embed, LatencyFigures? lookupLatency, OperatingPoint? withoutContext) =>
        new(mode, embedder.ModelId, cases.Length, threshold, RocAuc(cases), Point(cases, threshold),
            Thresholds.Select(t => Point(cases, t)).ToList(), embed, lookupLatency, withoutContext, Point(raw, threshold), RocAuc(raw));

    internal static OperatingPoint Point(IReadOnlyList<Case> cases, double threshold)
    {
        int served = 0, right = 0, wrong = 0, positives = 0, negatives = 0;
        foreach (var c in cases)
        {
            positives += c.Positive ? 1 : 0;
            negatives += c.Positive ? 0 : 1;
            if (c.Serves(threshold))
            {
                served++;
                if (c.Correct && c.Positive)
                {
                    right++;
                }
                else
                {
                    wrong++;
                }
            }
        }

        var recall = Ratio(right, positives);
        var precision = Ratio(right, served);
        // With no negatives (GPTCache: every query has an origin), a false hit is any wrong answer served.
        var falseHitRate = Ratio(wrong, negatives > 0 ? negatives : cases.Count);
        var f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0;
        return new OperatingPoint(threshold, served, Ratio(served, cases.Count), recall, falseHitRate, precision, f1);
    }

    /// <summary>The probability that a random right case scores above a random wrong one (ties count half).</summary>
    internal static double? RocAuc(IReadOnlyList<Case> cases)
    {
        var ordered = cases.OrderBy(c => c.Score).ToList();
        long good = ordered.Count(c => c.Positive && c.Correct);
        long bad = ordered.Count - good;
        if (good == 0 || bad == 0)
        {
            return null;
        }

        double rankSum = 0;
        for (var i = 0; i < ordered.Count;)
        {
            var j = i;
            while (j < ordered.Count && ordered[j].Score == ordered[i].Score)
            {
                j++;
            }

            var averageRank = (i + j + 1) / 2.0; // ranks i+1 .. j
            rankSum += averageRank * ordered.Skip(i).Take(j - i).Count(c => c.Positive && c.Correct);
            i = j;
        }

        return (rankSum - (good * (good + 1) / 2.0)) / (good * (double)bad);
    }

    private async Task<float[][]> EmbedAllAsync(List<string> texts, CancellationToken cancellationToken)
    {
        var result = new List<float[]>(texts.Count);
        for (var i = 0; i < texts.Count; i += Batch)
        {
            result.AddRange(await embedder.EmbedAsync(texts.GetRange(i, Math.Min(Batch, texts.Count - i)), cancellationToken));
        }

        return [.. result];
    }

    /// <summary>Embeds up to 200 of the queries one by one, as the gateway does per request.</summary>
    private async Task<LatencyFigures> EmbedLatencyAsync(List<string> queries, CancellationToken cancellationToken)
    {
        var sample = queries.Take(LatencySamples).ToList();
        var times = new double[sample.Count];
        for (var i = 0; i < sample.Count; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await timed.EmbedAsync([sample[i]], cancellationToken);
            times[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }

        return Latency(times);
    }

    private static LatencyFigures Latency(double[] times)
    {
        if (times.Length == 0)
        {
            return new LatencyFigures(0, 0, 0);
        }

        var sorted = times.Order().ToArray();
        return new LatencyFigures(sorted.Length, Percentile(sorted, 0.50), Percentile(sorted, 0.99));
    }

    private static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private void WriteDecisions(string header, IEnumerable<string> lines)
    {
        if (decisions is null)
        {
            return;
        }

        decisions.Write(header + "\n");
        foreach (var line in lines)
        {
            decisions.Write(line + "\n");
        }
    }

    private static List<T> Take<T>(List<T> rows, int? limit) => limit is { } n && n < rows.Count ? rows.GetRange(0, n) : rows;

    private static double Ratio(int part, int whole) => whole == 0 ? 0 : (double)part / whole;

    private static string F(float value) => value.ToString("0.######", CultureInfo.InvariantCulture);

    private static char Flag(bool value) => value ? '1' : '0';

    /// <summary>A label cell: 1 or 0 (true or false). Anything else is refused: read as 0, a file labelled yes/no would measure nonsense.</summary>
    /// <exception cref="FormatException">The cell is no label.</exception>
    private static bool Label(string cell, string path, int row, string column) => cell.Trim().ToLowerInvariant() switch
    {
        "1" or "true" => true,
        "0" or "false" => false,
        _ => throw new FormatException($"'{path}', row {row + 1}: {column} '{cell}' must be 1 or 0."),
    };

    /// <summary>
    /// One query: the chosen entry's similarity, whether serving it is wanted at all (<see cref="Positive"/>),
    /// whether the entry chosen is the right one (<see cref="Correct"/>) and whether it passed the second stage.
    /// </summary>
    internal readonly record struct Case(float Similarity, bool Positive, bool Correct, bool Accepted = true)
    {
        /// <summary>What the threshold is compared with: the similarity, or nothing at all when the second stage rejected the entry.</summary>
        public float Score => Accepted ? Similarity : float.NegativeInfinity;

        public bool Serves(double threshold) => Score >= threshold;
    }
}
