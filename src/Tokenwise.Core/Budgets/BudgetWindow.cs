namespace Tokenwise.Budgets;

/// <summary>The calendar window a moment falls in, for a period, in a time zone.</summary>
/// <param name="Start">Inclusive start; <see cref="DateTimeOffset.MinValue"/> for a lifetime budget.</param>
/// <param name="End">Exclusive end, when the budget starts again; null for a lifetime budget.</param>
public readonly record struct BudgetWindow(DateTimeOffset Start, DateTimeOffset? End)
{
    public static BudgetWindow Of(BudgetPeriod period, DateTimeOffset now, TimeZoneInfo zone)
    {
        if (period == BudgetPeriod.Lifetime)
        {
            return new BudgetWindow(DateTimeOffset.MinValue, null);
        }

        // Calendar arithmetic on the zone's wall clock, then back to instants: a day is 23 or 25 hours
        // across a daylight-saving change, as people expect.
        var local = TimeZoneInfo.ConvertTime(now, zone).DateTime;
        DateTime start, end;
        switch (period)
        {
            case BudgetPeriod.Hour:
                start = new DateTime(local.Year, local.Month, local.Day, local.Hour, 0, 0, DateTimeKind.Unspecified);
                end = start.AddHours(1);
                break;
            case BudgetPeriod.Day:
                start = local.Date;
                end = start.AddDays(1);
                break;
            case BudgetPeriod.Week:
                start = local.Date.AddDays(-(((int)local.DayOfWeek + 6) % 7));
                end = start.AddDays(7);
                break;
            case BudgetPeriod.Month:
                start = new DateTime(local.Year, local.Month, 1, 0, 0, 0, DateTimeKind.Unspecified);
                end = start.AddMonths(1);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(period), period, null);
        }

        return new BudgetWindow(ToInstant(start, zone), ToInstant(end, zone));
    }

    /// <summary>A wall-clock time as an instant; a time skipped by a clock change moves to the first valid instant after it.</summary>
    private static DateTimeOffset ToInstant(DateTime wallClock, TimeZoneInfo zone)
    {
        while (zone.IsInvalidTime(wallClock))
        {
            wallClock = wallClock.AddMinutes(15);
        }

        return new DateTimeOffset(wallClock, zone.GetUtcOffset(wallClock));
    }
}
