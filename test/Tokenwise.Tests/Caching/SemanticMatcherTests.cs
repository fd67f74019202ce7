using Tokenwise.Caching;

namespace Tokenwise.Tests.Caching;

/// <summary>The second stage: what it must reject, whatever the cosine, and what it must let through.</summary>
public sealed class SemanticMatcherTests
{
    [Theory]
    [InlineData("What are the top 5 hiking trails in Colorado?", "What are the top 10 hiking trails in Colorado?", "numbers_differ")]
    [InlineData("How much did the iPhone cost in 2023?", "How much did the iPhone cost in 2024?", "numbers_differ")]
    [InlineData("Can I cancel my subscription online?", "Can I not cancel my subscription online?", "negation_differs")]
    [InlineData("Why does my build fail on Windows?", "Why doesn't my build fail on Windows?", "negation_differs")]
    public void RejectsAQuestionThatAsksSomethingElseHoweverCloseItsVector(string query, string stored, string reason)
    {
        var decision = SemanticMatcher.Default.Decide(query, [new SemanticCandidate(stored, 0.97f)]);
        Assert.Equal((0, false, reason), (decision.Index, decision.Accepted, decision.Reason));
        Assert.False(decision.Serves(0.5));
    }

    [Theory]
    [InlineData("How do I reset my password?", "How can I reset my password")]
    [InlineData("What's the best way to learn Python?", "What is the best way to learn python")]
    [InlineData("Don't charge me twice: how do refunds work?", "Do not charge me twice: how do refunds work?")]
    [InlineData("What are the top 10 datasets for NLP?", "Which are the top 10 datasets for NLP?")]
    public void AcceptsAParaphrase(string query, string stored)
    {
        var decision = SemanticMatcher.Default.Decide(query, [new SemanticCandidate(stored, 0.93f)]);
        Assert.True(decision.Accepted, decision.Reason);
        Assert.True(decision.Serves(0.90));
        Assert.False(decision.Serves(0.95)); // the threshold applies to the cosine of the chosen entry
    }

    [Fact]
    public void ReRankingPicksTheQuerysOwnOriginOverANeighbourWithAHigherCosine()
    {
        var decision = SemanticMatcher.Default.Decide("How many columns does this table have?",
        [
            new SemanticCandidate("How many rows does the dataset contain?", 0.90f),
            new SemanticCandidate("How many columns does the table have?", 0.88f),
        ]);
        Assert.Equal((1, true, 0.88f), (decision.Index, decision.Accepted, decision.Similarity));
    }

    [Fact]
    public void TwoEquallyGoodDifferentCandidatesAreAMissNotAGuess()
    {
        var decision = SemanticMatcher.Default.Decide("How do I export my data?",
        [
            new SemanticCandidate("How do I export my data to CSV?", 0.91f),
            new SemanticCandidate("How do I export my data to JSON?", 0.91f),
        ]);
        Assert.Equal((false, "ambiguous"), (decision.Accepted, decision.Reason));

        // The same question stored twice (two entries of one scope) is not ambiguous.
        var duplicate = SemanticMatcher.Default.Decide("How do I export my data?",
            [new SemanticCandidate("How can I export my data?", 0.95f), new SemanticCandidate("How can I export my data?", 0.95f)]);
        Assert.True(duplicate.Accepted, duplicate.Reason);
    }

    [Fact]
    public void NoCandidateIsNoDecision()
    {
        var none = SemanticMatcher.Default.Decide("anything", []);
        Assert.Equal(-1, none.Index);
        Assert.False(none.Serves(0));
    }

    [Fact]
    public void ContentWordsIgnoreFunctionWordsCaseAndCommonEndings()
    {
        var words = QuestionWords.Of("How can I load the Datasets' files in 2 minutes?");
        Assert.Equal(["load", "dataset", "file", "2", "minute"], words.Content);
        Assert.Equal(["2"], words.Numbers);
        Assert.False(words.Negated);
        Assert.Equal(1.0, words.Overlap(QuestionWords.Of("loading dataset files, 2 minutes")));
    }
}
