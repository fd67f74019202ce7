using System.Globalization;
using Tokenwise.Hosting;

namespace Tokenwise.Tests.Hosting;

public sealed class RequestIdsTests
{
    private static readonly DateTimeOffset s_now = new(2026, 12, 1, 14, 30, 15, 123, TimeSpan.Zero);

    [Fact]
    public void AnIdIsAVersion7UuidOfItsMillisecond()
    {
        var id = RequestIds.Next(s_now);

        Assert.Matches("^req_[0-9a-f]{32}$", id);
        var uuid = Guid.ParseExact(id[4..], "N");
        Assert.Equal((7, 0b10), (uuid.Version, uuid.Variant >> 2));
        Assert.Equal(s_now.ToUnixTimeMilliseconds(), long.Parse(id[4..16], NumberStyles.HexNumber, CultureInfo.InvariantCulture));
    }

    [Fact]
    public void IdsOfOneMillisecondDifferAcrossRefillsOfTheRandomBuffer()
    {
        var ids = Enumerable.Range(0, 2000).Select(_ => RequestIds.Next(s_now)).ToList();

        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        // 74 random bits each: no two ids of the same millisecond share their random tail either.
        Assert.Equal(ids.Count, ids.Select(id => id[20..]).Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void IdsSortByTime()
    {
        var earlier = RequestIds.Next(s_now);
        var later = RequestIds.Next(s_now.AddMilliseconds(1));

        Assert.True(string.CompareOrdinal(earlier, later) < 0);
    }
}
