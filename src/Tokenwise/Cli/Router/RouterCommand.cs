using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Tokenwise.Embeddings;
using Tokenwise.Routing;

namespace Tokenwise.Cli.Router;

/// <summary>
/// <c>tokenwise router train|eval|dataset</c>: trains the strong/weak router, measures it with RouteLLM's
/// metrics, and builds evaluation sets from the shared routing data. See docs/routing.md.
/// </summary>
internal static class RouterCommand
{
    public const string DefaultRoutingDirectory = "../shared/data/routing";

    public static Command Create() => new("router", "The learned strong/weak router: train, evaluate, build data sets.")
    {
        Train(),
        Eval(),
        Dataset(),
    };

    private static Option<string?> EmbeddingCache() => new("--embedding-cache")
    {
        Description = "A file that keeps prompt embeddings between runs (created if missing); makes re-runs fast.",
    };

    private static (Option<string?> Strong, Option<string?> Weak) PairOptions(string what) =>
        (new Option<string?>("--strong") { Description = $"With --shared: {what} this pair of MMLU-Pro's models (with --weak)." },
         new Option<string?>("--weak") { Description = "With --shared: the pair's weak model (with --strong)." });

    /// <summary>Why a pair named by --strong and --weak cannot be used, or null: both or neither, two different models of MMLU-Pro's.</summary>
    private static string? PairError(string? strong, string? weak, IReadOnlyList<MmluQuestion>? questions)
    {
        if ((strong is null) != (weak is null) || (strong is not null && strong == weak))
        {
            return "--strong and --weak go together, with --shared, and name two different models.";
        }

        var models = questions is null || strong is null ? null : SharedRoutingData.MmluModels(questions);
        return models is not null && new[] { strong!, weak! }.FirstOrDefault(m => !models.Contains(m)) is { } unknown
            ? $"MMLU-Pro has no results for {unknown}; its models are {string.Join(", ", models)}."
            : null;
    }

