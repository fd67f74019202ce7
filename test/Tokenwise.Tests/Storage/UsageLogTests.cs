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
    public void AClosedLogRefusesRecordsInsteadOfLosingThemSilently()
    {
        var log = new UsageLog();
        log.Complete();
        Assert.Throws<InvalidOperationException>(() => log.Enqueue(Record("late")));
    }
}
