namespace Tokenwise.Hosting;

/// <summary>Request ids: time-ordered (UUIDv7) so the log sorts by id as it does by time.</summary>
public static class RequestIds
{
    public static string Next(DateTimeOffset now) => "req_" + Guid.CreateVersion7(now).ToString("N");
}
