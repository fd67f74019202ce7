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
    public void Parses(string text, int seconds)
    {
        Assert.True(Durations.TryParse(text, out var d));
        Assert.Equal(TimeSpan.FromSeconds(seconds), d);
    }

    [Theory]
    [InlineData("")]
    [InlineData("h")]
    [InlineData("10y")]
    [InlineData("-1h")]
    public void RejectsNonsense(string text) => Assert.False(Durations.TryParse(text, out _));
}
