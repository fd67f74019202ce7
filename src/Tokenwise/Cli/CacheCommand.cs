using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Tokenwise.Caching;
using Tokenwise.Embeddings;

namespace Tokenwise.Cli;

/// <summary>
/// <c>tokenwise cache</c>: <c>eval</c> measures the semantic cache on labelled files;
/// <c>convert-contextual</c> makes the <c>--contextual</c> CSV from MeanCache's conversations; <c>stats</c> and
/// <c>invalidate</c> (from <see cref="AdminCommands"/>) go through the running gateway's admin API.
/// </summary>
internal static class CacheCommand
{
    public static Command Create(params Command[] more)
    {
        var command = new Command("cache", "The response cache: evaluation, statistics and invalidation.") { Eval(), ConvertContextual() };
        foreach (var sub in more)
        {
            command.Subcommands.Add(sub);
        }

        return command;
    }

    private static Command Eval()
    {
        var pairs = new Option<string?>("--pairs") { Description = "CSV with question1,question2,is_duplicate: would a cache holding question1 answer question2?" };
        var gptCache = new Option<string?>("--gptcache") { Description = "GPTCache's JSON [{origin, similar}]: insert every origin, query every similar." };
        var contextual = new Option<string?>("--contextual") { Description = "CSV with context_a,question_a,context_b,question_b,should_hit." };
        var threshold = new Option<double>("--threshold") { Description = "The similarity threshold to report decisions at.", DefaultValueFactory = _ => CacheDefaults.SemanticThreshold };
        var limit = new Option<int?>("--limit") { Description = "Evaluate only the first N rows." };
        var decisionsOut = new Option<string?>("--decisions-out") { Description = "Write each row's similarity and decision to this CSV file." };
        var embeddingsUrl = new Option<string?>("--embeddings-url") { Description = "Use an OpenAI-compatible embeddings endpoint (base URL, e.g. http://localhost:11434/v1) instead of the local all-MiniLM-L6-v2." };
        var precision = new Option<string>("--precision") { Description = "The local model's weights, as cache.embeddings.precision: int8 or fp32.", DefaultValueFactory = _ => new Configuration.CacheEmbeddingOptions().Precision };
        precision.AcceptOnlyFromAmong([.. Configuration.CacheEmbeddingOptions.Precisions.Keys]);
        var embeddingsModel = new Option<string>("--embeddings-model") { Description = "The model for --embeddings-url.", DefaultValueFactory = _ => "text-embedding-3-small" };
        var apiKeyEnv = new Option<string>("--api-key-env") { Description = "The environment variable holding the key for --embeddings-url.", DefaultValueFactory = _ => "OPENAI_API_KEY" };
        var embeddingCache = new Option<string?>("--embedding-cache")
        {
            Description = "A file that keeps the data's embeddings between runs (created if missing); latency is still measured on fresh embeddings.",
        };
        var format = CliOptions.Format();
        var eval = new Command("eval", "Measure semantic-cache hits and wrong hits on labelled data.")
        {
            pairs, gptCache, contextual, threshold, limit, decisionsOut, precision, embeddingsUrl, embeddingsModel, apiKeyEnv, embeddingCache, format,
        };
        eval.SetAction(async (parse, cancellationToken) =>
        {
            var sources = new[] { parse.GetValue(pairs), parse.GetValue(gptCache), parse.GetValue(contextual) };
            if (sources.Count(s => s is not null) != 1)
            {
                Console.Error.WriteLine("Give exactly one of --pairs, --gptcache or --contextual.");
                return 2;
            }

            using var http = new HttpClient();
            // As the gateway embeds (cache.embeddings.threads and precision), so the latency printed is the one served.
            using var local = parse.GetValue(embeddingsUrl) is null
                ? new MiniLmEmbedder(Configuration.CacheEmbeddingOptions.DefaultThreads, Configuration.CacheEmbeddingOptions.Precisions[parse.GetValue(precision)!])
                : null;
            ITextEmbedder embedder = (ITextEmbedder?)local ?? new OpenAIEmbedder(http, new Uri(parse.GetValue(embeddingsUrl)!), parse.GetValue(embeddingsModel)!,
                Environment.GetEnvironmentVariable(parse.GetValue(apiKeyEnv)!));
            await using var decisions = parse.GetValue(decisionsOut) is { } decisionsPath ? new StreamWriter(decisionsPath) : null;
            var cached = new CachingEmbedder(embedder, parse.GetValue(embeddingCache));
            var evaluator = new CacheEvaluator(cached, embedder, parse.GetValue(threshold), decisions);
            CacheEvalReport report;
            try
            {
                report = parse.GetValue(pairs) is { } p ? await evaluator.PairsAsync(p, parse.GetValue(limit), cancellationToken)
                    : parse.GetValue(gptCache) is { } g ? await evaluator.GptCacheAsync(g, parse.GetValue(limit), cancellationToken)
                    : await evaluator.ContextualAsync(parse.GetValue(contextual)!, parse.GetValue(limit), cancellationToken);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or JsonException or KeyNotFoundException or HttpRequestException)
            {
                Console.Error.WriteLine($"Cannot evaluate: {e.Message}");
                return 2;
            }

            cached.Save();

            Write(report, parse.GetValue(format));
            return 0;
        });
        return eval;
    }

