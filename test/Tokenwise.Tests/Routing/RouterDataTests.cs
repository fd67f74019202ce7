using Tokenwise.Routing;

namespace Tokenwise.Tests.Routing;

public sealed class RouterDataTests
{
    [Fact]
    public void CsvRoundTripsQuotedPromptsWithCommasQuotesAndLineBreaks()
    {
        var path = Path.GetTempFileName();
        try
        {
            RoutingRow[] rows = [new("plain", 0, 1, 0.001, 0.01), new("a, \"quoted\"\nmulti-line prompt", 0.25, 0.75, 0, 0.5)];
            RoutingDataFile.Write(path, rows);

            Assert.Equal(rows, RoutingDataFile.Read(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void CostsAreOptionalAndBadNumbersAreRefusedWithTheirPlace()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "prompt,weak_score,strong_score\nhi,0,1\n");
            Assert.Equal([new RoutingRow("hi", 0, 1)], RoutingDataFile.Read(path));

            File.WriteAllText(path, "prompt,weak_score,strong_score\nhi,zero,1\n");
            var error = Assert.Throws<FormatException>(() => RoutingDataFile.Read(path));
            Assert.Contains("weak_score 'zero'", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void MmluPromptsListLetteredOptions()
    {
        Assert.Equal("What is 2+2?\n\nA) 3\nB) 4", SharedRoutingData.MmluPrompt("What is 2+2?", "[\"3\", \"4\"]"));
    }

    [Fact]
    public void RouterBenchPromptsAreUnwrappedFromTheirListLiteral()
    {
        Assert.Equal("Write a function.\nIt's easy", SharedRoutingData.RouterBenchPrompt("['Write a function.\\nIt\\'s easy']"));
        Assert.Equal("not a list", SharedRoutingData.RouterBenchPrompt("not a list"));
    }

    [Fact]
    public void SplitIsByQuestionId()
    {
        Assert.Equal(MmluSplit.Test, SharedRoutingData.SplitOf(70));
        Assert.Equal(MmluSplit.Calibration, SharedRoutingData.SplitOf(71));
        Assert.Equal(MmluSplit.Train, SharedRoutingData.SplitOf(72));
    }

    [Fact]
    public void TrainingTargetIsTheShareOfModelsThatGotTheQuestionWrong()
    {
        MmluQuestion[] questions =
        [
            new(2, "math", "all four answered, two right", new Dictionary<string, double> { ["a"] = 1, ["b"] = 0, ["c"] = 0, ["d"] = 1 }, MmluSplit.Train),
            new(3, "law", "three answered, one right", new Dictionary<string, double> { ["a"] = 0, ["b"] = 0, ["d"] = 1 }, MmluSplit.Train),
            new(5, "law", "test question", new Dictionary<string, double> { ["a"] = 0 }, MmluSplit.Test),
            new(7, "law", "no results", new Dictionary<string, double>(), MmluSplit.Train),
        ];

        var training = SharedRoutingData.MmluTraining(questions);

        Assert.Equal(["all four answered, two right", "three answered, one right"], training.Select(t => t.Prompt));
        Assert.Equal(0.5, training[0].Target, 12);
        Assert.Equal(2.0 / 3, training[1].Target, 12);
        Assert.Equal(1, SharedRoutingData.Difficulty(questions[2]));
    }

    [Fact]
    public void EvaluationSetsBuildFromTheSharedData()
    {
        var dir = SharedRoutingDirectory.Require();

        var alpaca = SharedRoutingData.AlpacaEval(dir);
        var mbpp = SharedRoutingData.RouterBench(dir, "mbpp_train.csv");

        Assert.Equal(803, alpaca.Count);
        Assert.All(alpaca, r => Assert.Equal(0.5, r.StrongScore));
        Assert.Equal(299, mbpp.Count);
        Assert.All(mbpp, r => Assert.NotNull(r.StrongCost));
        Assert.StartsWith("Write a function to remove all elements", mbpp[0].Prompt, StringComparison.Ordinal);
    }
}
