using Tokenwise.Budgets;

namespace Tokenwise.Tests.Budgets;

public sealed class BudgetWindowTests
{
    private static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

    [Theory]
    [InlineData(BudgetPeriod.Hour, "2026-11-25T10:59:59.999Z", "2026-11-25T10:00:00Z", "2026-11-25T11:00:00Z")]
    [InlineData(BudgetPeriod.Day, "2026-11-25T23:59:59Z", "2026-11-25T00:00:00Z", "2026-11-26T00:00:00Z")]
    [InlineData(BudgetPeriod.Week, "2026-11-25T12:00:00Z", "2026-11-23T00:00:00Z", "2026-11-30T00:00:00Z")] // Wednesday → Monday
    [InlineData(BudgetPeriod.Week, "2026-11-29T23:00:00Z", "2026-11-23T00:00:00Z", "2026-11-30T00:00:00Z")] // Sunday
    [InlineData(BudgetPeriod.Month, "2026-12-31T23:59:59Z", "2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z")]
    [InlineData(BudgetPeriod.Month, "2028-02-29T12:00:00Z", "2028-02-01T00:00:00Z", "2028-03-01T00:00:00Z")]
    public void WindowsAreCalendarAlignedInUtc(BudgetPeriod period, string now, string start, string end)
    {
        var window = BudgetWindow.Of(period, DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture), TimeZoneInfo.Utc);
        Assert.Equal(DateTimeOffset.Parse(start, System.Globalization.CultureInfo.InvariantCulture), window.Start);
        Assert.Equal(DateTimeOffset.Parse(end, System.Globalization.CultureInfo.InvariantCulture), window.End);
    }

    [Fact]
    public void ADayInAZoneStartsAtItsLocalMidnightAndSpansAClockChange()
    {
        // 2026-10-25: Berlin leaves summer time at 03:00 CEST → 02:00 CET, so that day lasts 25 hours.
        var window = BudgetWindow.Of(BudgetPeriod.Day, new DateTimeOffset(2026, 10, 25, 12, 0, 0, TimeSpan.Zero), Berlin);
        Assert.Equal(new DateTimeOffset(2026, 10, 24, 22, 0, 0, TimeSpan.Zero), window.Start); // 00:00 CEST
        Assert.Equal(new DateTimeOffset(2026, 10, 25, 23, 0, 0, TimeSpan.Zero), window.End); // 00:00 CET
        Assert.Equal(TimeSpan.FromHours(25), window.End - window.Start);
    }

    [Fact]
    public void AMonthInAZoneBeginsAtLocalMidnightOfTheFirst()
    {
        // 23:30 UTC on 30 November is already 1 December in Berlin.
        var window = BudgetWindow.Of(BudgetPeriod.Month, new DateTimeOffset(2026, 11, 30, 23, 30, 0, TimeSpan.Zero), Berlin);
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.FromHours(1)), window.Start);
        Assert.Equal(new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.FromHours(1)), window.End);
    }

    [Fact]
    public void ALifetimeBudgetNeverResets()
    {
        var window = BudgetWindow.Of(BudgetPeriod.Lifetime, DateTimeOffset.UtcNow, TimeZoneInfo.Utc);
        Assert.Null(window.End);
    }
}
