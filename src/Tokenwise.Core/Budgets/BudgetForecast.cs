namespace Tokenwise.Budgets;

/// <summary>
/// Where a budget's period is heading at the rate it has been spent so far: the spend projected at the period's end,
/// and when the budget runs out if that comes first. A straight line from the period's start, so early in a period
/// (an hour into a month) it follows the first hour's traffic.
/// </summary>
public readonly record struct BudgetForecast(decimal ProjectedUsd, DateTimeOffset? ExhaustsAt)
{
    /// <summary>The forecast for <paramref name="spentUsd"/> spent in <paramref name="window"/> by <paramref name="now"/>; null for a lifetime budget, which has no end to project to.</summary>
    public static BudgetForecast? Of(BudgetWindow window, decimal amountUsd, decimal spentUsd, DateTimeOffset now)
    {
        if (window.End is not { } end)
        {
            return null;
        }

        var elapsed = (decimal)(now - window.Start).TotalSeconds;
        if (elapsed <= 0 || spentUsd <= 0)
        {
            return new BudgetForecast(spentUsd, null);
        }

        var perSecond = spentUsd / elapsed;
        var projected = spentUsd + perSecond * (decimal)(end - now).TotalSeconds;
        DateTimeOffset? exhausts = spentUsd >= amountUsd ? now
            : projected > amountUsd ? now.AddSeconds((double)((amountUsd - spentUsd) / perSecond))
            : null;
        return new BudgetForecast(decimal.Round(projected, 6), exhausts);
    }
}
