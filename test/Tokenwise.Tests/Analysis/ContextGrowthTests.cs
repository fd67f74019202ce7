using Tokenwise.Analysis;
using Tokenwise.Storage;

namespace Tokenwise.Tests.Analysis;

public sealed class ContextGrowthTests
{
    private static readonly DateTimeOffset s_start = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    private static async IAsyncEnumerable<SessionStep> Steps(params (string Session, long Input, long Cached)[] steps)
    {
        var i = 0;
        foreach (var (session, input, cached) in steps)
        {
            await Task.Yield();
            yield return new SessionStep(session, s_start.AddSeconds(i++), input, cached, input / 1_000_000m);
        }
    }

    [Fact]
    public async Task EachStepAfterTheFirstSendsAgainWhatTheStepBeforeSentAndTheSlopeIsTheGrowthPerStep()
    {
        var rows = await ContextGrowth.OfAsync(Steps(
            ("agent", 100, 0), ("agent", 300, 100), ("agent", 500, 300),
            ("single", 9_000, 0),
            ("chat", 50, 0), ("chat", 60, 0)), top: 10, TestContext.Current.CancellationToken);

        // agent: 100 of step 2's prompt and 300 of step 3's were sent before; 900 prompt tokens in all, 400 of them cached.
        Assert.Equal(new ContextGrowth("agent", 3, 100, 500, 200.0, 900, 400, 400, 0.0009m), rows[0]);
        Assert.Equal(new ContextGrowth("chat", 2, 50, 60, 10.0, 110, 50, 0, 0.00011m), rows[1]);
        Assert.Equal(2, rows.Count); // a session of one step sent nothing again
    }

    [Fact]
    public async Task AShrinkingPromptSendsAgainOnlyWhatItKeptAndTopCutsTheList()
    {
        var rows = await ContextGrowth.OfAsync(Steps(("compacted", 1_000, 0), ("compacted", 200, 0), ("small", 10, 0), ("small", 20, 0)),
            top: 1, TestContext.Current.CancellationToken);

        Assert.Equal(("compacted", 200L, -800.0), (Assert.Single(rows).SessionId, rows[0].ResentTokens, rows[0].GrowthPerStep));
    }
}
