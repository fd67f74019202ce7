using Tokenwise.Embeddings;
using Tokenwise.Routing;
using Tokenwise.Testing;

namespace Tokenwise.Tests.Routing;

public sealed class RouterTrainingTests
{
    private static List<TrainingExample> Examples() => ToyRouter.Examples();

    private static RouterModel Train(ITextEmbedder embedder) => ToyRouter.Train(embedder);

    private static byte[] Bytes(RouterModel model)
    {
        using var stream = new MemoryStream();
        model.Save(stream);
        return stream.ToArray();
    }

    [Fact]
    public void TrainingTheSameRowsTwiceGivesTheSameFile()
    {
        Assert.Equal(Bytes(Train(new HashingEmbedder())), Bytes(Train(new HashingEmbedder())));
    }

    [Fact]
    public void LearnsWhichPromptsNeedTheStrongModelAndCalibratesTheShare()
    {
        var embedder = new HashingEmbedder();
        var model = Train(embedder);
        var router = new StrongWeakRouter(model);

        var hard = router.Decide(embedder.Embed("prove the lemma"), "prove the lemma");
        var easy = router.Decide(embedder.Embed("say hi"), "say hi");

        Assert.True(hard.Score > easy.Score, $"hard {hard.Score} vs easy {easy.Score}");
        Assert.True(hard.UseStrong);
        Assert.False(easy.UseStrong);
        Assert.Equal(new RouterCalibration("strong_share", 0.5, "test rows", 4), model.Calibration);
    }

    [Fact]
    public void ModelFileRoundTrips()
    {
        var model = Train(new HashingEmbedder());
        var bytes = Bytes(model);

        var loaded = RouterModel.Load(new MemoryStream(bytes));

        Assert.Equal(bytes, Bytes(loaded));
        Assert.Equal(model.Threshold, loaded.Threshold);
    }

    [Fact]
    public void DataHashChangesWithAnyRowOrTarget()
    {
        var rows = Examples();
        var hash = RouterTrainer.DataHash(rows);

        Assert.Equal(hash, RouterTrainer.DataHash(Examples()));
        Assert.NotEqual(hash, RouterTrainer.DataHash([.. rows.Take(39)]));
        Assert.NotEqual(hash, RouterTrainer.DataHash([rows[0] with { Target = 0.1 }, .. rows.Skip(1)]));
    }

    [Fact]
    public void UserRowsAreScaledAndEveryFifthCalibrates()
    {
        var rows = Enumerable.Range(0, 10).Select(i => new RoutingRow($"p{i}", 2, 8)).ToList();

        var (training, calibration) = UserTrainingData.Split(rows);

        Assert.Equal(["p1", "p6"], calibration);
        Assert.Equal(8, training.Count);
        // Scores 2 and 8 on a 2..8 scale: gain 1, target 1.
        Assert.All(training, t => Assert.Equal(1, t.Target, 12));
    }

    [Fact]
    public void APairRouterIsTrainedOnThatPairsOwnGainOnTheTrainingSplit()
    {
        static MmluQuestion Question(int id, params (string Model, double Correct)[] results) =>
            new(id, "physics", $"q{id}", results.ToDictionary(r => r.Model, r => r.Correct), SharedRoutingData.SplitOf(id));
        var questions = new[]
        {
            Question(1, ("pro", 1), ("flash", 0)), // calibration
            Question(2, ("pro", 1), ("flash", 0), ("other", 0)),
            Question(3, ("pro", 1), ("flash", 1)),
            Question(4, ("pro", 0), ("flash", 1)),
            Question(5, ("pro", 1), ("flash", 0)), // test
            Question(7, ("pro", 1)), // no result for the weak model
        };

        var training = SharedRoutingData.MmluPairTraining(questions, "pro", "flash");

        Assert.Equal([new TrainingExample("q2", 1), new TrainingExample("q3", 0.5), new TrainingExample("q4", 0)], training);
        Assert.Equal(["q1"], SharedRoutingData.MmluPairTraining(questions, "pro", "flash", MmluSplit.Calibration).Select(e => e.Prompt));
        Assert.Equal(["flash", "other", "pro"], SharedRoutingData.MmluModels(questions));
    }

    /// <summary>How fast a decision is belongs to <c>RouterBenchmarks.RouterDecision</c>, not to a timed test.</summary>
    [Fact]
    public void ShippedModelLoadsAndDecides()
    {
        var router = new StrongWeakRouter(RouterModel.LoadDefault());
        Assert.Equal(MiniLmEmbedder.Int8Id, router.Model.Embedder);
        var embedding = new HashingEmbedder().Embed("a prompt about a proof of a theorem");
        const string prompt = "Prove that the square root of 2 is irrational.\n\nA) yes\nB) no\nC) maybe";

        var decision = router.Decide(embedding, prompt);

        Assert.InRange(decision.Score, 0, 1);
        Assert.Equal(router.Model.Threshold, decision.Threshold);
        Assert.Equal(decision.Score >= decision.Threshold, decision.UseStrong);
        Assert.Equal(decision, router.Decide(embedding, prompt));
    }

    [Fact]
    public void ShippedModelWasTrainedOnTheDocumentedRows()
    {
        var dir = SharedRoutingDirectory.Require();
        var model = RouterModel.LoadDefault();
        var questions = SharedRoutingData.LoadMmluPro(dir);

        var training = SharedRoutingData.MmluTraining(questions);
        var calibration = questions.Count(q => q.Split == MmluSplit.Calibration);

        Assert.Equal(training.Count, model.Training.Rows);
        Assert.Equal(RouterTrainer.DataHash(training), model.Training.DataSha256);
        Assert.Equal(calibration, model.Calibration.Rows);
        Assert.Equal(SharedRoutingData.TrainingLabel, model.Training.Label);
        Assert.Equal(new LogisticTrainer.Options(), new LogisticTrainer.Options(model.Training.Epochs, model.Training.LearningRate, model.Training.L2));
        Assert.Equal("tokenwise router train --shared ../shared/data/routing --strong-share 0.3 --epochs 400 --learning-rate 0.02 --l2 0.0001", model.Training.Command);
    }

    [Fact]
    public void NoTestRowIsTrainedOrCalibratedOn()
    {
        var dir = SharedRoutingDirectory.Require();
        var questions = SharedRoutingData.LoadMmluPro(dir);
        var test = SharedRoutingData.MmluRows(questions, MmluSplit.Test, "gemini-1.5-pro-002", "gemini-1.5-flash-002").Select(r => r.Prompt).ToHashSet();

        var trained = SharedRoutingData.MmluTraining(questions)
            .Concat(SharedRoutingData.MmluPairTraining(questions, "gemini-1.5-pro-002", "gemini-1.5-flash-002")).Select(t => t.Prompt);
        var calibrated = questions.Where(q => q.Split == MmluSplit.Calibration).Select(q => q.Prompt);

        Assert.True(test.Count > 1500);
        Assert.DoesNotContain(trained.Concat(calibrated), test.Contains);
    }
}
