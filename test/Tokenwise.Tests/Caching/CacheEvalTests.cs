using Tokenwise.Caching;
using Tokenwise.Testing;

namespace Tokenwise.Tests.Caching;

/// <summary>The eval command's arithmetic, and the contextual conversion and evaluation on a small slice of the real data.</summary>
public sealed class CacheEvalTests
{
    private static readonly string s_data = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../../shared/data/cache"));

    [Fact]
    public void OperatingPointsAndAucAreComputedFromTheSimilarities()
    {
        CacheEvaluator.Case[] cases =
        [
            new(0.95f, true, true), new(0.90f, true, true), new(0.85f, false, false), new(0.80f, true, true), new(0.70f, false, false),
        ];
        var point = CacheEvaluator.Point(cases, 0.84);
        Assert.Equal(3, point.Served);
        Assert.Equal(2.0 / 3, point.Recall, 6);
        Assert.Equal(0.5, point.FalseHitRate, 6);
        Assert.Equal(2.0 / 3, point.Precision, 6);
        Assert.Equal(5.0 / 6, CacheEvaluator.RocAuc(cases)!.Value, 6); // 5 of 6 (right, wrong) pairs ordered correctly
    }

    [Fact]
    public async Task TheContextualConversionKeepsFollowUpsInTheirConversation()
    {
        var source = Path.Combine(s_data, "contextual");
        if (!Directory.Exists(source))
        {
            Assert.Skip($"The MeanCache data is not at {source} (../shared/data beside the repository).");
        }

        var rows = MeanCacheConverter.Convert(source);
        var csv = Path.Combine(Path.GetTempPath(), "contextual-" + Guid.NewGuid().ToString("N") + ".csv");
        await using (var writer = new StreamWriter(csv))
        {
            MeanCacheConverter.Write(rows, writer);
        }

        Assert.Contains(rows, r => !r.ShouldHit && r.QuestionA == r.QuestionB && r.ContextA != r.ContextB);
        // A word-hashing embedder, not MiniLM: loading the 90 MB model takes seconds of CPU that starve the
        // end-to-end tests running beside this project; `tokenwise cache eval` measures MiniLM itself.
        var embedder = new HashingEmbedder(256);
        var report = await new CacheEvaluator(embedder, embedder, CacheDefaults.SemanticThreshold, null)
            .ContextualAsync(csv, limit: 12, TestContext.Current.CancellationToken);
        File.Delete(csv);

        Assert.Equal(12, report.Rows);
        Assert.Equal(0, report.AtThreshold.FalseHitRate); // a different context is a different scope
        Assert.True(report.AtThreshold.Recall > 0.9, $"recall {report.AtThreshold.Recall}");
    }
}
