using Tokenwise.Metering;

namespace Tokenwise.Tests.Storage;

public sealed class UsageLogTests
{
    private static UsageRecord Record(string id) => new() { Id = id, StartedAt = DateTimeOffset.UnixEpoch, Endpoint = "chat.completions", Dialect = "openai" };

    [Fact]
    public void PendingCountsWhatTheWriterHasNotTakenYet()
    {
        var log = new UsageLog();
        log.Enqueue(Record("a"));
        log.Enqueue(Record("b"));
        log.Enqueue(Record("c"));
        Assert.True(log.Reader.TryRead(out _));

        Assert.Equal(2, log.Pending);
        Assert.Equal(3, log.Enqueued);
    }

    [Fact]
    public void AFullBacklogRefusesNewRequestsButStillTakesTheRecordsOfThoseUnderWay()
    {
        var log = new UsageLog(maxPending: 2);
        Assert.True(log.Admits());
        log.Enqueue(Record("a"));
        log.Enqueue(Record("b"));

        Assert.False(log.Admits());
        Assert.False(log.Admits());
        log.Enqueue(Record("c")); // a request admitted before the backlog filled finishes and is recorded
        Assert.Equal((3, 2L), (log.Pending, log.Refused));

        Assert.True(log.Reader.TryRead(out _));
        Assert.True(log.Reader.TryRead(out _));
        Assert.True(log.Admits());
        Assert.Equal(2, log.Refused);
    }

    [Fact]
    public void AClosedLogRefusesRecordsInsteadOfLosingThemSilently()
    {
        var log = new UsageLog();
        log.Complete();
        Assert.Throws<InvalidOperationException>(() => log.Enqueue(Record("late")));
    }
}