    private static Command ConvertContextual()
    {
        var source = new Option<string>("--source") { Description = "The folder of MeanCache JSON files (../shared/data/cache/contextual).", Required = true };
        var output = new Option<string>("--out") { Description = "Where to write the CSV.", Required = true };
        var convert = new Command("convert-contextual", "Make the --contextual CSV from MeanCache's two-turn conversations.") { source, output };
        convert.SetAction(parse =>
        {
            List<ContextualRow> rows;
            try
            {
                rows = MeanCacheConverter.Convert(parse.GetValue(source)!);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or KeyNotFoundException)
            {
                Console.Error.WriteLine($"Cannot read '{parse.GetValue(source)}': {e.Message}");
                return 2;
            }

            using (var writer = new StreamWriter(parse.GetValue(output)!))
            {
                MeanCacheConverter.Write(rows, writer);
            }

            Console.WriteLine($"Wrote {rows.Count} rows ({rows.Count(r => r.ShouldHit)} should hit) to {parse.GetValue(output)}.");
            return 0;
        });
        return convert;
    }

    private static void Write(CacheEvalReport report, OutputFormat format)
    {
        var json = JsonSerializer.Serialize(report, CacheEvalJsonContext.Default.CacheEvalReport);
        if (format == OutputFormat.Table)
        {
            var auc = report.RocAuc is { } a ? a.ToString("0.0000", CultureInfo.InvariantCulture) : "n/a";
            Console.WriteLine($"{report.Mode}: {report.Rows:N0} rows, embedder {report.Embedder}, ROC AUC {auc}, threshold in use {report.Threshold:0.00}");
        }

        string[] columns = ["threshold", "served", "hit rate", "recall", "false hits", "precision", "F1"];
        CliOutput.Write(format, json, columns, ["threshold", "served", "hit_rate", "recall", "false_hit_rate", "precision", "f1"],
            report.Points.Select(p => Row(p, p.Threshold == report.Threshold)));
        if (format != OutputFormat.Table)
        {
            return;
        }

        var d = report.AtThreshold;
        Console.WriteLine($"At {d.Threshold:0.00}: hit rate {Pct(d.HitRate)}, recall {Pct(d.Recall)}, false hits {Pct(d.FalseHitRate)}, precision {Pct(d.Precision)}, F1 {d.F1:0.000}");
        var raw = report.CosineOnly;
        Console.WriteLine($"Cosine alone, without the second stage: hit rate {Pct(raw.HitRate)}, recall {Pct(raw.Recall)}, false hits {Pct(raw.FalseHitRate)}, precision {Pct(raw.Precision)}");
        if (report.WithoutContext is { } w)
        {
            Console.WriteLine($"Ignoring the conversation context instead: false hits {Pct(w.FalseHitRate)}, recall {Pct(w.Recall)}");
        }

        Console.WriteLine($"Embedding, one query at a time: p50 {report.EmbedLatency.P50Ms:0.00} ms, p99 {report.EmbedLatency.P99Ms:0.00} ms ({report.EmbedLatency.Samples} queries)");
        if (report.LookupLatency is { } l)
        {
            Console.WriteLine($"Index search and second stage: p50 {l.P50Ms * 1000:0.0} µs, p99 {l.P99Ms * 1000:0.0} µs ({l.Samples} queries)");
        }
    }

    private static object?[] Row(OperatingPoint p, bool inUse) =>
    [
        p.Threshold.ToString("0.00", CultureInfo.InvariantCulture) + (inUse ? " *" : ""),
        p.Served, Pct(p.HitRate), Pct(p.Recall), Pct(p.FalseHitRate), Pct(p.Precision), p.F1.ToString("0.000", CultureInfo.InvariantCulture),
    ];

    private static string Pct(double ratio) => (ratio * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";
}
