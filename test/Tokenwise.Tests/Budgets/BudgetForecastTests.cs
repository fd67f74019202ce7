using Tokenwise.Budgets;

namespace Tokenwise.Tests.Budgets;

public sealed class BudgetForecastTests
{
    private static readonly BudgetWindow s_november = new(new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
    private static readonly DateTimeOffset s_tenDaysIn = new(2026, 11, 11, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void ASpendRateThatOutrunsTheBudgetSaysWhenItRunsOut()
    {
        // $10 in 10 of 30 days: $30 by the month's end; $20 is reached 10 days from now.
        Assert.Equal(new BudgetForecast(30m, new DateTimeOffset(2026, 11, 21, 0, 0, 0, TimeSpan.Zero)), BudgetForecast.Of(s_november, 20m, 10m, s_tenDaysIn));
    }

    [Fact]
    public void ASpendRateWithinTheBudgetProjectsTheEndOfThePeriodAndNoRunningOut()
    {
        Assert.Equal(new BudgetForecast(15m, null), BudgetForecast.Of(s_november, 20m, 5m, s_tenDaysIn));
        Assert.Equal(new BudgetForecast(0m, null), BudgetForecast.Of(s_november, 20m, 0m, s_tenDaysIn));
    }

    [Fact]
    public void ASpentBudgetRunsOutNowAndALifetimeBudgetHasNoForecast()
    {
        Assert.Equal(s_tenDaysIn, BudgetForecast.Of(s_november, 20m, 25m, s_tenDaysIn)!.Value.ExhaustsAt);
        Assert.Null(BudgetForecast.Of(new BudgetWindow(DateTimeOffset.MinValue, null), 20m, 5m, s_tenDaysIn));
    }
}