    private static Command Train()
    {
        var shared = new Option<string?>("--shared") { Description = $"Train on MMLU-Pro's training split from this routing data folder (e.g. {DefaultRoutingDirectory})." };
        var data = new Option<string?>("--data") { Description = "Train on your own CSV: prompt,weak_score,strong_score (every fifth row calibrates)." };
        var (strong, weak) = PairOptions("train for");
        var output = new Option<string>("--out") { Description = "Where to write the model (JSON).", Required = true };
        var share = new Option<double>("--strong-share") { Description = "Target share of requests sent to the strong model, 0..1.", DefaultValueFactory = _ => 0.3 };
        var defaults = new LogisticTrainer.Options();
        var epochs = new Option<int>("--epochs") { Description = "Full-batch Adam steps.", DefaultValueFactory = _ => defaults.Epochs };
        var rate = new Option<double>("--learning-rate") { Description = "Adam's step size.", DefaultValueFactory = _ => defaults.LearningRate };
        var l2 = new Option<double>("--l2") { Description = "L2 penalty on the weights.", DefaultValueFactory = _ => defaults.L2 };
        var cache = EmbeddingCache();
        var command = new Command("train", "Train a router (reproducible: same data and options, same file).") { shared, data, strong, weak, output, share, epochs, rate, l2, cache };
        command.SetAction(parse =>
        {
            var sharedDir = parse.GetValue(shared);
            var dataFile = parse.GetValue(data);
            if ((sharedDir is null) == (dataFile is null))
            {
                return Fail("Give exactly one of --shared DIR or --data FILE.csv.");
            }

            var pair = (Strong: parse.GetValue(strong), Weak: parse.GetValue(weak));
            if (PairError(pair.Strong, pair.Weak, questions: null) is { } pairError)
            {
                return Fail(pairError);
            }

            if (pair.Strong is not null && sharedDir is null)
            {
                return Fail("--strong and --weak name two of MMLU-Pro's models, with --shared: your own --data rows already are a pair's.");
            }

            var options = new LogisticTrainer.Options(parse.GetValue(epochs), parse.GetValue(rate), parse.GetValue(l2));
            var strongShare = parse.GetValue(share);
            if (strongShare is < 0 or > 1 || options.Epochs < 1 || options.LearningRate <= 0 || options.L2 < 0)
            {
                return Fail("--strong-share must be within 0..1, --epochs at least 1, --learning-rate above 0 and --l2 not negative.");
            }

            List<TrainingExample> training;
            List<string> calibration;
            string source, label, reproduce;
            var inv = CultureInfo.InvariantCulture;
            var settings = string.Create(inv, $"--strong-share {strongShare} --epochs {options.Epochs} --learning-rate {options.LearningRate} --l2 {options.L2}");
            try
            {
                if (sharedDir is not null)
                {
                    var questions = SharedRoutingData.LoadMmluPro(sharedDir);
                    source = "mmlu_pro (Apache-2.0): training split, question_id % 5 in {2,3,4}; calibration split question_id % 5 == 1";
                    if (pair is { Strong: { } strongModel, Weak: { } weakModel })
                    {
                        if (PairError(strongModel, weakModel, questions) is { } unknown)
                        {
                            return Fail(unknown);
                        }

                        training = SharedRoutingData.MmluPairTraining(questions, strongModel, weakModel);
                        calibration = SharedRoutingData.MmluPairTraining(questions, strongModel, weakModel, MmluSplit.Calibration).Select(e => e.Prompt).ToList();
                        label = SharedRoutingData.PairTrainingLabel(strongModel, weakModel);
                        reproduce = $"tokenwise router train --shared {DefaultRoutingDirectory} --strong {strongModel} --weak {weakModel} {settings}";
                    }
                    else
                    {
                        training = SharedRoutingData.MmluTraining(questions);
                        calibration = questions.Where(q => q.Split == MmluSplit.Calibration).Select(q => q.Prompt).ToList();
                        label = SharedRoutingData.TrainingLabel;
                        reproduce = $"tokenwise router train --shared {DefaultRoutingDirectory} {settings}";
                    }
                }
                else
                {
                    var rows = RoutingDataFile.Read(dataFile!);
                    (training, calibration) = UserTrainingData.Split(rows);
                    source = $"{Path.GetFileName(dataFile)}: rows whose index % 5 != 1; calibration rows index % 5 == 1";
                    label = UserTrainingData.Label;
                    reproduce = $"tokenwise router train --data {Path.GetFileName(dataFile)} {settings}";
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or KeyNotFoundException)
            {
                return Fail($"Cannot read the training data: {e.Message}");
            }

            if (training.Count == 0 || calibration.Count == 0)
            {
                return Fail("No training or calibration rows.");
            }

            using var miniLm = new MiniLmEmbedder();
            Console.Error.WriteLine($"Training on {training.Count} rows, calibrating on {calibration.Count} (embedding with {miniLm.ModelId})...");
            var embedder = new CachingEmbedder(miniLm, parse.GetValue(cache));
            var watch = Stopwatch.StartNew();
            var model = RouterTrainer.Train(embedder, training, calibration, strongShare, options, source, label, reproduce, Progress(watch));
            embedder.Save();
            model.Save(parse.GetValue(output)!);
            Console.WriteLine(string.Create(inv, $"Wrote {parse.GetValue(output)}: {model.Training.Rows} training rows (sha256 {model.Training.DataSha256}), threshold {model.Threshold:0.######} for {strongShare * 100:0.#}% strong calls, in {watch.Elapsed.TotalSeconds:0} s."));
            return 0;
        });
        return command;
    }

    private static Command Eval()
    {
        var data = new Option<string>("--data") { Description = "CSV: prompt,weak_score,strong_score[,weak_cost,strong_cost] (quality, higher is better).", Required = true };
        var model = new Option<string?>("--model") { Description = "A model file from `router train` (default: the shipped model)." };
        var scoresOut = new Option<string?>("--scores-out") { Description = "Write each row's score to this CSV (row,score,weak_score,strong_score)." };
        var format = CliOptions.Format();
        var cache = EmbeddingCache();
        var command = new Command("eval", "Sweep the threshold over labelled rows: APGR, CPT(50%), CPT(80%), the curve, baselines, decision latency.") { data, model, scoresOut, format, cache };
        command.SetAction(parse =>
        {
            List<RoutingRow> rows;
            RouterModel routerModel;
            try
            {
                rows = RoutingDataFile.Read(parse.GetValue(data)!);
                routerModel = parse.GetValue(model) is { } path ? RouterModel.Load(path) : RouterModel.LoadDefault();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or JsonException)
            {
                return Fail($"Cannot read the input: {e.Message}");
            }

            if (rows.Count == 0 || rows.Average(r => r.StrongScore) <= rows.Average(r => r.WeakScore))
            {
                return Fail("Need rows whose strong model's mean quality is above the weak model's (PGR is undefined otherwise).");
            }

            // A model is evaluated on the vectors it was trained on, fp32 or int8.
            if (!MiniLmEmbedder.TryGetPrecision(routerModel.Embedder, out var precision))
            {
                return Fail($"The model expects {routerModel.Embedder} embeddings; this build has {MiniLmEmbedder.Int8Id} and {MiniLmEmbedder.Id}.");
            }

            using var miniLm = new MiniLmEmbedder(precision: precision);

            var embedder = new CachingEmbedder(miniLm, parse.GetValue(cache));
            var router = new StrongWeakRouter(routerModel);
            var watch = Stopwatch.StartNew();
            var progress = Progress(watch);
            var embeddings = new float[rows.Count][];
            for (var i = 0; i < rows.Count; i++)
            {
                embeddings[i] = embedder.Embed(rows[i].Prompt);
                progress(i + 1, rows.Count);
            }

            embedder.Save();
            var (scores, latencies) = Score(router, rows, embeddings);
            if (parse.GetValue(scoresOut) is { } scoresPath)
            {
                WriteScores(scoresPath, rows, scores);
            }

            var report = new EvalReport(rows, scores, latencies, routerModel);
            report.Write(parse.GetValue(format));
            return 0;
        });
        return command;
    }

    private static Command Dataset()
    {
        var shared = new Option<string>("--shared") { Description = "The routing data folder.", DefaultValueFactory = _ => DefaultRoutingDirectory };
        var output = new Option<string>("--out") { Description = "The folder to write the evaluation CSVs into.", Required = true };
        var (strong, weak) = PairOptions("also write MMLU-Pro's sets for");
        var command = new Command("dataset", "Write evaluation sets (prompt,weak_score,strong_score[,costs]) from the shared routing data.") { shared, output, strong, weak };
        command.SetAction(parse =>
        {
            var dir = parse.GetValue(shared)!;
            var outDir = parse.GetValue(output)!;
            var pair = (Strong: parse.GetValue(strong), Weak: parse.GetValue(weak));
            if (PairError(pair.Strong, pair.Weak, questions: null) is { } pairError)
            {
                return Fail(pairError);
            }

            try
            {
                var questions = SharedRoutingData.LoadMmluPro(dir);
                if (PairError(pair.Strong, pair.Weak, questions) is { } unknown)
                {
                    return Fail(unknown);
                }

                var pairs = new List<(string Name, string Strong, string Weak)>
                {
                    ("gemini", "gemini-1.5-pro-002", "gemini-1.5-flash-002"),
                    ("llama", "Meta-Llama-3_1-70B-Instruct", "Meta-Llama-3_1-8B-Instruct"),
                };
                if (pair is { Strong: { } asked, Weak: { } askedWeak })
                {
                    pairs.Add(($"{asked}_vs_{askedWeak}", asked, askedWeak));
                }

                Directory.CreateDirectory(outDir);
                var sets = new List<(string File, List<RoutingRow> Rows, string What)>();
                foreach (var (split, name, what) in new[]
                {
                    (MmluSplit.Test, "test", "MMLU-Pro held-out test split (question_id % 5 == 0)"),
                    (MmluSplit.Calibration, "val", "MMLU-Pro calibration/validation split (question_id % 5 == 1: calibrated and tuned on, never trained on)"),
                })
                {
                    foreach (var (pairName, strongModel, weakModel) in pairs)
                    {
                        sets.Add(($"mmlu_pro_{name}_{pairName}.csv", SharedRoutingData.MmluRows(questions, split, strongModel, weakModel), $"{what}, {strongModel} / {weakModel}"));
                    }
                }

                sets.Add(("alpacaeval2.csv", SharedRoutingData.AlpacaEval(dir), "AlpacaEval 2 (eval only), gpt4_1106_preview / Mixtral-8x7B-Instruct-v0.1_concise, quality = preference vs GPT-4 Turbo"));
                var all = new List<RoutingRow>();
                foreach (var file in SharedRoutingData.RouterBenchFiles)
                {
                    var rows = SharedRoutingData.RouterBench(dir, file);
                    all.AddRange(rows);
                    sets.Add(("routerbench_" + file.Replace("_train.csv", ".csv", StringComparison.Ordinal), rows, $"RouterBench {file} (eval only), gpt-4-1106-preview / mixtral-8x7b-chat, real USD costs"));
                }

                sets.Add(("routerbench_all.csv", all, "RouterBench, the three files together"));
                foreach (var (file, rows, what) in sets)
                {
                    RoutingDataFile.Write(Path.Combine(outDir, file), rows);
                    Console.WriteLine($"{Path.Combine(outDir, file)}: {rows.Count} rows — {what}");
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or KeyNotFoundException)
            {
                return Fail($"Cannot build the data sets from '{dir}': {e.Message}");
            }

            return 0;
        });
        return command;
    }

    /// <summary>Scores every row, timing each decision alone (the embedding is already computed, as on the request path).</summary>
    internal static (double[] Scores, double[] LatenciesMs) Score(StrongWeakRouter router, IReadOnlyList<RoutingRow> rows, float[][] embeddings)
    {
        // Warm up so the figures are steady-state, not JIT.
        for (var i = 0; i < 200; i++)
        {
            router.Decide(embeddings[i % rows.Count], rows[i % rows.Count].Prompt);
        }

        var scores = new double[rows.Count];
        var latencies = new double[rows.Count];
        for (var i = 0; i < rows.Count; i++)
        {
            var start = Stopwatch.GetTimestamp();
            scores[i] = router.Decide(embeddings[i], rows[i].Prompt).Score;
            latencies[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        return (scores, latencies);
    }

    private static void WriteScores(string path, IReadOnlyList<RoutingRow> rows, double[] scores)
    {
        var inv = CultureInfo.InvariantCulture;
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false)) { NewLine = "\n" };
        writer.WriteLine("row,score,weak_score,strong_score");
        for (var i = 0; i < rows.Count; i++)
        {
            writer.WriteLine(string.Create(inv, $"{i},{scores[i]:R},{rows[i].WeakScore:R},{rows[i].StrongScore:R}"));
        }
    }

    private static Action<int, int> Progress(Stopwatch watch) => (done, total) =>
    {
        if (done % 500 == 0 || done == total)
        {
            Console.Error.WriteLine($"  embedded {done}/{total} ({watch.Elapsed.TotalSeconds:0} s)");
        }
    };

    private static int Fail(string message)
    {
        Console.Error.WriteLine(message);
        return 1;
    }
}
