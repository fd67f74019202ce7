using Tokenwise.Admin;

namespace Tokenwise.Tests.Admin;

public sealed class DurationsTests
{
    [Theory]
    [InlineData("90s", 90)]
    [InlineData("30m", 1800)]
    [InlineData("24h", 86400)]
    [InlineData("7d", 604800)]
    [InlineData("1w", 604800)]
    [InlineData("1.5h", 5400)]
    [InlineData("36525d", 36525 * 86400.0)]
    public void Parses(string text, double seconds)
    {
        Assert.True(Durations.TryParse(text, out var d));
        Assert.Equal(TimeSpan.FromSeconds(seconds), d);
    }

    [Theory]
    [InlineData("")]
    [InlineData("h")]
    [InlineData("10y")]
    [InlineData("-1h")]
    [InlineData("NaNh")]
    [InlineData("Infinityd")]
    [InlineData("99999999d")] // more than a TimeSpan holds
    [InlineData("36526d")] // more than a century: from now it would reach before year 1 at some point
    public void RejectsNonsense(string text) => Assert.False(Durations.TryParse(text, out _));
}
